// libFuzzer target for the worker's untrusted-input path: SQS message bodies (any SQS client can
// write to the queue). Drives worker::DecodeQueuedUploadsInto (base64 → packed QueuedUploads or
// legacy QueuedBatch → per-upload checks) and then MessageProcessor::Prepare, the worker's group
// preparation without a database: poison handling, dedup by (pseudonym, sequence), BatchTimeMs and
// TileAggregator (tile math, time buckets, hazard clusters, speed-limit votes, vehicle sets).
//
// Input: one selector byte, then the body.
//   - bit 0: the rest is the body text as it is (exercises the base64 layer); clear: the rest is
//     base64-encoded first, so that the fuzzer reaches protobuf parsing directly.
//   - bit 1: the group holds the body twice (two messages), as when a message is received twice
//     or a car's retry lands in another message.
//   - bits 2-3: bucket length 300, 1, 60 or 86400 s.
// Checked: nothing crashes or trips a sanitizer; a successful decode has ≥ 1 upload, each with an
// envelope, a non-empty vehicle_pseudonym and 1 ≤ batch_sequence ≤ INT64_MAX; a failed one is
// kInvalidArgument with a message; Prepare treats every copy of the body alike (all valid or all
// poison), keeps one entry per distinct (pseudonym, sequence), and places or counts as unplaced
// exactly the reports of those distinct uploads; the tile rows' report counts add up to the placed
// reports; each entry's key and batch time, and the aggregates, equal those of the uploads as
// protobuf parses them (Prepare reads most bodies with worker::UploadScanner instead).
//
// With clang (-DROADSENSE_FUZZ=ON) this builds `fuzz_queued_uploads` (libFuzzer + ASan/UBSan);
// with any compiler tests/fuzz replays fuzz/corpus/queued_uploads and
// fuzz/regressions/queued_uploads through the same function. See fuzz/README.md.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/base64.h"
#include "core/logging.h"
#include "schema/roadsense.pb.h"
#include "sqs/sqs_client.h"
#include "worker/batch_time.h"
#include "worker/message_processor.h"
#include "worker/queued_batch_decoder.h"
#include "worker/tile_aggregator.h"
#include "worker/worker_metrics.h"

namespace {

using namespace roadsense;

constexpr int64_t kBucketSeconds[] = {300, 1, 60, 86400};

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "queued_uploads_fuzzer: %s\n", what);
  std::abort();
}

// The decoder's contract for a body it accepts.
void CheckDecoded(const v1::QueuedUploads& uploads) {
  Check(uploads.uploads_size() >= 1, "decoded body has no uploads");
  for (const v1::QueuedBatch& upload : uploads.uploads()) {
    Check(upload.has_batch() && upload.batch().has_envelope(), "upload without envelope");
    const v1::Envelope& envelope = upload.batch().envelope();
    Check(!envelope.vehicle_pseudonym().empty(), "upload with an empty vehicle_pseudonym");
    Check(
        envelope.batch_sequence() >= 1 &&
            envelope.batch_sequence() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
        "upload with batch_sequence outside 1..INT64_MAX");
  }
}

struct Distinct {
  size_t uploads = 0;
  int64_t reports = 0;
};

// The uploads Prepare must keep: the first of each (pseudonym, sequence), in body order.
Distinct DistinctUploads(const v1::QueuedUploads& uploads) {
  std::set<std::pair<std::string, uint64_t>> seen;
  Distinct distinct;
  for (const v1::QueuedBatch& upload : uploads.uploads()) {
    const v1::Envelope& envelope = upload.batch().envelope();
    if (!seen.emplace(envelope.vehicle_pseudonym(), envelope.batch_sequence()).second) continue;
    ++distinct.uploads;
    distinct.reports += upload.batch().reports_size();
  }
  return distinct;
}

void CheckPrepared(const worker::PreparedGroup& group,
                   const std::vector<sqs::ReceivedMessage>& messages, bool decoded,
                   const Distinct& distinct, int64_t bucket_seconds) {
  const size_t copies = messages.size();
  Check(group.messages == copies, "group message count");
  Check(group.valid.size() == (decoded ? copies : 0), "valid messages disagree with the decoder");
  Check(group.poison.size() == (decoded ? 0 : copies), "poison messages disagree with the decoder");
  Check(group.entries.size() == distinct.uploads, "one entry per distinct upload");
  Check(group.uploads.size() == group.entries.size(), "one upload per entry");
  size_t visited = 0;
  // Prepare reads bodies with UploadScanner when it can; protobuf, here, must agree on everything.
  worker::TileAggregator parsed(bucket_seconds);
  Check(worker::VisitEntryBatches(
            group, messages,
            [&](size_t i, const v1::ReportBatch& batch) {
              Check(i == visited++, "entries visited out of order");
              Check(group.entries[i].batch_time_ms == worker::BatchTimeMs(batch),
                    "entry batch time is not BatchTimeMs of its upload");
              Check(
                  group.entries[i].key.vehicle_pseudonym == batch.envelope().vehicle_pseudonym() &&
                      group.entries[i].key.batch_sequence ==
                          static_cast<int64_t>(batch.envelope().batch_sequence()),
                  "entry key is not its upload's");
              parsed.Add(batch);
            }),
        "the bodies no longer decode");
  Check(parsed.tiles() == group.delta.tiles && parsed.hazards() == group.delta.hazards &&
            parsed.speed_limits() == group.delta.speed_limits,
        "prepared aggregates differ from those of the parsed uploads");
  Check(visited == group.entries.size(), "not every entry visited");
  Check(group.placed_reports >= 0 && group.unplaced_reports >= 0, "negative report counts");
  Check(group.placed_reports + group.unplaced_reports == distinct.reports,
        "placed + unplaced reports differ from the distinct uploads' reports");
  int64_t tile_reports = 0;
  for (const auto& [key, stats] : group.delta.tiles) tile_reports += stats.reports;
  Check(tile_reports == group.placed_reports, "tile rows' reports differ from placed reports");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    InitLogging("fuzz_queued_uploads", "error");  // Prepare logs every poison message
    google::protobuf::SetLogHandler(nullptr);     // and the parser each string that is not UTF-8
    return true;
  }();
  (void)quiet;
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string body = (selector & 1) ? std::string(rest) : Base64Encode(rest);
  const size_t copies = (selector & 2) ? 2 : 1;
  const int64_t bucket_seconds = kBucketSeconds[(selector >> 2) & 3];

  v1::QueuedUploads uploads;
  const Status status = worker::DecodeQueuedUploadsInto(body, &uploads);
  Distinct distinct;
  if (status.ok()) {
    CheckDecoded(uploads);
    distinct = DistinctUploads(uploads);
  } else {
    Check(status.code() == StatusCode::kInvalidArgument, "decode failed with another code");
    Check(!status.message().empty(), "decode failed without a message");
  }

  std::vector<sqs::ReceivedMessage> messages(copies);
  for (size_t i = 0; i < copies; ++i) {
    messages[i].message_id = "m" + std::to_string(i);
    messages[i].body = body;
  }
  worker::WorkerMetrics metrics;
  const worker::MessageProcessor processor(nullptr, bucket_seconds, &metrics);
  const worker::PreparedGroup group = processor.Prepare(messages);
  CheckPrepared(group, messages, status.ok(), distinct, bucket_seconds);
  Check(metrics.poison_messages.load() == static_cast<int64_t>(group.poison.size()),
        "poison_messages metric");
  return 0;
}
