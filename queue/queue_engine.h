// QueueEngine: roadsense-queue's durable core. Owns the queues (StandardQueue), the write-ahead
// log (GroupCommitter over WalWriter) and the timer thread for long polls and visibility.
//
// Durability contract: a state change is applied — and its callback completed — only after its
// WAL record is fsynced; Apply() is the single function that turns a record into state, used
// both live (from the GroupCommitter's callbacks, in log order) and on replay at Open(). So what
// a restart rebuilds is exactly what was acknowledged. The one exception is a receive: it changes
// the in-memory state first (to reserve the messages), then logs a Receive record and answers
// only once that is fsynced; replay applies Receive records, live commits do not re-apply them.
// Dead-letter moves are logged as Send (to the DLQ) + Delete (from the source). Space
// reclamation runs on the committer thread between groups (wal_format.md). Every Send record of
// an SSE queue — sent, dead-lettered to it or copied forward — is sealed with the key its config
// names at the time it is written (wal_format.md, "Encryption at rest"). Message bodies beyond
// options.body_memory_bytes live only in the log once written (MessageBody) and are read back
// (WalBodyReader) for receives, dead-letter moves and copies; a receive whose body cannot be read
// fails with an error and leaves its messages in flight (README.md, "Memory").
//
// Errors are SQS error Statuses (sqs_error.h). Callbacks run exactly once, on the calling thread
// (immediate answers), the committer thread (after fsync) or the timer thread (long polls); they
// must not block.
//
// Threading: all methods are thread-safe. Lock order: queues_mu_ before a StandardQueue's mutex;
// no lock is held while a callback runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/fixed_text.h"
#include "core/status.h"
#include "queue/group_committer.h"
#include "queue/standard_queue.h"
#include "queue/timer_thread.h"
#include "queue/wal_body_reader.h"
#include "queue/wal_cipher.h"
#include "queue/wal_record.h"

namespace roadsense::queue {

struct QueueEngineOptions {
  std::string data_dir;  // created if missing
  uint64_t segment_target_bytes = kSegmentTargetBytes;
  // How often expired messages are dropped and old segments reclaimed.
  std::chrono::milliseconds reclaim_interval{1000};
  // Keys for SSE queues (SqsManagedSseEnabled / KmsMasterKeyId); without them such queues
  // cannot be created, and a log or queue that needs a key makes Open() fail.
  std::optional<WalKeyring> encryption_keys = std::nullopt;
  // Bytes of message bodies kept in memory once their Send records are written (MessageBody);
  // the others are read back from the log when received. 0: none are kept.
  uint64_t body_memory_bytes = uint64_t{256} << 20;
};

struct NewMessage {
  std::string body;
  sqs::MessageAttributes attributes;
  int delay_seconds = -1;  // -1: the queue's DelaySeconds
  std::string sender_id;
  sqs::MessageAttributes system_attributes;  // MessageSystemAttributes (AWSTraceHeader)
  // FIFO queues: MessageGroupId (required) and MessageDeduplicationId (already the body's
  // SHA-256 under ContentBasedDeduplication when none was given).
  std::string group_id;
  std::string deduplication_id;
};

struct SentMessage {
  MessageId id;
  FixedText<32> md5_of_body;  // hex
  std::string md5_of_attributes;
  std::string md5_of_system_attributes;  // "" when none were sent
  uint64_t sequence_number = 0;          // FIFO only; a duplicate gets the original's
};

struct EngineStats {
  uint64_t fsyncs = 0;
  uint64_t records = 0;
  uint64_t body_bytes_in_memory = 0;  // of live messages, counted against body_memory_bytes
  uint64_t body_reads = 0;            // bodies read back from the log
};

class QueueEngine {
 public:
  template <typename T>
  using Callback = std::function<void(Result<T>)>;
  using StatusCallback = std::function<void(Status)>;

  // Creates the data dir, locks it, replays the WAL and starts the committer and timer threads.
  // kCorruption names the damaged segment and offset; kFailedPrecondition names the key id (and
  // the segment, or the queue) when a record or an SSE queue needs a key the keyring lacks.
  static Result<std::unique_ptr<QueueEngine>> Open(QueueEngineOptions options);
  ~QueueEngine();
  QueueEngine(const QueueEngine&) = delete;
  QueueEngine& operator=(const QueueEngine&) = delete;

  // Stops the threads; pending callbacks complete (with an error if not yet durable).
  void Close();

  // Idempotent for identical attributes; QueueNameExists when an attribute differs.
  void CreateQueue(const std::string& name, const QueueAttributeMap& attributes,
                   StatusCallback done);
  // The same, tagging a newly created queue with `tags` (ignored if the queue exists, as in SQS)
  // and recording its owner account ("" for the server's own). Queue names are one namespace:
  // a queue of another owner is QueueNameExists.
  void CreateQueue(const std::string& name, const QueueAttributeMap& attributes,
                   const QueueAttributeMap& tags, const std::string& owner_account,
                   StatusCallback done);
  // The owner account given at creation ("" for the server's own).
  Result<std::string> GetQueueOwner(const std::string& name) const;
  // TagQueue/UntagQueue: sets `set`, then removes the `remove` keys; durable before `done`.
  void TagQueue(const std::string& name, const QueueAttributeMap& set,
                const std::vector<std::string>& remove, StatusCallback done);
  Result<QueueAttributeMap> GetQueueTags(const std::string& name) const;
  bool QueueExists(const std::string& name) const;
  Result<QueueConfig> GetQueueConfig(const std::string& name) const;
  // Names in byte order, those starting with `prefix`.
  std::vector<std::string> ListQueues(const std::string& prefix) const;
  void DeleteQueue(const std::string& name, StatusCallback done);
  // PurgeQueueInProgress within 60 s of the queue's last purge.
  void PurgeQueue(const std::string& name, StatusCallback done);
  // Queues whose RedrivePolicy names `name` as dead-letter queue, in byte order.
  Result<std::vector<std::string>> ListDeadLetterSourceQueues(const std::string& name) const;
  void SetQueueAttributes(const std::string& name, const QueueAttributeMap& attributes,
                          StatusCallback done);
  // Every attribute SQS reports for a standard queue ("All").
  Result<QueueAttributeMap> GetQueueAttributes(const std::string& name) const;
  // One attribute as the client set it ("" when not set), e.g. the Policy every authorized
  // request needs, without building the whole map.
  Result<std::string> GetSetQueueAttribute(const std::string& name,
                                           const std::string& attribute) const;

  // Messages must already be validated (message_validation.h, size against the queue's
  // MaximumMessageSize; FIFO fields present). All are logged as one group; the callback runs
  // after fsync. On a FIFO queue a message whose deduplication id was sent within 5 minutes is
  // not logged again: it is answered with the original's id and SequenceNumber (once durable).
  void SendMessages(const std::string& queue, std::vector<NewMessage> messages,
                    Callback<std::vector<SentMessage>> done);
  void ReceiveMessages(const std::string& queue, const ReceiveRequest& request, ReceiveDone done);
  // One Status per receipt handle (ReceiptHandleIsInvalid when malformed); deleting a message
  // that is already gone succeeds, as in SQS. The handles are read before it returns.
  void DeleteMessages(const std::string& queue,
                      const std::vector<std::string_view>& receipt_handles,
                      std::function<void(std::vector<Status>)> done);
  Status ChangeMessageVisibility(const std::string& queue, const std::string& receipt_handle,
                                 int timeout_seconds);

  EngineStats stats() const;

  // Applies one durable record with sequence number `sequence` (live and on replay). Public for
  // the replay path and tests. A Send applied this way keeps its body in memory.
  Status Apply(WalRecord& record, uint64_t sequence, int64_t now_ms, Deliveries* out);
  // The same for a record that lies at `location` in the log: a Send's body may then be dropped
  // from memory (options.body_memory_bytes) and read back from there.
  Status Apply(WalRecord& record, const WalLocation& location, int64_t now_ms, Deliveries* out);

 private:
  explicit QueueEngine(QueueEngineOptions options);
  Status Recover();
  std::shared_ptr<StandardQueue> Find(const std::string& name) const;
  Result<std::shared_ptr<StandardQueue>> FindOrError(const std::string& name) const;
  // Logs `records` and, once fsynced, applies them; `done` gets each Apply's status.
  void Commit(std::vector<WalRecord> records,
              std::function<void(const Status& wal, std::vector<Status>& applied)> done);
  void ScheduleWake(const std::shared_ptr<StandardQueue>& queue, std::optional<int64_t> at_ms);
  // Completes receivers (reading their bodies, then logging their receives) and logs
  // dead-letter moves.
  void Deliver(Deliveries& out);
  // The message's body, from memory or the log; errors are logged with segment and offset.
  Result<std::string> BodyOf(const StoredMessage& message);
  // The same for a body not in memory whose Send record lies at `where`.
  Result<std::string> BodyFromLog(const StoredMessage& message, WalLocation where);
  // The key id that seals an SSE queue's records ("" when it is not encrypted);
  // InvalidAttributeValue when the keyring has no such key (or there is none).
  Result<std::string> KeyIdFor(const QueueConfig& config) const;
  // Marks `send` to be sealed as `config` requires (key resolved at creation, so it exists).
  void Seal(const QueueConfig& config, SendRecord& send) const;
  // CreateQueue/SetQueueAttributes: the dead-letter queue must exist and allow `source`.
  Status CheckRedrive(const std::string& source, const QueueConfig& config) const;
  // GroupCommitter maintenance: expiry, copy-forward, snapshot + segment deletion.
  void Maintain(const WalWriter& writer, std::vector<WalRecord>* records,
                GroupCommitter::Done* done);
  Status DeleteReclaimableSegments(const WalWriter& writer);

  Status ApplyRecord(CreateQueueRecord& r, int64_t now_ms, Deliveries* out);
  Status ApplyRecord(SendRecord& r, int64_t now_ms, Deliveries* out);
  Status ApplyRecord(DeleteRecord& r, int64_t now_ms, Deliveries* out);
  Status ApplyRecord(DeleteQueueRecord& r, int64_t now_ms, Deliveries* out);
  Status ApplyRecord(PurgeQueueRecord& r, int64_t now_ms, Deliveries* out);
  Status ApplyRecord(SetQueueAttributesRecord& r, int64_t now_ms, Deliveries* out);
  Status ApplyRecord(ReceiveRecord& r, int64_t now_ms, Deliveries* out);
  Status ApplyRecord(TagQueueRecord& r, int64_t now_ms, Deliveries* out);

  QueueEngineOptions options_;
  std::unique_ptr<WalCipher> cipher_;  // null without encryption keys
  std::shared_ptr<MessageBody::Budget> body_budget_;
  std::unique_ptr<WalBodyReader> body_reader_;
  int lock_fd_ = -1;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<TimerThread> timer_;

  mutable std::shared_mutex queues_mu_;
  std::unordered_map<std::string, std::shared_ptr<StandardQueue>> queues_;  // guarded

  uint64_t applying_sequence_ = 0;  // sequence of the record being applied (committer/replay)
  WalLocation applying_location_;   // its location in the log, if known
  // Replay only: records up to this sequence are covered by the snapshot.
  uint64_t snapshot_sequence_ = 0;
  bool replaying_ = false;
  int64_t next_maintenance_ms_ = 0;  // committer thread only
  // FIFO sends reserve their deduplication ids and submit their records under this lock, so a
  // duplicate's commit is never ordered before its original's (a leaf but for the queue's and
  // the committer's mutexes, taken inside it).
  std::mutex fifo_send_mu_;
};

// Wall-clock epoch milliseconds (message and queue timestamps).
int64_t NowMs();

}  // namespace roadsense::queue
