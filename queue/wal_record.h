// WalRecord: the typed state changes roadsense-queue logs, and their payload encoding
// (queue/wal_format.md, "Record types and payloads"). Framing is WalWriter's/WalReader's job.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/fixed_text.h"
#include "core/status.h"
#include "queue/message_id.h"
#include "queue/queue_config.h"
#include "queue/wal_cipher.h"
#include "queue/wal_format.h"
#include "sqs/message_attributes.h"

namespace roadsense::queue {

struct CreateQueueRecord {
  std::string name;
  int64_t created_ms = 0;  // epoch milliseconds
  QueueAttributeMap attributes;
  // Format version 3: optional trailing fields, written only when one is non-empty.
  QueueAttributeMap tags;
  std::string owner_account;  // "" for the server's own account (--account-id)
};

struct SendRecord {
  std::string queue;
  MessageId message_id;
  int64_t sent_ms = 0;  // epoch milliseconds
  int32_t delay_seconds = 0;
  std::string sender_id;
  std::string body;
  sqs::MessageAttributes message_attributes;
  // Format version 3, optional trailing fields (written only when one is non-empty):
  sqs::MessageAttributes system_attributes;  // MessageSystemAttributes (AWSTraceHeader)
  std::string dead_letter_source;            // the queue that dead-lettered this message
  // Format version 4, optional trailing fields of a FIFO queue's message (written only when
  // group_id is non-empty, after the version-3 fields, which are then always written):
  std::string group_id;          // MessageGroupId
  std::string deduplication_id;  // MessageDeduplicationId (or the body's SHA-256, hex)
  uint64_t sequence_number = 0;  // SequenceNumber, strictly increasing per queue
  // Format version 5, encryption at rest: a non-empty key_id makes the record an EncryptedSend
  // (type 9) whose body, message and system attributes, group and deduplication id are sealed
  // with `cipher` under that key id (wal_format.md, "Encryption at rest"). Decoding an
  // EncryptedSend sets key_id (and leaves cipher null); the other fields hold the plaintext.
  std::string key_id;
  const WalCipher* cipher = nullptr;  // encoding only; not owned (the engine's, outlives records)
  int data_key_reuse_seconds = 300;   // encoding only: the queue's KmsDataKeyReusePeriodSeconds
  // Never encoded: the body's MD5 (hex) when the sender already computed it for its answer, so
  // applying the record does not hash the body a second time. None (decoded records, copies):
  // computed when applied.
  std::optional<FixedText<32>> md5_of_body;
};

struct DeleteRecord {
  std::string queue;
  MessageId message_id;
};

struct DeleteQueueRecord {
  std::string queue;
};

struct PurgeQueueRecord {
  std::string queue;
  int64_t purged_ms = 0;
};

struct SetQueueAttributesRecord {
  std::string queue;
  int64_t modified_ms = 0;
  QueueAttributeMap attributes;
};

// One received message's state after a receive (absolute values: replay sets, never adds).
struct ReceiveEntry {
  MessageId message_id;
  uint64_t receive_token = 0;
  int32_t receive_count = 0;
  int64_t first_receive_ms = 0;  // epoch milliseconds
  int64_t visible_at_ms = 0;     // end of the visibility timeout, epoch milliseconds
};

struct ReceiveRecord {
  std::string queue;
  std::vector<ReceiveEntry> entries;
};

// TagQueue / UntagQueue: applied in log order, so concurrent changes never lose one another.
struct TagQueueRecord {
  std::string queue;
  QueueAttributeMap set;            // tags added or changed
  std::vector<std::string> remove;  // tag keys removed (after `set` is applied)
};

// Variant order matches WalRecordType numbering (index + 1), but for a SendRecord with a key id,
// which is an EncryptedSend (type 9).
using WalRecord =
    std::variant<CreateQueueRecord, SendRecord, DeleteRecord, DeleteQueueRecord, PurgeQueueRecord,
                 SetQueueAttributesRecord, ReceiveRecord, TagQueueRecord>;

WalRecordType TypeOf(const WalRecord& record);
// Appends the payload of `record` to *out.
void EncodeWalPayload(const WalRecord& record, std::string* out);
// kCorruption when the payload does not parse exactly (short, trailing bytes, bad kind) or an
// EncryptedSend does not authenticate; kFailedPrecondition naming the key id when an
// EncryptedSend's key is not in `cipher`'s keyring (or there is no cipher).
Result<WalRecord> DecodeWalPayload(WalRecordType type, std::string_view payload,
                                   const WalCipher* cipher = nullptr);

}  // namespace roadsense::queue
