// roadsense-bench-freshness: how long after a car's upload is acknowledged its report is visible
// in PostgreSQL's map tables — the pipeline's freshness — measured from outside, while other load
// (bench/pipeline runs the simulator at a fixed rate) goes through the same receiver, queue and
// workers.
//
// Method: at --probes-per-second, an open-loop schedule sends one upload of one probe report to
// the receiver, each in a zoom-16 tile of its own far from the simulator's area (so exactly one
// upload touches it), and records when the receiver's 2xx arrived (the acknowledgement: the
// upload is durably queued). A LISTEN on `tiles_changed` (db/tiles_changed.md; PostgreSQL
// delivers it when the worker's transaction commits, i.e. when the tile becomes visible to
// readers) records when that tile was first announced. Freshness = announcement − acknowledgement.
// A commit can land before the 2xx reaches us; such probes count as 0 ms.
// Exits 1 when a probe was never announced within --drain-timeout-s, or none was acknowledged.
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/flag_set.h"
#include "core/latency_histogram.h"
#include "core/logging.h"
#include "geo/tile_key.h"
#include "net/http_client.h"
#include "schema/roadsense.pb.h"
#include "tiles/change_listener.h"

namespace roadsense::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  std::string target;
  std::string db;
  double probes_per_second = 20;
  double seconds = 30;
  double drain_timeout_s = 30;
  std::string fleet_id;
  std::string api_key_file;
  std::string out;
  std::string log_level = "warn";
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  FlagSet flags("roadsense-bench-freshness",
                "Freshness of the running pipeline: time from a probe upload's 2xx to the "
                "commit that makes its tile visible in PostgreSQL (LISTEN tiles_changed).");
  flags.AddString("target", &f.target, "receiver base URL (probes go to <target>/v1/reports)");
  flags.AddString("db", &f.db, "libpq connection string of the map database (LISTEN only)");
  flags.AddDouble("probes-per-second", &f.probes_per_second, "probe uploads per second");
  flags.AddDouble("seconds", &f.seconds, "how long to send probes");
  flags.AddDouble("drain-timeout-s", &f.drain_timeout_s,
                  "after the last probe, how long to wait for the outstanding announcements");
  flags.AddString("fleet-id", &f.fleet_id, "fleet id for the receiver's Authorization header");
  flags.AddString("api-key-file", &f.api_key_file, "file holding that fleet's API key");
  flags.AddString("out", &f.out, "write the figures as JSON to this file");
  flags.AddString("log-level", &f.log_level, "trace, debug, info, warn, error");
  flags.ParseOrExit(argc, argv);
  const char* error = nullptr;
  if (f.target.empty() || f.db.empty()) error = "--target and --db are required";
  if (f.probes_per_second <= 0 || f.probes_per_second > 1000) {
    error = "--probes-per-second must be in (0, 1000]";
  }
  if (f.seconds <= 0 || f.drain_timeout_s < 0) {
    error = "--seconds must be > 0 and --drain-timeout-s >= 0";
  }
  if (error != nullptr) {
    std::fprintf(stderr, "roadsense-bench-freshness: %s\n", error);
    std::exit(2);
  }
  return f;
}

// One probe's timeline (steady clock).
struct Probe {
  geo::TileKey tile;
  std::optional<Clock::time_point> acked;
  std::optional<Clock::time_point> announced;
};

// Probes by tile; written by the sender and the listener thread.
class ProbeBook {
 public:
  void Add(const geo::TileKey& tile) {
    std::lock_guard lock(mu_);
    probes_[{tile.x, tile.y}].tile = tile;
  }
  void Acked(const geo::TileKey& tile, Clock::time_point at) {
    std::lock_guard lock(mu_);
    probes_[{tile.x, tile.y}].acked = at;
  }
  // A `tiles_changed` payload: "v1 traffic 16 <bucket> x/y x/y ...".
  void OnPayload(const std::string& payload) {
    const auto now = Clock::now();
    std::istringstream in(payload);
    std::string version, layer, z, bucket, xy;
    in >> version >> layer >> z >> bucket;
    if (version != "v1" || layer != "traffic" || z != "16") return;
    std::lock_guard lock(mu_);
    while (in >> xy) {
      const size_t slash = xy.find('/');
      if (slash == std::string::npos) continue;
      auto it = probes_.find({std::atoi(xy.c_str()), std::atoi(xy.c_str() + slash + 1)});
      if (it != probes_.end() && !it->second.announced) it->second.announced = now;
    }
  }
  // Probes acknowledged but not yet announced.
  size_t Outstanding() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [key, p] : probes_) n += p.acked && !p.announced;
    return n;
  }
  std::vector<Probe> Snapshot() const {
    std::lock_guard lock(mu_);
    std::vector<Probe> out;
    for (const auto& [key, p] : probes_) out.push_back(p);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<int32_t, int32_t>, Probe> probes_;
};

// Probe i's position: a grid with 0.02° steps (several zoom-16 tiles apart) in an area of the
// North Sea coast no simulator scenario uses, shifted per run so that runs never share a tile.
v1::ReportBatch ProbeBatch(int i, int run_offset, const std::string& run_id, int64_t now_ms,
                           geo::TileKey* tile) {
  const int cell = run_offset + i;
  const int32_t lat_e7 = 530000000 + (cell / 200 % 200) * 200000;
  const int32_t lon_e7 = 40000000 + (cell % 200) * 200000;
  *tile = geo::TileForPoint(lat_e7, lon_e7);
  v1::ReportBatch b;
  b.mutable_envelope()->set_vehicle_pseudonym("probe-" + run_id + "-" + std::to_string(i));
  b.mutable_envelope()->set_batch_sequence(1);
  b.mutable_envelope()->set_sent_time_ms(now_ms);
  b.mutable_envelope()->set_software_version("roadsense-bench-freshness");
  v1::Report* r = b.add_reports();
  r->set_observed_time_ms(now_ms - 500);
  r->mutable_position()->set_lat_e7(lat_e7);
  r->mutable_position()->set_lon_e7(lon_e7);
  r->mutable_position()->set_heading_cdeg(9000);
  r->mutable_position()->set_speed_cms(1389);
  r->mutable_probe();
  return b;
}

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Run(const Flags& f) {
  Result<net::HttpUrl> url = net::ParseHttpUrl(f.target);
  if (!url.ok()) {
    std::fprintf(stderr, "--target: %s\n", url.status().message().c_str());
    return 2;
  }
  std::string authorization;
  if (!f.api_key_file.empty()) {
    std::ifstream in(f.api_key_file);
    std::string key;
    if (!(in >> key)) {
      std::fprintf(stderr, "--api-key-file: cannot read a key from %s\n", f.api_key_file.c_str());
      return 2;
    }
    authorization = "Bearer " + f.fleet_id + ":" + key;
  }

  ProbeBook book;
  std::atomic<bool> listening_once{false};
  tiles::ChangeListener listener(
      f.db, [&book](const std::string& payload) { book.OnPayload(payload); },
      [&listening_once] { listening_once = true; });
  for (int i = 0; i < 100 && !listening_once; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!listening_once) {
    std::fprintf(stderr, "cannot LISTEN on tiles_changed at --db\n");
    return 2;
  }

  std::random_device rd;
  const int run_offset = static_cast<int>(rd() % 40000);
  const std::string run_id = std::to_string(UnixMs());
  net::HttpClient client(*url);
  const int total = static_cast<int>(f.seconds * f.probes_per_second);
  const auto start = Clock::now();
  int acked = 0, refused = 0;
  for (int i = 0; i < total; ++i) {
    std::this_thread::sleep_until(start +
                                  std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(i / f.probes_per_second)));
    geo::TileKey tile;
    const v1::ReportBatch batch = ProbeBatch(i, run_offset, run_id, UnixMs(), &tile);
    book.Add(tile);
    net::HttpRequest req;
    req.method = "POST";
    req.target = "/v1/reports";
    req.headers = {{"Content-Type", "application/x-protobuf"}};
    if (!authorization.empty()) req.headers.emplace_back("Authorization", authorization);
    req.body = batch.SerializeAsString();
    Result<net::HttpResponse> resp = client.RoundTrip(req, std::chrono::seconds(10));
    if (resp.ok() && resp->status / 100 == 2) {
      book.Acked(tile, Clock::now());
      ++acked;
    } else {
      ++refused;  // not acknowledged: not a freshness sample
      spdlog::warn("probe {} not acknowledged: {}", i,
                   resp.ok() ? std::to_string(resp->status) : resp.status().message());
    }
  }
  const auto drain_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(f.drain_timeout_s));
  while (book.Outstanding() > 0 && Clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  LatencyHistogram freshness_us;
  size_t early = 0, missing = 0;
  for (const Probe& p : book.Snapshot()) {
    if (!p.acked) continue;
    if (!p.announced) {
      ++missing;
      continue;
    }
    const auto d = std::chrono::duration_cast<std::chrono::microseconds>(*p.announced - *p.acked);
    early += d.count() < 0;
    freshness_us.Record(d.count() < 0 ? 0 : static_cast<uint64_t>(d.count()));
  }
  auto ms = [&](double pct) { return freshness_us.Percentile(pct) / 1000.0; };
  std::printf(
      "freshness: %d probes sent, %d acknowledged, %d refused, %zu never announced; "
      "ack→visible p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%zu committed before the "
      "2xx arrived)\n",
      total, acked, refused, missing, ms(50), ms(90), ms(99), freshness_us.max() / 1000.0, early);
  if (!f.out.empty()) {
    std::ofstream(f.out) << "{\"probes\":" << total << ",\"acked\":" << acked
                         << ",\"refused\":" << refused << ",\"missing\":" << missing
                         << ",\"p50_ms\":" << ms(50) << ",\"p90_ms\":" << ms(90)
                         << ",\"p99_ms\":" << ms(99)
                         << ",\"max_ms\":" << freshness_us.max() / 1000.0 << "}\n";
  }
  return (missing == 0 && acked > 0) ? 0 : 1;
}

}  // namespace
}  // namespace roadsense::bench

int main(int argc, char** argv) {
  const roadsense::bench::Flags flags = roadsense::bench::ParseFlags(argc, argv);
  roadsense::InitLogging("roadsense-bench-freshness", flags.log_level);
  return roadsense::bench::Run(flags);
}
