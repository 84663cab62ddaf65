#include "simulator/load_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace roadsense::simulator {
namespace {

using std::chrono::milliseconds;

// Answers every upload from a script keyed by how often that exact body was seen before
// (0 = first attempt); shared by all uploader instances, so it sees every thread's attempts.
class ScriptedServer {
 public:
  using Script = std::function<Result<UploadReply>(const roadsense::v1::ReportBatch&, int)>;
  explicit ScriptedServer(Script script) : script_(std::move(script)) {}

  Result<UploadReply> Handle(const std::string& body) {
    roadsense::v1::ReportBatch batch;
    EXPECT_TRUE(batch.ParseFromString(body));
    int seen;
    {
      std::lock_guard lock(mu_);
      seen = attempts_[body]++;
    }
    return script_(batch, seen);
  }
  int AttemptsOf(const std::string& body) {
    std::lock_guard lock(mu_);
    return attempts_[body];
  }
  size_t DistinctBodies() {
    std::lock_guard lock(mu_);
    return attempts_.size();
  }

 private:
  Script script_;
  std::mutex mu_;
  std::map<std::string, int> attempts_;
};

class FakeUploader : public ReportUploader {
 public:
  explicit FakeUploader(ScriptedServer* server) : server_(server) {}
  Result<UploadReply> Upload(const std::string& body, const std::string&, milliseconds) override {
    return server_->Handle(body);
  }

 private:
  ScriptedServer* server_;
};

UploadReply Reply(int status) {
  UploadReply r;
  r.status = status;
  return r;
}

FleetOptions TinyFleet() {
  FleetOptions o;
  o.vehicles = 4;
  o.total_reports = 400;
  o.reports_per_batch = 10;  // 40 batches
  o.start_time_ms = 1'764'000'000'000;
  return o;
}

LoadOptions FastOptions(int max_retries) {
  LoadOptions o;
  o.concurrency = 3;
  o.max_retries = max_retries;
  o.initial_backoff = milliseconds(1);
  o.max_backoff = milliseconds(2);
  o.progress_interval = milliseconds(0);
  return o;
}

struct RunResult {
  RunSummary summary;
  CellCounts truth_totals;
};

RunResult RunAgainst(ScriptedServer& server, int max_retries = 3) {
  Fleet fleet(TinyFleet());
  GroundTruth truth(300);
  LoadRunner runner(FastOptions(max_retries), fleet, truth,
                    [&] { return std::make_unique<FakeUploader>(&server); });
  RunSummary s = runner.Run();
  return {s, truth.Totals()};
}

TEST(LoadRunnerTest, AllAcknowledgedBatchesEnterGroundTruth) {
  ScriptedServer server([](const auto&, int) { return Reply(202); });
  const RunResult r = RunAgainst(server);
  EXPECT_EQ(r.summary.uploads_sent, 40);
  EXPECT_EQ(r.summary.uploads_accepted, 40);
  EXPECT_EQ(r.summary.reports_acked, 400);
  EXPECT_EQ(r.summary.retries, 0);
  EXPECT_EQ(r.summary.uploads_by_status.at(202), 40);
  EXPECT_EQ(r.truth_totals.reports, 400);
}

TEST(LoadRunnerTest, RetriesResendTheSameBytesUntilAcknowledged) {
  // Every batch fails twice (503, then a transport error) before it is accepted.
  ScriptedServer server([](const auto&, int seen) -> Result<UploadReply> {
    if (seen == 0) return Reply(503);
    if (seen == 1) return Unavailable("connection reset");
    return Reply(200);
  });
  const RunResult r = RunAgainst(server);
  EXPECT_EQ(server.DistinctBodies(), 40u);  // retries did not change a single byte
  EXPECT_EQ(r.summary.uploads_accepted, 40);
  EXPECT_EQ(r.summary.retries, 80);
  EXPECT_EQ(r.summary.transport_errors, 40);
  EXPECT_EQ(r.summary.attempts_by_status.at(503), 40);
  EXPECT_EQ(r.truth_totals.reports, 400);  // each batch counted once
}

TEST(LoadRunnerTest, ClientErrorIsFinalAndNotCounted) {
  // Batches of vehicle pseudonyms with an even sequence are rejected.
  ScriptedServer server([](const roadsense::v1::ReportBatch& b, int) {
    return Reply(b.envelope().batch_sequence() % 2 == 0 ? 400 : 200);
  });
  const RunResult r = RunAgainst(server);
  EXPECT_EQ(r.summary.uploads_rejected, 20);
  EXPECT_EQ(r.summary.uploads_accepted, 20);
  EXPECT_EQ(r.summary.retries, 0);
  EXPECT_EQ(r.summary.uploads_by_status.at(400), 20);
  EXPECT_EQ(r.truth_totals.reports, 200);
}

TEST(LoadRunnerTest, TooManyRequestsIsRetried) {
  ScriptedServer server([](const auto&, int seen) { return Reply(seen == 0 ? 429 : 200); });
  const RunResult r = RunAgainst(server);
  EXPECT_EQ(r.summary.uploads_accepted, 40);
  EXPECT_EQ(r.summary.retries, 40);
}

TEST(LoadRunnerTest, ExhaustedRetriesCountAsFailedAndStayOutOfGroundTruth) {
  ScriptedServer server([](const auto&, int) { return Reply(500); });
  const RunResult r = RunAgainst(server, /*max_retries=*/2);
  EXPECT_EQ(r.summary.uploads_failed, 40);
  EXPECT_EQ(r.summary.uploads_accepted, 0);
  EXPECT_EQ(r.summary.attempts, 40 * 3);
  EXPECT_EQ(r.truth_totals.reports, 0);
}

// Open loop: a stall delays the uploads due during it, and their latency counts from when they
// were due — a closed-loop measurement would see one slow request and nine fast ones.
TEST(LoadRunnerTest, OpenLoopLatencyIncludesTheWaitForAStalledSender) {
  std::atomic<int> calls{0};
  ScriptedServer server([&](const auto&, int) {
    if (calls++ == 0) std::this_thread::sleep_for(milliseconds(60));
    return Reply(202);
  });
  FleetOptions fo = TinyFleet();
  fo.vehicles = 2;
  fo.total_reports = 100;  // 10 batches of 10, due every 10 ms at 1000 reports/s
  Fleet fleet(fo);
  GroundTruth truth(300);
  LoadOptions lo = FastOptions(0);
  lo.concurrency = 1;
  lo.rate_reports_per_s = 1000;
  LoadRunner runner(lo, fleet, truth, [&] { return std::make_unique<FakeUploader>(&server); });
  const RunSummary s = runner.Run();
  EXPECT_EQ(s.mode, "open");
  EXPECT_EQ(s.uploads_accepted, 10);
  // Batches due at 10..50 ms went out at >= 60 ms: at least half waited >= 10 ms.
  EXPECT_GE(s.latency_p50_ms, 9.5);
  EXPECT_GE(s.latency_max_ms, 59);
}

TEST(LoadRunnerTest, ProgressSamplesAreRecorded) {
  ScriptedServer server([](const auto&, int) { return Reply(202); });
  FleetOptions fo = TinyFleet();
  Fleet fleet(fo);
  GroundTruth truth(300);
  LoadOptions lo = FastOptions(0);
  lo.progress_interval = milliseconds(20);
  lo.rate_reports_per_s = 4000;  // 400 reports: 0.1 s, about 5 samples
  LoadRunner runner(lo, fleet, truth, [&] { return std::make_unique<FakeUploader>(&server); });
  const RunSummary s = runner.Run();
  ASSERT_FALSE(s.series.empty());
  for (size_t i = 1; i < s.series.size(); ++i) EXPECT_GT(s.series[i].t_s, s.series[i - 1].t_s);
}

TEST(LoadRunnerTest, JsonEncodingRoundTrips) {
  Fleet fleet(TinyFleet());
  const auto batch = fleet.NextBatch();
  ASSERT_TRUE(batch.has_value());
  const EncodedBatch enc = EncodeBatch(*batch, WireFormat::kJson);
  EXPECT_EQ(enc.content_type, "application/json");
  EXPECT_NE(enc.body.find("\"vehiclePseudonym\""), std::string::npos);
  const EncodedBatch pb = EncodeBatch(*batch, WireFormat::kProtobuf);
  EXPECT_EQ(pb.content_type, "application/x-protobuf");
  roadsense::v1::ReportBatch parsed;
  ASSERT_TRUE(parsed.ParseFromString(pb.body));
  EXPECT_EQ(parsed.SerializeAsString(), batch->SerializeAsString());
}

}  // namespace
}  // namespace roadsense::simulator
