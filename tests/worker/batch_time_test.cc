#include "worker/batch_time.h"

#include <gtest/gtest.h>

namespace roadsense::worker {
namespace {

TEST(BatchTimeTest, IsTheEarliestObservationWhateverTheReportOrder) {
  v1::ReportBatch batch;
  batch.mutable_envelope()->set_sent_time_ms(9000);
  for (int64_t t : {5000, 3000, 4000}) batch.add_reports()->set_observed_time_ms(t);
  EXPECT_EQ(BatchTimeMs(batch), 3000);
}

TEST(BatchTimeTest, FallsBackToTheFirstSendTimeWithoutReports) {
  v1::ReportBatch batch;
  batch.mutable_envelope()->set_sent_time_ms(9000);
  EXPECT_EQ(BatchTimeMs(batch), 9000);
}

}  // namespace
}  // namespace roadsense::worker
