#include "queue/queue_config.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
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

// A two-valued attribute: *first = (value == choices.first).
Status ParseChoice(const std::string& name, const std::string& value,
                   std::pair<const char*, const char*> choices, bool* first) {
  if (value != choices.first && value != choices.second) {
    return SqsError(SqsErrorCode::kInvalidAttributeValue, "Invalid value for the parameter " +
                                                              name + ": must be " + choices.first +
                                                              " or " + choices.second + ".");
  }
  *first = value == choices.first;
  return Status::Ok();
}

Status BadPolicy(const std::string& name, const std::string& value, const std::string& why) {
  return SqsError(SqsErrorCode::kInvalidParameterValue,
                  "Value " + value + " for parameter " + name + " is invalid. Reason: " + why);
}

// RedrivePolicy: {"deadLetterTargetArn": "arn:aws:sqs:...:name", "maxReceiveCount": 1..1000}
// (the count as a number or a string, as SQS accepts both); "" removes the policy.
Status ParseRedrivePolicy(const std::string& value, QueueConfig* c) {
  c->max_receive_count = 0;
  c->dead_letter_queue.clear();
  c->dead_letter_arn.clear();
  if (value.empty()) return Status::Ok();
  const char* name = "RedrivePolicy";
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(value, ec);
  if (ec || !v.is_object()) return BadPolicy(name, value, "Invalid JSON.");
  const boost::json::object& o = v.get_object();
  const boost::json::value* arn = o.if_contains("deadLetterTargetArn");
  const boost::json::value* count = o.if_contains("maxReceiveCount");
  if (arn == nullptr || !arn->is_string() || count == nullptr) {
    return BadPolicy(name, value,
                     "Redrive policy requires deadLetterTargetArn and maxReceiveCount.");
  }
  int64_t n = 0;
  if (count->is_int64()) {
    n = count->get_int64();
  } else if (count->is_string()) {
    const auto& str = count->get_string();
    const auto [end, err] = std::from_chars(str.data(), str.data() + str.size(), n);
    if (err != std::errc() || end != str.data() + str.size()) n = 0;
  }
  if (n < 1 || n > 1000) return BadPolicy(name, value, "Invalid value for maxReceiveCount.");
  const std::string target(arn->get_string());
  const size_t colon = target.find_last_of(':');
  if (!target.starts_with("arn:aws:sqs:") || colon == std::string::npos ||
      colon + 1 == target.size()) {
    return BadPolicy(name, value, "Invalid value for deadLetterTargetArn.");
  }
  c->max_receive_count = static_cast<int>(n);
  c->dead_letter_arn = target;
  c->dead_letter_queue = target.substr(colon + 1);
  return Status::Ok();
}

// RedriveAllowPolicy: {"redrivePermission": "allowAll"|"denyAll"|"byQueue",
// "sourceQueueArns": [1..10 ARNs, byQueue only]}; "" means allowAll.
Status ParseRedriveAllowPolicy(const std::string& value, QueueConfig* c) {
  using P = QueueConfig::RedrivePermission;
  c->redrive_permission = P::kAllowAll;
  c->redrive_source_arns.clear();
  if (value.empty()) return Status::Ok();
  const char* name = "RedriveAllowPolicy";
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(value, ec);
  if (ec || !v.is_object()) return BadPolicy(name, value, "Invalid JSON.");
  const boost::json::object& o = v.get_object();
  const boost::json::value* permission = o.if_contains("redrivePermission");
  if (permission == nullptr || !permission->is_string()) {
    return BadPolicy(name, value, "redrivePermission is required.");
  }
  const boost::json::value* arns = o.if_contains("sourceQueueArns");
  if (permission->get_string() == "allowAll") {
    c->redrive_permission = P::kAllowAll;
  } else if (permission->get_string() == "denyAll") {
    c->redrive_permission = P::kDenyAll;
  } else if (permission->get_string() == "byQueue") {
    c->redrive_permission = P::kByQueue;
    if (arns == nullptr || !arns->is_array() || arns->get_array().empty() ||
        arns->get_array().size() > 10) {
      return BadPolicy(name, value, "byQueue requires 1 to 10 sourceQueueArns.");
    }
    for (const auto& a : arns->get_array()) {
      if (!a.is_string()) return BadPolicy(name, value, "sourceQueueArns must be strings.");
      c->redrive_source_arns.emplace_back(a.get_string());
    }
    return Status::Ok();
  } else {
    return BadPolicy(name, value, "Invalid value for redrivePermission.");
  }
  if (arns != nullptr) {
    return BadPolicy(name, value, "sourceQueueArns is only allowed with byQueue.");
  }
  return Status::Ok();
}

}  // namespace

bool QueueConfig::AllowsRedriveFrom(const std::string& source_arn) const {
  switch (redrive_permission) {
    case RedrivePermission::kAllowAll:
      return true;
    case RedrivePermission::kDenyAll:
      return false;
    case RedrivePermission::kByQueue:
      return std::find(redrive_source_arns.begin(), redrive_source_arns.end(), source_arn) !=
             redrive_source_arns.end();
  }
  return false;
}

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
    } else if (name == "RedrivePolicy") {
      RS_RETURN_IF_ERROR(ParseRedrivePolicy(value, &c));
    } else if (name == "RedriveAllowPolicy") {
      RS_RETURN_IF_ERROR(ParseRedriveAllowPolicy(value, &c));
    } else if (name == "FifoQueue") {
      RS_RETURN_IF_ERROR(ParseChoice(name, value, {"true", "false"}, &c.fifo));
    } else if (name == "ContentBasedDeduplication") {
      RS_RETURN_IF_ERROR(
          ParseChoice(name, value, {"true", "false"}, &c.content_based_deduplication));
    } else if (name == "DeduplicationScope") {
      RS_RETURN_IF_ERROR(
          ParseChoice(name, value, {"messageGroup", "queue"}, &c.deduplicate_per_group));
    } else if (name == "FifoThroughputLimit") {
      RS_RETURN_IF_ERROR(
          ParseChoice(name, value, {"perMessageGroupId", "perQueue"}, &c.throughput_per_group));
    } else if (name == "SqsManagedSseEnabled") {
      RS_RETURN_IF_ERROR(ParseChoice(name, value, {"true", "false"}, &c.sqs_managed_sse));
    } else if (name == "KmsMasterKeyId") {
      if (value.size() > 256 ||
          std::any_of(value.begin(), value.end(), [](char ch) { return ch <= ' ' || ch == 127; })) {
        return SqsError(SqsErrorCode::kInvalidAttributeValue,
                        "Invalid value for the parameter KmsMasterKeyId: at most 256 printable "
                        "characters without spaces.");
      }
      c.kms_master_key_id = value;
    } else if (name == "KmsDataKeyReusePeriodSeconds") {
      v = ParseBounded(name, value, 60, 86400);
      if (v.ok()) c.kms_data_key_reuse_seconds = static_cast<int>(*v);
    }
    if (!v.ok()) return v.status();
  }
  // SSE-SQS and SSE-KMS exclude each other: the one set last wins (KmsMasterKeyId when both
  // come together, which QueueEngine refuses live; so replay never fails on it).
  const auto sse = attributes.find("SqsManagedSseEnabled");
  const auto kms = attributes.find("KmsMasterKeyId");
  if (kms != attributes.end() && !kms->second.empty()) {
    c.sqs_managed_sse = false;
  } else if (sse != attributes.end() && sse->second == "true") {
    c.kms_master_key_id.clear();
  }
  if (c.throughput_per_group && !c.deduplicate_per_group) {
    return SqsError(SqsErrorCode::kInvalidAttributeValue,
                    "Invalid value for the parameter FifoThroughputLimit: perMessageGroupId is "
                    "allowed only when DeduplicationScope is messageGroup.");
  }
  if (!c.fifo) {
    for (const char* fifo_only :
         {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}) {
      if (attributes.contains(fifo_only)) {
        return SqsError(
            SqsErrorCode::kInvalidAttributeName,
            std::string("Unknown Attribute ") + fifo_only + ": it applies to FIFO queues only.");
      }
    }
  }
  return c;
}

}  // namespace roadsense::queue
