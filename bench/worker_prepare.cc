// roadsense-bench-worker-prepare: the worker's CPU per report without PostgreSQL or a queue
// (issue 6). Generates the simulator's reports (the same stream roadsense-sim sends for the same
// --seed, --vehicles, --reports, --reports-per-batch), packs the uploads into message bodies as
// the receiver does (MessagePacker's format, up to --message-bytes of base64 each), splits them
// into groups of --group-messages, and times, on one thread, these stages over all groups:
//   base64   Base64DecodeTo of every body
//   scan     base64, then UploadScanner::Scan and its upload checks (Prepare's way to read a body)
//   decode   DecodeQueuedUploadsInto (base64, protobuf parse, the upload checks) onto a reset arena
//            (Prepare's way for the bodies the scanner does not read)
//   prepare  MessageProcessor::Prepare per group (scan, dedup, TileAggregator)
// Each stage runs --rounds times; prints the best and median ns per report of each. Generation and
// packing are outside the timed windows.
#include <google/protobuf/arena.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/simulated_fleet.h"
#include "core/base64.h"
#include "core/flag_set.h"
#include "core/logging.h"
#include "receiver/message_packer.h"
#include "simulator/fleet.h"
#include "worker/message_processor.h"
#include "worker/queued_batch_decoder.h"
#include "worker/upload_scanner.h"
#include "worker/worker_metrics.h"

namespace rs = roadsense;

namespace {

using Group = std::vector<rs::sqs::ReceivedMessage>;

struct Stats {
  double best_ns = 0;
  double median_ns = 0;
};

// ns per report of each of `rounds` runs of `run`: best and median.
template <typename Fn>
Stats Time(int rounds, int64_t reports, Fn run) {
  std::vector<double> ns;
  for (int r = 0; r < rounds; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    ns.push_back(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
        static_cast<double>(reports));
  }
  std::sort(ns.begin(), ns.end());
  return {ns.front(), ns[ns.size() / 2]};
}

int Main(int argc, char** argv) {
  rs::bench::SimulatedFleetFlags fleet_flags;
  fleet_flags.reports = 1'000'000;
  int group_messages = 128, rounds = 5;
  int64_t message_bytes = 64 * 1024, bucket_seconds = 300;
  rs::FlagSet flags("roadsense-bench-worker-prepare",
                    "Times the worker's decoding and aggregation of packed queue bodies (no "
                    "PostgreSQL, no queue) and prints ns per report.");
  fleet_flags.AddTo(flags);
  flags.AddInt("message-bytes", &message_bytes, "base64 bytes a message is filled up to");
  flags.AddInt("group-messages", &group_messages, "messages per Prepare call");
  flags.AddInt("rounds", &rounds, "timed runs of each stage");
  flags.AddInt("bucket-seconds", &bucket_seconds, "time bucket of the aggregation");
  flags.ParseOrExit(argc, argv);
  rs::InitLogging("roadsense-bench-worker-prepare", "warn");
  if (fleet_flags.reports < 1 || message_bytes < 1024 || group_messages < 1 || rounds < 1) {
    std::fprintf(stderr, "roadsense-bench-worker-prepare: bad flags (see --help)\n");
    return 2;
  }

  const rs::simulator::FleetOptions options = fleet_flags.Options();
  const int64_t now_ms = options.start_time_ms + rs::simulator::SimulatedSpanMs(options);
  rs::simulator::Fleet fleet(options);

  // Pack as the receiver does: an upload joins the body while it stays within --message-bytes.
  std::vector<std::string> bodies;
  std::string packed;
  auto seal = [&] {
    if (packed.empty()) return;
    bodies.push_back(rs::Base64Encode(packed));
    packed.clear();
  };
  int64_t generated = 0;
  while (auto batch = fleet.NextBatch()) {
    generated += batch->reports_size();
    rs::v1::QueuedBatch queued;
    queued.set_received_time_ms(now_ms);
    *queued.mutable_batch() = std::move(*batch);
    const std::string serialized = queued.SerializeAsString();
    const size_t grown = packed.size() + rs::receiver::PackedUploadBytes(serialized.size());
    if (!packed.empty() && rs::Base64EncodedSize(grown) > static_cast<size_t>(message_bytes)) {
      seal();
    }
    rs::receiver::AppendPackedUpload(serialized, &packed);
  }
  seal();

  std::vector<Group> groups;
  size_t body_bytes = 0;
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (i % static_cast<size_t>(group_messages) == 0) groups.emplace_back();
    rs::sqs::ReceivedMessage m;
    m.message_id = "m" + std::to_string(i);
    m.receipt_handle = "rh" + std::to_string(i);
    m.body = std::move(bodies[i]);
    body_bytes += m.body.size();
    groups.back().push_back(std::move(m));
  }
  std::printf(
      "%lld reports in %zu messages (%.1f KiB of base64 each, %.1f reports each), %zu "
      "groups of up to %d messages\n",
      static_cast<long long>(generated), bodies.size(),
      static_cast<double>(body_bytes) / 1024.0 / static_cast<double>(bodies.size()),
      static_cast<double>(generated) / static_cast<double>(bodies.size()), groups.size(),
      group_messages);

  std::string out(1 << 20, '\0');
  const Stats base64 = Time(rounds, generated, [&] {
    for (const Group& group : groups) {
      for (const auto& m : group) {
        if (!rs::Base64DecodeTo(m.body, out.data(), out.size())) std::abort();
      }
    }
  });
  rs::worker::UploadScanner scanner;
  const Stats scan = Time(rounds, generated, [&] {
    for (const Group& group : groups) {
      for (const auto& m : group) {
        const std::optional<size_t> n = rs::Base64DecodeTo(m.body, out.data(), out.size());
        if (!n || !scanner.Scan(std::string_view(out.data(), *n))) std::abort();
        for (const auto& upload : scanner.uploads()) {
          if (!scanner.Valid(upload)) std::abort();
        }
      }
    }
  });
  google::protobuf::Arena arena;
  const Stats decode = Time(rounds, generated, [&] {
    for (const Group& group : groups) {
      for (const auto& m : group) {
        arena.Reset();
        auto* uploads = google::protobuf::Arena::CreateMessage<rs::v1::QueuedUploads>(&arena);
        if (!rs::worker::DecodeQueuedUploadsInto(m.body, uploads).ok()) std::abort();
      }
    }
  });
  rs::worker::WorkerMetrics metrics;
  const rs::worker::MessageProcessor processor(nullptr, bucket_seconds, &metrics);
  int64_t placed = 0;
  const Stats prepare = Time(rounds, generated, [&] {
    placed = 0;
    for (const Group& group : groups) placed += processor.Prepare(group).placed_reports;
  });

  std::printf("\n| stage | best ns/report | median ns/report | reports/s per core (best) |\n");
  std::printf("|---|---:|---:|---:|\n");
  for (const auto& [name, s] : {std::pair{"base64", base64}, std::pair{"scan", scan},
                                std::pair{"decode", decode}, std::pair{"prepare", prepare}}) {
    std::printf("| %s | %.1f | %.1f | %.0f |\n", name, s.best_ns, s.median_ns, 1e9 / s.best_ns);
  }
  std::printf("\nplaced %lld of %lld reports in tiles (%d rounds each)\n",
              static_cast<long long>(placed), static_cast<long long>(generated), rounds);
  return placed > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
