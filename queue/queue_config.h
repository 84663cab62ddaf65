// QueueConfig: a standard queue's settings, parsed and validated from SQS queue attributes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace roadsense::queue {

using QueueAttributeMap = std::map<std::string, std::string>;

struct QueueConfig {
  int visibility_timeout_seconds = 30;     // 0..43,200
  int delay_seconds = 0;                   // 0..900
  int64_t retention_seconds = 345600;      // 60..1,209,600
  int64_t maximum_message_size = 1048576;  // 1,024..1,048,576 bytes
  int receive_wait_time_seconds = 0;       // 0..20
  // RedrivePolicy: messages received more than max_receive_count times move to the queue named
  // dead_letter_queue (the last part of deadLetterTargetArn). 0 / "": no redrive.
  int max_receive_count = 0;  // 1..1,000
  std::string dead_letter_queue;
  std::string dead_letter_arn;
  // RedriveAllowPolicy: which source queues may use this queue as their dead-letter queue.
  enum class RedrivePermission { kAllowAll, kDenyAll, kByQueue };
  RedrivePermission redrive_permission = RedrivePermission::kAllowAll;
  std::vector<std::string> redrive_source_arns;  // kByQueue: 1..10 ARNs
  // FIFO queues (FifoQueue=true, fixed at creation; the name must end in ".fifo").
  bool fifo = false;
  bool content_based_deduplication = false;  // dedup id = SHA-256 of the body when none given
  bool deduplicate_per_group = false;        // DeduplicationScope=messageGroup (else queue)
  bool throughput_per_group = false;  // FifoThroughputLimit=perMessageGroupId (else perQueue)
  // Encryption at rest (wal_format.md): SqsManagedSseEnabled=true (SSE-SQS), or KmsMasterKeyId
  // (SSE-KMS; a key id of the encryption keys file, or alias/aws/sqs). Setting one switches the
  // other off, as in SQS (both in one map: KmsMasterKeyId wins; QueueEngine refuses that live).
  bool sqs_managed_sse = false;
  std::string kms_master_key_id;
  int kms_data_key_reuse_seconds = 300;  // 60..86,400: how long one data key seals records
  bool encrypted() const { return sqs_managed_sse || !kms_master_key_id.empty(); }

  // Whether a queue with ARN `source_arn` may send its dead letters here.
  bool AllowsRedriveFrom(const std::string& source_arn) const;

  // Applies `attributes` on top of *this. Unknown names → InvalidAttributeName; known names with
  // bad values → InvalidAttributeValue; the FIFO-only attributes on a standard queue →
  // InvalidAttributeName; other valid SQS attributes (Policy, ...) are accepted and kept
  // verbatim only. Whether KmsMasterKeyId names a key the server has is QueueEngine's check.
  Result<QueueConfig> With(const QueueAttributeMap& attributes) const;
};

// The settable attribute names SQS defines (QueueConfig's five plus the verbatim-kept ones).
bool IsWritableQueueAttribute(const std::string& name);

}  // namespace roadsense::queue
