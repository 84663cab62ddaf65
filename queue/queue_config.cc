#include "queue/queue_config.h"

#include <array>
#include <charconv>
#include <string_view>

#include "queue/sqs_error.h"

namespace roadsense::queue {
namespace {

constexpr std::array<std::string_view, 15> kWritable = {
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "Policy",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
};

Result<int64_t> ParseBounded(const std::string& name, const std::string& value, int64_t lo,
                             int64_t hi) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || v < lo ||
      v > hi) {
    return SqsError(SqsErrorCode::kInvalidAttributeValue,
                    "Invalid value for the parameter " + name + ": must be an integer from " +
                        std::to_string(lo) + " to " + std::to_string(hi) + ".");
  }
  return v;
}

}  // namespace

bool IsWritableQueueAttribute(const std::string& name) {
  for (auto w : kWritable) {
    if (name == w) return true;
  }
  return false;
}

Result<QueueConfig> QueueConfig::With(const QueueAttributeMap& attributes) const {
  QueueConfig c = *this;
  for (const auto& [name, value] : attributes) {
    if (!IsWritableQueueAttribute(name)) {
      return SqsError(SqsErrorCode::kInvalidAttributeName, "Unknown Attribute " + name + ".");
    }
    Result<int64_t> v = int64_t{0};
    if (name == "VisibilityTimeout") {
      v = ParseBounded(name, value, 0, 43200);
      if (v.ok()) c.visibility_timeout_seconds = static_cast<int>(*v);
    } else if (name == "DelaySeconds") {
      v = ParseBounded(name, value, 0, 900);
      if (v.ok()) c.delay_seconds = static_cast<int>(*v);
    } else if (name == "MessageRetentionPeriod") {
      v = ParseBounded(name, value, 60, 1209600);
      if (v.ok()) c.retention_seconds = *v;
    } else if (name == "MaximumMessageSize") {
      v = ParseBounded(name, value, 1024, 1048576);
      if (v.ok()) c.maximum_message_size = *v;
    } else if (name == "ReceiveMessageWaitTimeSeconds") {
      v = ParseBounded(name, value, 0, 20);
      if (v.ok()) c.receive_wait_time_seconds = static_cast<int>(*v);
    } else if (name == "FifoQueue" && value == "true") {
      return SqsError(SqsErrorCode::kUnsupportedOperation, "FIFO queues are not supported yet.");
    }
    if (!v.ok()) return v.status();
  }
  return c;
}

}  // namespace roadsense::queue
