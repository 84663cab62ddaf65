// StandardQueue: the in-memory state of one SQS standard queue — its messages, which of them are
// visible, delayed or in flight, and the receivers parked in a long poll.
//
// Every operation is O(log n) or amortised O(1) per message touched: visible messages sit in a
// FIFO deque, delayed and in-flight ones in a min-heap by the time they become visible. Index
// entries are never searched for; they carry the message's version and are skipped lazily when
// stale (the message was deleted, received, or its visibility changed since).
//
// Time is passed in (epoch milliseconds) so that replay and tests control it. StandardQueue knows
// nothing of the WAL: QueueEngine decides what is durable and calls in here to apply it.
//
// Threading: thread-safe (one mutex per queue, never held while calling out). Receivers to be
// completed are returned as Deliveries, which the caller runs after releasing its own locks.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "queue/message_body.h"
#include "queue/message_id.h"
#include "queue/queue_config.h"
#include "queue/receipt_handle.h"
#include "queue/wal_record.h"
#include "sqs/message_attributes.h"

namespace roadsense::queue {

// The immutable part of a message, shared (not copied) between the queue and responses. Its
// body may live only in the log (MessageBody); QueueEngine reads it back for receives.
struct StoredMessage {
  MessageId id;
  mutable MessageBody body;
  sqs::MessageAttributes attributes;
  FixedText<32> md5_of_body;                 // hex, by value (no allocation per message)
  std::string md5_of_attributes;             // "" when there are no attributes
  sqs::MessageAttributes system_attributes;  // AWSTraceHeader, as sent
  std::string md5_of_system_attributes;      // "" when there are none
  std::string dead_letter_source;            // queue that dead-lettered it, "" if none
  int64_t sent_ms = 0;
  int delay_seconds = 0;  // as sent (the Send record's; reclamation copies it forward)
  std::string sender_id;
  // FIFO queues only ("" / 0 otherwise).
  std::string group_id;          // MessageGroupId
  std::string deduplication_id;  // MessageDeduplicationId, or the body's SHA-256 (hex)
  uint64_t sequence_number = 0;  // SequenceNumber
};
using StoredMessagePtr = std::shared_ptr<const StoredMessage>;

struct ReceivedMessage {
  StoredMessagePtr message;
  // A body that is only in the log, read back by QueueEngine before the receive is answered;
  // "" while message->body is in memory.
  std::string body_from_log;
  ReceiptHandle receipt;
  int receive_count = 0;  // including this receive
  int64_t first_receive_ms = 0;
  int64_t visible_at_ms = 0;  // end of this receive's visibility timeout

  // The body: message->body's text while in memory (not copied), else body_from_log. Valid as
  // long as this ReceivedMessage.
  std::string_view body() const;
};

struct ReceiveRequest {
  int max_messages = 1;                 // 1..10
  int visibility_timeout_seconds = -1;  // -1: the queue's VisibilityTimeout
  int wait_time_seconds = -1;           // -1: the queue's ReceiveMessageWaitTimeSeconds
  // FIFO: a retry with the same id within 5 minutes gets the same messages and receipts, as
  // long as they are still in flight under that receive.
  std::string attempt_id;
};

using ReceiveDone = std::function<void(Result<std::vector<ReceivedMessage>>)>;

// A receiver to complete once the caller holds no locks (QueueEngine logs the receive first).
struct Delivery {
  std::string queue;
  ReceiveDone done;
  Result<std::vector<ReceivedMessage>> result;
  // The queue has a RedrivePolicy: the receive must be durable before it is answered.
  bool counts_matter = false;
};
// A message taken out of `source` because a receive would exceed maxReceiveCount; QueueEngine
// logs its move to `target` (the dead-letter queue's name), then calls source's Left(sequence).
struct DeadLetter {
  std::string source;
  std::string target;
  StoredMessagePtr message;
  uint64_t sequence = 0;  // of its Send record in `source`
};
struct Deliveries {
  std::vector<Delivery> receivers;
  std::vector<DeadLetter> dead_letters;
};

// SQS's limit of in-flight messages per standard queue: receives beyond it fail with OverLimit.
inline constexpr int64_t kMaxInFlightMessages = 120000;
inline constexpr int64_t kMaxInFlightFifoMessages = 20000;  // the same, for FIFO queues
// FIFO deduplication interval, and how long a ReceiveRequestAttemptId is remembered.
inline constexpr int64_t kFifoDeduplicationMs = 5 * 60 * 1000;

// The outcome of reserving a FIFO send (StandardQueue::ReserveFifoSend).
struct FifoReservation {
  MessageId id;
  uint64_t sequence_number = 0;
  bool duplicate = false;  // the deduplication id was used within 5 minutes: id/number are its
};

// A live message's state, for copying it forward in the log (space reclamation).
struct MessageCopy {
  StoredMessagePtr message;
  uint64_t sequence = 0;      // of its current Send record
  int64_t visible_at_ms = 0;  // delayed or in flight until then (0: visible)
  bool received = false;      // receive state below is meaningful
  uint64_t receive_token = 0;
  int receive_count = 0;
  int64_t first_receive_ms = 0;
};

struct QueueCounts {
  int64_t visible = 0;    // ApproximateNumberOfMessages
  int64_t in_flight = 0;  // ApproximateNumberOfMessagesNotVisible
  int64_t delayed = 0;    // ApproximateNumberOfMessagesDelayed
};

class StandardQueue {
 public:
  StandardQueue(std::string name, QueueConfig config, QueueAttributeMap attributes,
                int64_t created_ms);

  const std::string& name() const { return name_; }
  int64_t created_ms() const { return created_ms_; }
  // The account that owns the queue ("": the server's). Set once, before the queue is shared.
  const std::string& owner_account() const { return owner_account_; }
  void set_owner_account(std::string account) { owner_account_ = std::move(account); }
  QueueConfig config() const;
  QueueAttributeMap attributes() const;  // as the client set them
  // One attribute as the client set it ("" when not set): no copy of the others.
  std::string attribute(const std::string& name) const;
  int64_t modified_ms() const;
  void SetAttributes(QueueConfig config, const QueueAttributeMap& changed, int64_t modified_ms);
  // Cost-allocation tags (TagQueue/UntagQueue): sets `set`, then erases the `remove` keys.
  QueueAttributeMap tags() const;
  void ApplyTags(const QueueAttributeMap& set, const std::vector<std::string>& remove);

  // Adds a message that becomes visible at `visible_at_ms`, logged by the Send record `sequence`;
  // serves parked receivers. A message already here only moves to the new sequence (a copy).
  void Insert(StoredMessagePtr message, int64_t visible_at_ms, uint64_t sequence, int64_t now_ms,
              Deliveries* out);
  // A live copy of the message was logged at `location`: it now lives there (no-op if gone).
  void Relocate(const MessageId& id, const WalLocation& location);
  // PurgeQueue is allowed once per 60 s: false when the last one was less than 60 s ago.
  bool ReservePurge(int64_t now_ms);
  // Replay of a Receive record: sets each known message's receive count, first-receive time and
  // receipt token (the message stays visible: in-flight state does not survive a restart).
  void ApplyReceive(const std::vector<ReceiveEntry>& entries);
  // FIFO send: if the deduplication key (group_id + deduplication_id under DeduplicationScope
  // messageGroup) was sent within 5 minutes, that message's id and SequenceNumber (duplicate);
  // else a fresh id and the next SequenceNumber, the key reserved for them until
  // ReleaseFifoSend (the send failed) or the Send record's Insert.
  FifoReservation ReserveFifoSend(const std::string& group_id, const std::string& deduplication_id,
                                  int64_t now_ms);
  void ReleaseFifoSend(const std::string& group_id, const std::string& deduplication_id,
                       const MessageId& id);
  // Lowest Send sequence still needed to rebuild unexpired deduplication entries on replay.
  std::optional<uint64_t> OldestDeduplicationSequence(int64_t now_ms);
  // Drops messages past the retention period; returns how many.
  size_t DropExpired(int64_t now_ms);
  // Sequence of the oldest Send record still needed: of a live message, or of one taken out
  // for a dead-letter move that has not Left() yet.
  std::optional<uint64_t> OldestSequence() const;
  // The dead-letter move of the message whose Send record is `sequence` is durable, or the
  // message was put back (Insert): its record need not be kept for it any more.
  void Left(uint64_t sequence);
  // Live messages whose Send sequence is in [lo, hi), oldest first, at most `limit`.
  std::vector<MessageCopy> LiveBetween(uint64_t lo, uint64_t hi, size_t limit) const;
  // Removes a message in any state; false when it is not here. On a FIFO queue this may unblock
  // the message's group: parked receivers it can serve go to `out` (if given).
  bool Erase(const MessageId& id, int64_t now_ms = 0, Deliveries* out = nullptr);
  bool Contains(const MessageId& id) const;
  // Removes every message (parked receivers stay parked).
  void Purge();
  // Queue deleted: parked receivers get QueueDoesNotExist, later receives fail the same way.
  void Close(Deliveries* out);

  // Receives up to max_messages now, or parks the receiver until messages arrive or its wait
  // time passes. Returns a time (epoch ms) at which Wake() must be called, if any.
  std::optional<int64_t> Receive(const ReceiveRequest& request, ReceiveDone done, int64_t now_ms,
                                 Deliveries* out);
  // Makes due messages visible, serves and expires parked receivers; returns the next wake time.
  std::optional<int64_t> Wake(int64_t now_ms, Deliveries* out);

  // ChangeMessageVisibility: kNotFound-style SQS errors for unknown handles, MessageNotInflight
  // when the handle's receive is no longer the message's current one.
  Status ChangeVisibility(const ReceiptHandle& receipt, int timeout_seconds, int64_t now_ms,
                          Deliveries* out, std::optional<int64_t>* wake_at_ms);

  QueueCounts Counts(int64_t now_ms);

 private:
  enum class State { kDelayed, kVisible, kInFlight };
  struct Entry {
    StoredMessagePtr message;
    State state = State::kVisible;
    uint64_t version = 0;  // bumped on every state change; index entries carry it
    int64_t visible_at_ms = 0;
    uint64_t receive_token = 0;
    int receive_count = 0;
    int64_t first_receive_ms = 0;
    uint64_t sequence = 0;  // of the Send record that holds the message in the log
  };
  struct IndexRef {
    MessageId id;
    uint64_t version;
  };
  struct TimedRef {
    int64_t at_ms;
    IndexRef ref;
    bool operator>(const TimedRef& o) const { return at_ms > o.at_ms; }
  };
  struct Waiter {
    ReceiveRequest request;
    ReceiveDone done;
    int64_t deadline_ms;
  };

  // All private helpers expect mu_ held.
  Entry* Find(const IndexRef& ref);
  void EraseEntry(std::unordered_map<MessageId, Entry, MessageIdHash>::iterator it);
  void Clear();
  int64_t& Counter(State state);
  void SetState(Entry& e, State state);
  void MakeVisible(const MessageId& id, Entry& e);
  void MakeTimed(const MessageId& id, Entry& e, State state, int64_t at_ms);
  void PromoteDue(int64_t now_ms);
  std::vector<ReceivedMessage> TakeVisible(int max, int visibility_timeout_seconds, int64_t now_ms,
                                           Deliveries* out);
  void ServeWaiters(int64_t now_ms, Deliveries* out);
  std::optional<int64_t> NextWake();
  int64_t MaxInFlight() const;
  // FIFO: the visible messages that may be delivered now, in order within each group, skipping
  // groups with a message in flight.
  std::vector<ReceivedMessage> TakeFifo(int max, int visibility_timeout_seconds, int64_t now_ms,
                                        Deliveries* out);
  // Marks `e` received (in flight until now + timeout) and returns it as delivered.
  ReceivedMessage TakeEntry(const MessageId& id, Entry& e, int visibility_timeout_seconds,
                            int64_t now_ms);
  std::string DeduplicationKey(const std::string& group_id, const std::string& dedup_id) const;
  struct Group;
  void AddToGroup(const MessageId& id, const StoredMessage& m);
  void RemoveFromGroup(const StoredMessage& m, bool was_in_flight);
  // Take the group's entry out of / into group_heads_ (it is there iff it is open: no message
  // in flight and at least one message). Called around every change of a group.
  void HeadOff(const Group& g, const std::string& name);
  void HeadOn(const Group& g, const std::string& name);

  const std::string name_;
  const int64_t created_ms_;
  std::string owner_account_;

  mutable std::mutex mu_;
  QueueConfig config_;
  QueueAttributeMap attributes_;
  QueueAttributeMap tags_;
  int64_t modified_ms_;
  bool closed_ = false;
  int64_t last_purge_ms_ = std::numeric_limits<int64_t>::min() / 2;
  std::unordered_map<MessageId, Entry, MessageIdHash> entries_;
  std::map<uint64_t, MessageId> by_sequence_;  // live messages by Send sequence
  std::multiset<uint64_t> leaving_;            // Send sequences of dead-letter moves not yet Left()
  // At most the sent_ms of every entry (min: not known yet). DropExpired() scans entries_ only
  // when this is old enough for something to have expired: with a large backlog the scan would
  // otherwise hold mu_ (and the committer thread) for tens of ms every second.
  int64_t oldest_sent_ms_ = std::numeric_limits<int64_t>::min();
  std::deque<IndexRef> visible_;
  std::priority_queue<TimedRef, std::vector<TimedRef>, std::greater<>> timed_;
  QueueCounts counts_;
  uint64_t next_version_ = 1;
  uint64_t next_receive_token_ = 1;
  std::map<uint64_t, Waiter> waiters_;  // by arrival: served first come, first served
  std::multimap<int64_t, uint64_t> waiter_deadlines_;
  uint64_t next_waiter_ = 1;
  int64_t scheduled_wake_ms_ = std::numeric_limits<int64_t>::max();

  // FIFO state. A group is blocked while in_flight > 0; group_heads_ orders the open groups
  // (none in flight) by their oldest message, so receives walk open groups, not messages.
  struct Group {
    std::map<uint64_t, MessageId> messages;  // by SequenceNumber
    int in_flight = 0;
  };
  std::unordered_map<std::string, Group> groups_;
  std::set<std::pair<uint64_t, std::string>> group_heads_;
  uint64_t last_sequence_number_ = 0;
  struct Deduplication {
    MessageId id;
    uint64_t sequence_number = 0;
    int64_t expires_ms = 0;
    uint64_t send_sequence = 0;  // of its Send record; 0 while the send is not durable
  };
  std::unordered_map<std::string, Deduplication> dedup_;
  struct Attempt {
    std::vector<ReceivedMessage> received;
    int64_t expires_ms = 0;
  };
  std::unordered_map<std::string, Attempt> attempts_;
};

}  // namespace roadsense::queue
