// roadsense-sim: a deterministic fleet simulator, load generator and verifier of the map.
// See simulator/README.md for flags, output, verification and exit codes.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>

#include "core/flag_set.h"
#include "core/logging.h"
#include "geo/tile_key.h"
#include "simulator/fleet.h"
#include "simulator/generation_benchmark.h"
#include "simulator/ground_truth.h"
#include "simulator/http_report_uploader.h"
#include "simulator/load_runner.h"
#include "simulator/map_comparison.h"
#include "simulator/map_verifier.h"
#include "simulator/run_plot.h"
#include "simulator/seeded_map.h"
#include "simulator/send_schedule.h"
#include "simulator/sqs_queue_depth.h"

namespace rs = roadsense;
namespace sim = roadsense::simulator;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitVerifyFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUploadsFailed = 3;
constexpr size_t kMismatchesListed = 20;

struct Flags {
  std::string target = "http://127.0.0.1:8080";
  int vehicles = 200;
  int64_t reports = 100000;
  int reports_per_batch = 50;
  int concurrency = 16;
  int64_t seed = 1;
  int64_t start_time_ms = 0;
  int64_t report_interval_ms = 1000;
  int64_t bucket_seconds = 300;
  std::string center = "48.137,11.575";
  double radius_km = 5;
  std::string format = "protobuf";
  int max_retries = 20;
  int64_t request_timeout_ms = 10000;
  int batches_per_pseudonym = 10;
  std::string fleet_id;
  std::string api_key_file;
  bool verify = false;
  std::string db;
  int64_t verify_timeout_s = 120;
  std::string queue_url;
  double min_hazard_recall = sim::QualityThresholds{}.min_hazard_recall;
  double min_hazard_precision = sim::QualityThresholds{}.min_hazard_precision;
  double min_speed_limit_recovery = sim::QualityThresholds{}.min_speed_limit_recovery;
  std::string out;
  std::string plot;
  std::string log_level = "info";
  bool dry_run = false;
  double rate = 0;
  double ramp_up_s = 0;
  double duration_s = 0;
};

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "roadsense-sim: " << message << " (see --help)\n";
  std::exit(kExitUsage);
}

std::chrono::nanoseconds Seconds(double s) {
  return std::chrono::nanoseconds(static_cast<int64_t>(s * 1e9));
}

bool ParseCenter(const std::string& text, double* lat, double* lon) {
  const auto comma = text.find(',');
  if (comma == std::string::npos) return false;
  const char* b = text.data();
  const char* e = text.data() + text.size();
  auto r1 = std::from_chars(b, b + comma, *lat);
  auto r2 = std::from_chars(b + comma + 1, e, *lon);
  return r1.ec == std::errc() && r1.ptr == b + comma && r2.ec == std::errc() && r2.ptr == e;
}

sim::FleetOptions FleetOptionsFrom(const Flags& f) {
  if (f.rate < 0) UsageError("--rate must be >= 0");
  if (f.ramp_up_s < 0) UsageError("--ramp-up-s must be >= 0");
  if (f.duration_s < 0) UsageError("--duration-s must be >= 0");
  if (f.rate > 0 && f.duration_s > 0 && f.duration_s <= f.ramp_up_s / 2) {
    UsageError("--duration-s must be longer than half of --ramp-up-s");
  }
  if (f.vehicles < 1) UsageError("--vehicles must be >= 1");
  if (f.reports < 1) UsageError("--reports must be >= 1");
  if (f.reports_per_batch < 1) UsageError("--reports-per-batch must be >= 1");
  if (f.report_interval_ms < 1) UsageError("--report-interval-ms must be >= 1");
  if (f.radius_km <= 0 || f.radius_km > 100) UsageError("--radius-km must be in (0, 100]");
  if (f.batches_per_pseudonym < 1) UsageError("--batches-per-pseudonym must be >= 1");
  sim::FleetOptions o;
  if (!ParseCenter(f.center, &o.center_lat_deg, &o.center_lon_deg) ||
      std::abs(o.center_lat_deg) > 80 || std::abs(o.center_lon_deg) > 179) {
    UsageError("--center must be \"lat,lon\" with |lat| <= 80 and |lon| <= 179");
  }
  o.seed = static_cast<uint64_t>(f.seed);
  o.vehicles = f.vehicles;
  o.total_reports = f.reports;
  if (f.rate > 0 && f.duration_s > 0) {
    // Open loop for a duration: exactly the reports the schedule has due within it.
    o.total_reports =
        sim::SendSchedule(f.rate, Seconds(f.ramp_up_s)).ReportsWithin(Seconds(f.duration_s));
  }
  o.reports_per_batch = f.reports_per_batch;
  o.report_interval_ms = f.report_interval_ms;
  o.radius_km = f.radius_km;
  o.batches_per_pseudonym = f.batches_per_pseudonym;
  o.fleet_id = f.fleet_id;
  o.start_time_ms = f.start_time_ms;
  if (o.start_time_ms == 0) o.start_time_ms = sim::StartTimeEndingNow(o);
  return o;
}

sim::LoadOptions LoadOptionsFrom(const Flags& f) {
  if (f.concurrency < 1) UsageError("--concurrency must be >= 1");
  if (f.max_retries < 0) UsageError("--max-retries must be >= 0");
  if (f.request_timeout_ms < 1) UsageError("--request-timeout-ms must be >= 1");
  sim::LoadOptions o;
  o.concurrency = f.concurrency;
  o.max_retries = f.max_retries;
  o.request_timeout = std::chrono::milliseconds(f.request_timeout_ms);
  o.jitter_seed = static_cast<uint64_t>(f.seed);
  o.rate_reports_per_s = f.rate;
  o.ramp_up = std::chrono::duration_cast<std::chrono::milliseconds>(Seconds(f.ramp_up_s));
  // Open loop has its length in the schedule; closed loop stops taking batches at the deadline.
  if (f.rate == 0) {
    o.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Seconds(f.duration_s));
  }
  o.progress_on_terminal = isatty(STDERR_FILENO) != 0;
  if (f.format == "protobuf") {
    o.format = sim::WireFormat::kProtobuf;
  } else if (f.format == "json") {
    o.format = sim::WireFormat::kJson;
  } else {
    UsageError("--format must be protobuf or json");
  }
  return o;
}

int64_t CountTiles(const sim::CellMap& cells) {
  std::set<rs::geo::TileKey> tiles;
  for (const auto& [key, counts] : cells) tiles.insert(key.tile);
  return static_cast<int64_t>(tiles.size());
}

// What --verify needs besides the ground truth.
struct VerifyInputs {
  const sim::MapVerifier* verifier = nullptr;
  const sim::CellMap* before = nullptr;
  sim::QueueDepthReader queue;  // empty without --queue-url
  std::chrono::seconds timeout{120};
  sim::QualityThresholds thresholds;
  int64_t run_start_ms = 0;  // first observation of the run
};

// Waits for the pipeline to drain, compares the tile_stats deltas with ground truth exactly, then
// measures what consumers see against the seeded map.
sim::VerificationReport Verify(const VerifyInputs& in, const sim::GroundTruth& truth,
                               const sim::SeededMap& seeded) {
  sim::VerificationReport v;
  v.thresholds = in.thresholds;
  const sim::CellCounts expected = truth.Totals();
  int64_t before_sum = 0;
  for (const auto& [key, counts] : *in.before) before_sum += counts.reports;
  sim::DrainOptions drain;
  drain.timeout = in.timeout;
  v.drain = sim::DrainWaiter::Wait(
      in.queue, [&] { return in.verifier->SumReports(); }, before_sum + expected.reports, drain);
  spdlog::info("verify: {}", v.drain->Describe());

  v.tiles = CountTiles(truth.cells());
  v.expected_reports = expected.reports;
  rs::Result<sim::CellMap> after = in.verifier->Snapshot();
  if (!after.ok()) {
    v.exact_detail = after.status().ToString();
  } else {
    const auto cmp = sim::MapComparison::Compare(truth.cells(), *in.before, *after);
    v.observed_reports = cmp.observed_totals.reports;
    v.mismatched_cells = static_cast<int64_t>(cmp.mismatches.size());
    v.exact_ok = cmp.ok();
    v.exact_detail =
        v.exact_ok ? std::to_string(v.tiles) + " tiles, " + std::to_string(expected.reports) +
                         " reports match exactly (" + std::to_string(cmp.cells_expected) +
                         " tile-bucket cells)"
                   : std::to_string(cmp.mismatches.size()) + " tile-bucket cells differ (of " +
                         std::to_string(cmp.cells_expected) + " expected); reports expected " +
                         std::to_string(expected.reports) + ", observed " +
                         std::to_string(cmp.observed_totals.reports) + "\n" +
                         cmp.Describe(kMismatchesListed);
  }

  rs::Result<sim::ConsumerView> view = in.verifier->ReadConsumerView(in.run_start_ms);
  if (!view.ok()) {
    v.quality_error = view.status().ToString();
    return v;
  }
  v.k = view->k;
  v.hazards = sim::MapQuality::Hazards(seeded, truth.hazard_clusters(), view->hazards, view->k,
                                       view->now_ms);
  v.speed_limits =
      sim::MapQuality::SpeedLimits(seeded, truth.speed_limit_votes(), view->speed_limits, view->k);
  return v;
}

// --dry-run: generation and encoding alone, on this thread.
int DryRun(const sim::FleetOptions& options, sim::WireFormat format) {
  sim::Fleet fleet(options);
  const sim::GenerationStats g = sim::GenerationBenchmark::Run(fleet, format);
  std::printf(
      "dry-run: generated %lld reports in %lld uploads (%.1f MB encoded) in %.3f s = %.0f "
      "reports/s (%.0f uploads/s)\n",
      static_cast<long long>(g.reports), static_cast<long long>(g.uploads),
      static_cast<double>(g.bytes) / 1e6, g.elapsed_s, g.reports_per_s(), g.uploads_per_s());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  rs::FlagSet flags("roadsense-sim",
                    "Simulates a fleet of cars driving synthetic roads, uploads their reports to a "
                    "roadsense receiver, and optionally verifies the map the pipeline built.");
  flags.AddString(
      "target", &f.target,
      "Receiver base URL (reports go to <target>/v1/reports); several, comma-separated: "
      "sending threads spread over them and retry on the next one");
  flags.AddInt("vehicles", &f.vehicles, "Number of simulated vehicles");
  flags.AddInt("reports", &f.reports, "Total reports to send");
  flags.AddInt("reports-per-batch", &f.reports_per_batch, "Reports per upload");
  flags.AddInt("concurrency", &f.concurrency, "Concurrent in-flight uploads (threads)");
  flags.AddInt("seed", &f.seed, "Seed: same seed and start time, same batches");
  flags.AddInt("start-time-ms", &f.start_time_ms,
               "Simulated clock start, epoch ms; 0 = now minus the simulated span");
  flags.AddInt("report-interval-ms", &f.report_interval_ms,
               "Simulated time between one vehicle's reports");
  flags.AddInt("bucket-seconds", &f.bucket_seconds, "Time bucket length; must match the worker");
  flags.AddString("center", &f.center, "Centre of the simulated area, \"lat,lon\" in degrees");
  flags.AddDouble("radius-km", &f.radius_km, "Radius of the simulated area");
  flags.AddString("format", &f.format, "Upload encoding: protobuf or json");
  flags.AddInt("max-retries", &f.max_retries,
               "Retries of one upload after timeouts, connection errors, 5xx, 408, 429");
  flags.AddInt("request-timeout-ms", &f.request_timeout_ms, "Deadline of one upload attempt");
  flags.AddInt("batches-per-pseudonym", &f.batches_per_pseudonym,
               "Uploads before a vehicle rotates its pseudonym");
  flags.AddString("fleet-id", &f.fleet_id, "Envelope fleet_id (empty: not set)");
  flags.AddString("api-key-file", &f.api_key_file,
                  "File holding the fleet's API key for a receiver with --keys-file; sends "
                  "'Authorization: Bearer <fleet-id>:<key>' (needs --fleet-id)");
  flags.AddBool("verify", &f.verify, "Verify tile_stats against ground truth after sending");
  flags.AddString("db", &f.db, "libpq connection string of the map database (for --verify)");
  flags.AddInt("verify-timeout-s", &f.verify_timeout_s,
               "How long --verify waits for the pipeline to drain");
  flags.AddString("queue-url", &f.queue_url,
                  "--verify: SQS URL of the pipeline's queue; verification waits until it holds no "
                  "visible, in-flight or delayed message (empty: wait for the totals only)");
  flags.AddDouble("min-hazard-recall", &f.min_hazard_recall,
                  "--verify: least share of expected seeded hazards shown in active_hazards "
                  "(0 = not checked)");
  flags.AddDouble("min-hazard-precision", &f.min_hazard_precision,
                  "--verify: least share of active_hazards rows that match an expected seeded "
                  "hazard (0 = not checked)");
  flags.AddDouble("min-speed-limit-recovery", &f.min_speed_limit_recovery,
                  "--verify: least share of publishable seeded speed limits shown in speed_limits "
                  "with their value (0 = not checked)");
  flags.AddString("out", &f.out, "Write the summary as JSON to this file");
  flags.AddString("plot", &f.plot,
                  "Draw reports/s and p99 latency over time into this PNG (needs gnuplot)");
  flags.AddString("log-level", &f.log_level, "trace, debug, info, warn, error");
  flags.AddDouble("rate", &f.rate,
                  "Open loop: send this many reports per second (0 = closed loop, --concurrency); "
                  "latency counts from each upload's intended send time");
  flags.AddDouble("ramp-up-s", &f.ramp_up_s,
                  "Seconds to ramp up: the rate linearly (open loop) or the threads (closed loop)");
  flags.AddDouble("duration-s", &f.duration_s,
                  "Run this long instead of --reports (open loop: rate x duration reports; "
                  "closed loop: stop at the deadline or after --reports, whichever comes first)");
  flags.AddBool("dry-run", &f.dry_run,
                "Only generate and encode the uploads (no network) and print reports/s");
  flags.ParseOrExit(argc, argv);
  rs::InitLogging("roadsense-sim", f.log_level);

  const sim::FleetOptions fleet_options = FleetOptionsFrom(f);
  const sim::LoadOptions load_options = LoadOptionsFrom(f);
  if (f.bucket_seconds < 1) UsageError("--bucket-seconds must be >= 1");
  if (f.dry_run) {
    if (f.verify) UsageError("--dry-run sends nothing: it cannot --verify");
    return DryRun(fleet_options, load_options.format);
  }
  if (f.verify && f.db.empty()) UsageError("--verify needs --db");
  for (double t : {f.min_hazard_recall, f.min_hazard_precision, f.min_speed_limit_recovery}) {
    if (t < 0 || t > 1) UsageError("--min-* thresholds must be in [0, 1]");
  }
  sim::QueueDepthReader queue_depth;
  if (f.verify && !f.queue_url.empty()) {
    rs::Result<sim::QueueDepthReader> reader = sim::SqsQueueDepth::ReaderFor(f.queue_url);
    if (!reader.ok()) UsageError(reader.status().message());
    queue_depth = std::move(*reader);
  }
  std::string authorization;
  if (!f.api_key_file.empty()) {
    if (f.fleet_id.empty()) UsageError("--api-key-file needs --fleet-id");
    std::ifstream key_in(f.api_key_file);
    std::string key;
    if (!key_in || !std::getline(key_in, key) || key.empty()) {
      UsageError("--api-key-file: cannot read a key from " + f.api_key_file);
    }
    authorization = "Bearer " + f.fleet_id + ":" + key;
  }
  rs::Result<sim::ReportUploaderFactory> factory =
      sim::HttpReportUploader::FactoryFor(f.target, authorization);
  if (!factory.ok()) UsageError("--target: " + factory.status().message());

  // The cells this run can touch: from the first bucket to the one holding the last report.
  const int64_t span_ms = sim::SimulatedSpanMs(fleet_options);
  const int64_t first_bucket =
      rs::geo::BucketStartMs(fleet_options.start_time_ms, f.bucket_seconds);
  const int64_t last_bucket = rs::geo::BucketStartMs(
      fleet_options.start_time_ms + span_ms + fleet_options.report_interval_ms, f.bucket_seconds);
  std::optional<sim::MapVerifier> verifier;
  sim::CellMap before;
  if (f.verify) {
    verifier.emplace(f.db, first_bucket, last_bucket);
    rs::Result<sim::CellMap> snap = verifier->Snapshot();
    if (!snap.ok()) {
      std::cerr << "verify: FAILED — cannot snapshot tile_stats before sending: "
                << snap.status().ToString() << "\n";
      return kExitVerifyFailed;
    }
    before = std::move(*snap);
    spdlog::info("verify: snapshot of {} tile_stats cells taken", before.size());
  }

  spdlog::info("simulating {} vehicles, {} reports from t={} ms over {} s, sending to {}",
               fleet_options.vehicles, fleet_options.total_reports, fleet_options.start_time_ms,
               span_ms / 1000, f.target);
  sim::Fleet fleet(fleet_options);
  sim::GroundTruth truth(f.bucket_seconds);
  sim::LoadRunner runner(load_options, fleet, truth, std::move(*factory));
  sim::RunSummary summary = runner.Run();
  // A marker for whoever watches the log (roadsense-chaos injects faults only before it).
  spdlog::info("sending done: {} of {} reports acknowledged", summary.reports_acked,
               summary.reports_sent);

  int exit_code = kExitOk;
  if (summary.uploads_failed > 0) {
    exit_code = kExitUploadsFailed;
    if (f.verify) {
      summary.verify = sim::VerificationReport{};
      summary.verify->skipped = std::to_string(summary.uploads_failed) +
                                " uploads were never acknowledged, and any of them may or may not "
                                "have reached the pipeline, so the expected map is unknown";
    }
  } else if (verifier) {
    VerifyInputs in;
    in.verifier = &*verifier;
    in.before = &before;
    in.queue = queue_depth;
    in.timeout = std::chrono::seconds(f.verify_timeout_s);
    in.thresholds = {f.min_hazard_recall, f.min_hazard_precision, f.min_speed_limit_recovery};
    in.run_start_ms = fleet_options.start_time_ms;
    const sim::SeededMap seeded =
        sim::SeededMap::From(fleet.scenario(), fleet.network(), fleet.frame());
    summary.verify = Verify(in, truth, seeded);
    if (!summary.verify->ok()) exit_code = kExitVerifyFailed;
  }
  if (exit_code == kExitOk && summary.uploads_rejected > 0) exit_code = kExitUploadsFailed;

  summary.Print(std::cout);
  if (!f.out.empty()) {
    std::ofstream out(f.out);
    out << summary.ToJson();
    if (!out) {
      spdlog::error("cannot write {}", f.out);
      if (exit_code == kExitOk) exit_code = kExitUsage;
    }
  }
  if (!f.plot.empty()) {
    if (rs::Status st = sim::RunPlot::Render(summary, f.plot); !st.ok()) {
      spdlog::error("--plot {}: {}", f.plot, st.ToString());
      if (exit_code == kExitOk) exit_code = kExitUsage;
    }
  }
  return exit_code;
}
