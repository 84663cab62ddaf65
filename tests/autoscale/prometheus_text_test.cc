#include "autoscale/prometheus_text.h"

#include <gtest/gtest.h>

namespace roadsense::autoscale {
namespace {

constexpr std::string_view kText =
    "# HELP roadsense_worker_messages_deleted_total Messages deleted.\n"
    "# TYPE roadsense_worker_messages_deleted_total counter\n"
    "roadsense_worker_messages_deleted_total 120\n"
    "roadsense_worker_messages_deleted_total_extra 7\n"
    "roadsense_queue_oldest_message_age_seconds{queue=\"reports\"} 12.5\n"
    "roadsense_queue_oldest_message_age_seconds{queue=\"other\"} 99 1700000000000\n";

TEST(SumSamples, ReadsAPlainSample) {
  EXPECT_EQ(SumSamples(kText, "roadsense_worker_messages_deleted_total"), 120);
}

TEST(SumSamples, SelectsByLabel) {
  EXPECT_EQ(SumSamples(kText, "roadsense_queue_oldest_message_age_seconds", "queue=\"reports\""),
            12.5);
}

TEST(SumSamples, SumsEveryLabelSetAndIgnoresTimestamps) {
  EXPECT_EQ(SumSamples(kText, "roadsense_queue_oldest_message_age_seconds"), 111.5);
}

TEST(SumSamples, MissingMetricIsNullopt) {
  EXPECT_FALSE(SumSamples(kText, "roadsense_worker_nothing").has_value());
  EXPECT_FALSE(SumSamples(kText, "roadsense_worker_messages_deleted").has_value());
}

}  // namespace
}  // namespace roadsense::autoscale
