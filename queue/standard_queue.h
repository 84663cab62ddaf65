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
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "queue/message_id.h"
#include "queue/queue_config.h"
#include "queue/receipt_handle.h"
#include "sqs/message_attributes.h"

namespace roadsense::queue {

// The immutable part of a message, shared (not copied) between the queue and responses.
struct StoredMessage {
  MessageId id;
  std::string body;
  sqs::MessageAttributes attributes;
  std::string md5_of_body;
  std::string md5_of_attributes;  // "" when there are no attributes
  int64_t sent_ms = 0;
  std::string sender_id;
};
using StoredMessagePtr = std::shared_ptr<const StoredMessage>;

struct ReceivedMessage {
  StoredMessagePtr message;
  ReceiptHandle receipt;
  int receive_count = 0;  // including this receive
  int64_t first_receive_ms = 0;
};

struct ReceiveRequest {
  int max_messages = 1;                 // 1..10
  int visibility_timeout_seconds = -1;  // -1: the queue's VisibilityTimeout
  int wait_time_seconds = -1;           // -1: the queue's ReceiveMessageWaitTimeSeconds
};

using ReceiveDone = std::function<void(Result<std::vector<ReceivedMessage>>)>;

// A receiver to complete once the caller holds no locks.
struct Delivery {
  ReceiveDone done;
  Result<std::vector<ReceivedMessage>> result;
};
using Deliveries = std::vector<Delivery>;
void RunDeliveries(Deliveries& deliveries);

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
  QueueConfig config() const;
  QueueAttributeMap attributes() const;  // as the client set them
  int64_t modified_ms() const;
  void SetAttributes(QueueConfig config, const QueueAttributeMap& changed, int64_t modified_ms);

  // Adds a message that becomes visible at `visible_at_ms`; serves parked receivers.
  void Insert(StoredMessagePtr message, int64_t visible_at_ms, int64_t now_ms, Deliveries* out);
  // Removes a message in any state; false when it is not here.
  bool Erase(const MessageId& id);
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
  int64_t& Counter(State state);
  void SetState(Entry& e, State state);
  void MakeVisible(const MessageId& id, Entry& e);
  void MakeTimed(const MessageId& id, Entry& e, State state, int64_t at_ms);
  void PromoteDue(int64_t now_ms);
  std::vector<ReceivedMessage> TakeVisible(int max, int visibility_timeout_seconds, int64_t now_ms);
  void ServeWaiters(int64_t now_ms, Deliveries* out);
  std::optional<int64_t> NextWake();

  const std::string name_;
  const int64_t created_ms_;

  mutable std::mutex mu_;
  QueueConfig config_;
  QueueAttributeMap attributes_;
  int64_t modified_ms_;
  bool closed_ = false;
  std::unordered_map<MessageId, Entry, MessageIdHash> entries_;
  std::deque<IndexRef> visible_;
  std::priority_queue<TimedRef, std::vector<TimedRef>, std::greater<>> timed_;
  QueueCounts counts_;
  uint64_t next_version_ = 1;
  uint64_t next_receive_token_ = 1;
  std::map<uint64_t, Waiter> waiters_;  // by arrival: served first come, first served
  std::multimap<int64_t, uint64_t> waiter_deadlines_;
  uint64_t next_waiter_ = 1;
  int64_t scheduled_wake_ms_ = std::numeric_limits<int64_t>::max();
};

}  // namespace roadsense::queue
