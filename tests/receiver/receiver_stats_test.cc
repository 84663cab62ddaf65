#include "receiver/receiver_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace roadsense::receiver {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Exposition(const ReceiverStats& stats) {
  std::string out;
  stats.AppendPrometheus(&out);
  return out;
}

TEST(ReceiverStatsTest, ResponsesAreCountedByStatusCode) {
  ReceiverStats stats;
  stats.RecordResponse(200);
  stats.RecordResponse(200);
  stats.RecordResponse(503);
  const std::string out = Exposition(stats);
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_http_responses_total{code=\"200\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_http_responses_total{code=\"503\"} 1\n"));
  EXPECT_THAT(out, Not(HasSubstr("code=\"404\"")));
}

TEST(ReceiverStatsTest, RejectionsAreCountedByReasonWithTheirReports) {
  ReceiverStats stats;
  stats.RecordRejected("invalid_request", 40);
  stats.RecordRejected("invalid_request", 2);
  stats.RecordRejected("unauthenticated");
  const std::string out = Exposition(stats);
  EXPECT_THAT(
      out, HasSubstr("roadsense_receiver_uploads_rejected_total{reason=\"invalid_request\"} 2\n"));
  EXPECT_THAT(
      out, HasSubstr("roadsense_receiver_reports_rejected_total{reason=\"invalid_request\"} 42\n"));
  EXPECT_THAT(
      out, HasSubstr("roadsense_receiver_uploads_rejected_total{reason=\"unauthenticated\"} 1\n"));
}

TEST(ReceiverStatsTest, AcceptedReportsAndShedAreCounters) {
  ReceiverStats stats;
  stats.RecordAccepted(50, std::chrono::microseconds(1500));
  stats.RecordShed();
  const std::string out = Exposition(stats);
  EXPECT_THAT(out, HasSubstr("# TYPE roadsense_receiver_reports_accepted_total counter\n"
                             "roadsense_receiver_reports_accepted_total 50\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_uploads_shed_total 1\n"));
}

TEST(ReceiverStatsTest, EnqueueLatencyHistogramIsCumulativeInSeconds) {
  ReceiverStats stats;
  stats.RecordAccepted(1, std::chrono::microseconds(1500));  // <= 2 ms
  stats.RecordFailed(std::chrono::microseconds(30000));      // <= 50 ms
  const std::string out = Exposition(stats);
  EXPECT_THAT(out,
              HasSubstr("roadsense_receiver_enqueue_latency_seconds_bucket{le=\"0.001\"} 0\n"));
  EXPECT_THAT(out,
              HasSubstr("roadsense_receiver_enqueue_latency_seconds_bucket{le=\"0.002\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_enqueue_latency_seconds_bucket{le=\"0.05\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_enqueue_latency_seconds_bucket{le=\"+Inf\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_enqueue_latency_seconds_sum 0.0315\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_enqueue_latency_seconds_count 2\n"));
}

TEST(ReceiverStatsTest, QueueBatchSizesAreAHistogram) {
  ReceiverStats stats;
  const std::vector<size_t> ten_messages(10, 1);
  stats.RecordQueueBatch(ten_messages);
  stats.RecordQueueBatch(std::vector<size_t>{30, 4, 1});
  const std::string out = Exposition(stats);
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_batch_entries_bucket{le=\"2\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_batch_entries_bucket{le=\"3\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_batch_entries_bucket{le=\"10\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_batch_entries_sum 13\n"));
}

TEST(ReceiverStatsTest, UploadsPerMessageAreAHistogram) {
  ReceiverStats stats;
  stats.RecordQueueBatch(std::vector<size_t>{30, 4, 1});
  const std::string out = Exposition(stats);
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_message_uploads_bucket{le=\"1\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_message_uploads_bucket{le=\"5\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_message_uploads_bucket{le=\"20\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_message_uploads_bucket{le=\"50\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_message_uploads_sum 35\n"));
  EXPECT_THAT(out, HasSubstr("roadsense_receiver_queue_message_uploads_count 3\n"));
}

}  // namespace
}  // namespace roadsense::receiver
