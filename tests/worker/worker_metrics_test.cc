#include "worker/worker_metrics.h"

#include <gtest/gtest.h>

namespace roadsense::worker {
namespace {

TEST(WorkerMetricsTest, PrometheusTextCarriesEveryCounterWithItsType) {
  WorkerMetrics m;
  m.messages_deleted = 42;
  m.batches_duplicate = 3;
  m.commit_us = 1'500'000;
  m.claim_reruns = 4;
  m.oldest_message_age_ms = 2500;
  m.poll_loops = 2;
  const std::string text = m.PrometheusText();
  EXPECT_NE(text.find("# TYPE roadsense_worker_messages_deleted_total counter\n"
                      "roadsense_worker_messages_deleted_total 42\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nroadsense_worker_batches_duplicate_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("\nroadsense_worker_commit_seconds_total 1.5\n"), std::string::npos);
  EXPECT_NE(text.find("\nroadsense_worker_claim_reruns_total 4\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE roadsense_worker_oldest_message_age_seconds gauge\n"
                      "roadsense_worker_oldest_message_age_seconds 2.5\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nroadsense_worker_poll_loops 2\n"), std::string::npos);
}

}  // namespace
}  // namespace roadsense::worker
