#include "queue/standard_queue.h"

#include <algorithm>

#include "queue/sqs_error.h"

namespace roadsense::queue {

std::string_view ReceivedMessage::body() const {
  std::string_view text;
  WalLocation unused;
  return message->body.View(&text, &unused) ? text : std::string_view(body_from_log);
}

StandardQueue::StandardQueue(std::string name, QueueConfig config, QueueAttributeMap attributes,
                             int64_t created_ms)
    : name_(std::move(name)),
      created_ms_(created_ms),
      config_(config),
      attributes_(std::move(attributes)),
      modified_ms_(created_ms) {}

QueueConfig StandardQueue::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

QueueAttributeMap StandardQueue::attributes() const {
  std::lock_guard lock(mu_);
  return attributes_;
}

std::string StandardQueue::attribute(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = attributes_.find(name);
  return it == attributes_.end() ? std::string() : it->second;
}

int64_t StandardQueue::modified_ms() const {
  std::lock_guard lock(mu_);
  return modified_ms_;
}

void StandardQueue::SetAttributes(QueueConfig config, const QueueAttributeMap& changed,
                                  int64_t modified_ms) {
  std::lock_guard lock(mu_);
  config_ = config;
  for (const auto& [k, v] : changed) attributes_[k] = v;
  modified_ms_ = modified_ms;
}

QueueAttributeMap StandardQueue::tags() const {
  std::lock_guard lock(mu_);
  return tags_;
}

void StandardQueue::ApplyTags(const QueueAttributeMap& set,
                              const std::vector<std::string>& remove) {
  std::lock_guard lock(mu_);
  for (const auto& [k, v] : set) tags_[k] = v;
  for (const auto& k : remove) tags_.erase(k);
}

StandardQueue::Entry* StandardQueue::Find(const IndexRef& ref) {
  auto it = entries_.find(ref.id);
  if (it == entries_.end() || it->second.version != ref.version) return nullptr;
  return &it->second;
}

int64_t& StandardQueue::Counter(State state) {
  return state == State::kVisible    ? counts_.visible
         : state == State::kInFlight ? counts_.in_flight
                                     : counts_.delayed;
}

void StandardQueue::SetState(Entry& e, State state) {
  --Counter(e.state);
  ++Counter(state);
  if (!e.message->group_id.empty() &&
      (e.state == State::kInFlight) != (state == State::kInFlight)) {
    const std::string& name = e.message->group_id;
    Group& g = groups_[name];
    HeadOff(g, name);
    g.in_flight += state == State::kInFlight ? 1 : -1;
    HeadOn(g, name);
  }
  e.state = state;
  e.version = next_version_++;
}

void StandardQueue::MakeVisible(const MessageId& id, Entry& e) {
  SetState(e, State::kVisible);
  // FIFO messages are found through their group (TakeFifo), in order.
  if (e.message->group_id.empty()) visible_.push_back({id, e.version});
}

void StandardQueue::MakeTimed(const MessageId& id, Entry& e, State state, int64_t at_ms) {
  SetState(e, state);
  e.visible_at_ms = at_ms;
  timed_.push({at_ms, {id, e.version}});
}

void StandardQueue::EraseEntry(std::unordered_map<MessageId, Entry, MessageIdHash>::iterator it) {
  --Counter(it->second.state);
  const StoredMessage& m = *it->second.message;
  if (!m.group_id.empty()) RemoveFromGroup(m, it->second.state == State::kInFlight);
  by_sequence_.erase(it->second.sequence);
  entries_.erase(it);  // index entries pointing at it are skipped as stale
}

void StandardQueue::Clear() {
  entries_.clear();
  by_sequence_.clear();
  visible_.clear();
  timed_ = {};
  counts_ = {};
  groups_.clear();
  group_heads_.clear();
  attempts_.clear();
}

void StandardQueue::HeadOff(const Group& g, const std::string& name) {
  if (g.in_flight == 0 && !g.messages.empty()) {
    group_heads_.erase({g.messages.begin()->first, name});
  }
}

void StandardQueue::HeadOn(const Group& g, const std::string& name) {
  if (g.in_flight == 0 && !g.messages.empty()) {
    group_heads_.emplace(g.messages.begin()->first, name);
  }
}

void StandardQueue::AddToGroup(const MessageId& id, const StoredMessage& m) {
  Group& g = groups_[m.group_id];
  HeadOff(g, m.group_id);
  g.messages.emplace(m.sequence_number, id);
  HeadOn(g, m.group_id);
}

void StandardQueue::RemoveFromGroup(const StoredMessage& m, bool was_in_flight) {
  auto it = groups_.find(m.group_id);
  if (it == groups_.end()) return;
  Group& g = it->second;
  HeadOff(g, m.group_id);
  if (was_in_flight) --g.in_flight;
  g.messages.erase(m.sequence_number);
  if (g.messages.empty() && g.in_flight == 0) {
    groups_.erase(it);
  } else {
    HeadOn(g, m.group_id);
  }
}

std::string StandardQueue::DeduplicationKey(const std::string& group_id,
                                            const std::string& dedup_id) const {
  return config_.deduplicate_per_group ? group_id + '\n' + dedup_id : dedup_id;
}

FifoReservation StandardQueue::ReserveFifoSend(const std::string& group_id,
                                               const std::string& deduplication_id,
                                               int64_t now_ms) {
  std::lock_guard lock(mu_);
  const std::string key = DeduplicationKey(group_id, deduplication_id);
  if (auto it = dedup_.find(key); it != dedup_.end() && it->second.expires_ms > now_ms) {
    return {it->second.id, it->second.sequence_number, true};
  }
  // Above every number given so far, and above any a previous run could have given (the
  // clock part), so the sequence keeps increasing across restarts even when the log holding
  // the last numbers was reclaimed.
  last_sequence_number_ =
      std::max(last_sequence_number_ + 1, static_cast<uint64_t>(now_ms) * 1000000);
  Deduplication d{MessageId::Random(), last_sequence_number_, now_ms + kFifoDeduplicationMs, 0};
  dedup_[key] = d;
  return {d.id, d.sequence_number, false};
}

void StandardQueue::ReleaseFifoSend(const std::string& group_id,
                                    const std::string& deduplication_id, const MessageId& id) {
  std::lock_guard lock(mu_);
  auto it = dedup_.find(DeduplicationKey(group_id, deduplication_id));
  if (it != dedup_.end() && it->second.id == id && it->second.send_sequence == 0) dedup_.erase(it);
}

std::optional<uint64_t> StandardQueue::OldestDeduplicationSequence(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::optional<uint64_t> oldest;
  for (auto it = dedup_.begin(); it != dedup_.end();) {
    if (it->second.expires_ms <= now_ms) {
      it = dedup_.erase(it);
      continue;
    }
    if (it->second.send_sequence != 0 && (!oldest || it->second.send_sequence < *oldest)) {
      oldest = it->second.send_sequence;
    }
    ++it;
  }
  return oldest;
}

void StandardQueue::Insert(StoredMessagePtr message, int64_t visible_at_ms, uint64_t sequence,
                           int64_t now_ms, Deliveries* out) {
  std::lock_guard lock(mu_);
  const MessageId id = message->id;
  auto [it, inserted] = entries_.try_emplace(id);
  Entry& e = it->second;
  if (!inserted) {
    // A copy made by space reclamation: the message now lives at the later record.
    // Moved only when the body can be read at the copy (or is in memory): the old segment may
    // be deleted once no live message's sequence lies in it.
    const WalLocation copy = message->body.location();
    if (sequence > e.sequence && (copy.known() || e.message->body.in_memory())) {
      by_sequence_.erase(e.sequence);
      e.sequence = sequence;
      by_sequence_.emplace(sequence, id);
      e.message->body.Written(copy, nullptr);
    }
    return;
  }
  e.message = std::move(message);
  oldest_sent_ms_ = std::min(oldest_sent_ms_, e.message->sent_ms);
  e.sequence = sequence;
  by_sequence_.emplace(sequence, id);
  if (const StoredMessage& m = *e.message; !m.group_id.empty()) {
    AddToGroup(id, m);
    last_sequence_number_ = std::max(last_sequence_number_, m.sequence_number);
    if (m.dead_letter_source.empty()) {
      // The deduplication entry (made live by ReserveFifoSend; rebuilt here on replay) now
      // points at the durable record; expiry counts from the original send.
      Deduplication& d = dedup_[DeduplicationKey(m.group_id, m.deduplication_id)];
      if (d.id == id || d.expires_ms <= m.sent_ms) {
        d = {id, m.sequence_number, m.sent_ms + kFifoDeduplicationMs, sequence};
      }
    }
  }
  ++Counter(e.state);  // counted in its initial state, so SetState can move it on
  if (visible_at_ms > now_ms) {
    MakeTimed(id, e, State::kDelayed, visible_at_ms);
  } else {
    MakeVisible(id, e);
    ServeWaiters(now_ms, out);
  }
}

void StandardQueue::Relocate(const MessageId& id, const WalLocation& location) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.sequence >= location.sequence) return;
  // The old record stays its home (and its segment stays) unless the body can be read here.
  if (!location.known() && !it->second.message->body.in_memory()) return;
  by_sequence_.erase(it->second.sequence);
  it->second.sequence = location.sequence;
  by_sequence_.emplace(location.sequence, id);
  it->second.message->body.Written(location, nullptr);
}

bool StandardQueue::ReservePurge(int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (now_ms - last_purge_ms_ < 60000) return false;
  last_purge_ms_ = now_ms;
  return true;
}

bool StandardQueue::Erase(const MessageId& id, int64_t now_ms, Deliveries* out) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  const bool unblocks = config_.fifo && it->second.state == State::kInFlight;
  EraseEntry(it);
  if (unblocks && out != nullptr) ServeWaiters(now_ms, out);
  return true;
}

bool StandardQueue::Contains(const MessageId& id) const {
  std::lock_guard lock(mu_);
  return entries_.contains(id);
}

void StandardQueue::Purge() {
  std::lock_guard lock(mu_);
  Clear();
}

void StandardQueue::Close(Deliveries* out) {
  std::lock_guard lock(mu_);
  closed_ = true;
  for (auto& [id, w] : waiters_) {
    out->receivers.push_back(
        {name_, std::move(w.done),
         SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist.")});
  }
  waiters_.clear();
  waiter_deadlines_.clear();
  Clear();
}

void StandardQueue::PromoteDue(int64_t now_ms) {
  while (!timed_.empty() && timed_.top().at_ms <= now_ms) {
    const IndexRef ref = timed_.top().ref;
    timed_.pop();
    if (Entry* e = Find(ref)) MakeVisible(ref.id, *e);
  }
}

int64_t StandardQueue::MaxInFlight() const {
  return config_.fifo ? kMaxInFlightFifoMessages : kMaxInFlightMessages;
}

ReceivedMessage StandardQueue::TakeEntry(const MessageId& id, Entry& e,
                                         int visibility_timeout_seconds, int64_t now_ms) {
  ++e.receive_count;
  if (e.first_receive_ms == 0) e.first_receive_ms = now_ms;
  e.receive_token = next_receive_token_++;
  const int64_t visible_at = now_ms + int64_t{visibility_timeout_seconds} * 1000;
  MakeTimed(id, e, State::kInFlight, visible_at);
  return {e.message,          "",        ReceiptHandle{id, e.receive_token}, e.receive_count,
          e.first_receive_ms, visible_at};
}

std::vector<ReceivedMessage> StandardQueue::TakeVisible(int max, int visibility_timeout_seconds,
                                                        int64_t now_ms, Deliveries* out) {
  if (config_.fifo) return TakeFifo(max, visibility_timeout_seconds, now_ms, out);
  std::vector<ReceivedMessage> taken;
  taken.reserve(std::min(static_cast<size_t>(std::max(max, 0)), visible_.size()));
  const int64_t retention_ms = config_.retention_seconds * 1000;
  while (static_cast<int>(taken.size()) < max && !visible_.empty() &&
         counts_.in_flight < kMaxInFlightMessages) {
    const IndexRef ref = visible_.front();
    visible_.pop_front();
    Entry* e = Find(ref);
    if (e == nullptr) continue;  // stale: deleted or moved on since it was queued
    if (e->message->sent_ms + retention_ms <= now_ms) {
      // Expired. Not logged: replay drops it by the same rule.
      EraseEntry(entries_.find(ref.id));
      continue;
    }
    if (config_.max_receive_count > 0 && e->receive_count >= config_.max_receive_count) {
      // This receive would exceed maxReceiveCount: the engine logs the move to the DLQ.
      out->dead_letters.push_back({name_, config_.dead_letter_queue, e->message, e->sequence});
      leaving_.insert(e->sequence);
      EraseEntry(entries_.find(ref.id));
      continue;
    }
    taken.push_back(TakeEntry(ref.id, *e, visibility_timeout_seconds, now_ms));
  }
  return taken;
}

std::vector<ReceivedMessage> StandardQueue::TakeFifo(int max, int visibility_timeout_seconds,
                                                     int64_t now_ms, Deliveries* out) {
  std::vector<ReceivedMessage> taken;
  const int64_t retention_ms = config_.retention_seconds * 1000;
  auto room = [&] {
    return static_cast<int>(taken.size()) < max && counts_.in_flight < MaxInFlight();
  };
  // group_heads_ holds only groups without a message in flight, oldest head first. Taking a
  // message removes its group from it; a group whose head changed otherwise is met again
  // further on (its new head is later) and stops at once.
  for (auto h = group_heads_.begin(); h != group_heads_.end() && room();) {
    const std::pair<uint64_t, std::string> key = *h;
    const std::string& group = key.second;
    // Take the group's messages in order while they are visible: one receive may return
    // several messages of a group, and the group is blocked once any is in flight.
    uint64_t cursor = 0;
    while (room()) {
      auto g = groups_.find(group);
      if (g == groups_.end()) break;
      auto it = g->second.messages.upper_bound(cursor);
      if (it == g->second.messages.end()) break;
      cursor = it->first;
      const MessageId id = it->second;
      auto e = entries_.find(id);
      if (e->second.state != State::kVisible) break;  // delayed: later ones wait behind it
      if (e->second.message->sent_ms + retention_ms <= now_ms) {
        EraseEntry(e);
        continue;
      }
      if (config_.max_receive_count > 0 && e->second.receive_count >= config_.max_receive_count) {
        out->dead_letters.push_back(
            {name_, config_.dead_letter_queue, e->second.message, e->second.sequence});
        leaving_.insert(e->second.sequence);
        EraseEntry(e);
        continue;
      }
      taken.push_back(TakeEntry(id, e->second, visibility_timeout_seconds, now_ms));
    }
    h = group_heads_.upper_bound(key);
  }
  return taken;
}

void StandardQueue::ApplyReceive(const std::vector<ReceiveEntry>& entries) {
  std::lock_guard lock(mu_);
  for (const ReceiveEntry& r : entries) {
    auto it = entries_.find(r.message_id);
    if (it == entries_.end()) continue;  // deleted or expired since
    Entry& e = it->second;
    e.receive_count = r.receive_count;
    e.first_receive_ms = r.first_receive_ms;
    e.receive_token = r.receive_token;
    next_receive_token_ = std::max(next_receive_token_, r.receive_token + 1);
    // The visibility deadline is not restored: a message in flight at a crash is visible again
    // after restart (its receiver may be gone with the crash), as SQS semantics require.
  }
}

size_t StandardQueue::DropExpired(int64_t now_ms) {
  std::lock_guard lock(mu_);
  const int64_t retention_ms = config_.retention_seconds * 1000;
  if (oldest_sent_ms_ > now_ms - retention_ms) return 0;  // nothing is old enough yet
  size_t dropped = 0;
  int64_t oldest = std::numeric_limits<int64_t>::max();
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (it->second.message->sent_ms + retention_ms <= now_ms) {
      EraseEntry(it);
      ++dropped;
    } else {
      oldest = std::min(oldest, it->second.message->sent_ms);
    }
    it = next;
  }
  oldest_sent_ms_ = oldest;
  return dropped;
}

std::optional<uint64_t> StandardQueue::OldestSequence() const {
  std::lock_guard lock(mu_);
  std::optional<uint64_t> oldest;
  if (!by_sequence_.empty()) oldest = by_sequence_.begin()->first;
  if (!leaving_.empty() && (!oldest || *leaving_.begin() < *oldest)) oldest = *leaving_.begin();
  return oldest;
}

void StandardQueue::Left(uint64_t sequence) {
  std::lock_guard lock(mu_);
  if (auto it = leaving_.find(sequence); it != leaving_.end()) leaving_.erase(it);
}

std::vector<MessageCopy> StandardQueue::LiveBetween(uint64_t lo, uint64_t hi, size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<MessageCopy> copies;
  for (auto it = by_sequence_.lower_bound(lo);
       it != by_sequence_.end() && it->first < hi && copies.size() < limit; ++it) {
    const Entry& e = entries_.at(it->second);
    MessageCopy c;
    c.message = e.message;
    c.sequence = e.sequence;
    c.visible_at_ms = e.state == State::kVisible ? 0 : e.visible_at_ms;
    c.received = e.receive_count > 0;
    c.receive_token = e.receive_token;
    c.receive_count = e.receive_count;
    c.first_receive_ms = e.first_receive_ms;
    copies.push_back(std::move(c));
  }
  return copies;
}

void StandardQueue::ServeWaiters(int64_t now_ms, Deliveries* out) {
  while (!waiters_.empty() && counts_.visible > 0) {
    auto it = waiters_.begin();
    Waiter& w = it->second;
    const int vt = w.request.visibility_timeout_seconds >= 0 ? w.request.visibility_timeout_seconds
                                                             : config_.visibility_timeout_seconds;
    auto taken = TakeVisible(w.request.max_messages, vt, now_ms, out);
    if (taken.empty()) break;  // the visible ones had expired
    out->receivers.push_back(
        {name_, std::move(w.done), std::move(taken), config_.max_receive_count > 0});
    for (auto d = waiter_deadlines_.lower_bound(w.deadline_ms);
         d != waiter_deadlines_.end() && d->first == w.deadline_ms; ++d) {
      if (d->second == it->first) {
        waiter_deadlines_.erase(d);
        break;
      }
    }
    waiters_.erase(it);
  }
}

std::optional<int64_t> StandardQueue::NextWake() {
  if (waiters_.empty()) return std::nullopt;
  int64_t next = waiter_deadlines_.begin()->first;
  if (!timed_.empty()) next = std::min(next, timed_.top().at_ms);
  if (next >= scheduled_wake_ms_) return std::nullopt;  // an earlier wake is already scheduled
  scheduled_wake_ms_ = next;
  return next;
}

std::optional<int64_t> StandardQueue::Receive(const ReceiveRequest& request, ReceiveDone done,
                                              int64_t now_ms, Deliveries* out) {
  std::lock_guard lock(mu_);
  if (closed_) {
    out->receivers.push_back(
        {name_, std::move(done),
         SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist.")});
    return std::nullopt;
  }
  PromoteDue(now_ms);
  const int vt = request.visibility_timeout_seconds >= 0 ? request.visibility_timeout_seconds
                                                         : config_.visibility_timeout_seconds;
  const int wait = request.wait_time_seconds >= 0 ? request.wait_time_seconds
                                                  : config_.receive_wait_time_seconds;
  if (counts_.in_flight >= MaxInFlight()) {
    out->receivers.push_back(
        {name_, std::move(done),
         SqsError(SqsErrorCode::kOverLimit, "The maximum number of in flight messages (" +
                                                std::to_string(MaxInFlight()) + ") is reached.")});
    return std::nullopt;
  }
  const bool attempt = config_.fifo && !request.attempt_id.empty();
  if (attempt) {
    for (auto it = attempts_.begin(); it != attempts_.end();) {
      it = it->second.expires_ms <= now_ms ? attempts_.erase(it) : std::next(it);
    }
    if (auto a = attempts_.find(request.attempt_id); a != attempts_.end()) {
      // A retry: the same messages and receipts, those still in flight under that receive.
      std::vector<ReceivedMessage> again;
      for (const ReceivedMessage& r : a->second.received) {
        auto it = entries_.find(r.message->id);
        if (it != entries_.end() && it->second.state == State::kInFlight &&
            it->second.receive_token == r.receipt.receive_token) {
          again.push_back(r);
        }
      }
      if (!again.empty()) {
        out->receivers.push_back({name_, std::move(done), std::move(again), false});
        return std::nullopt;
      }
    }
  }
  auto taken = TakeVisible(request.max_messages, vt, now_ms, out);
  if (attempt && !taken.empty()) {
    attempts_[request.attempt_id] = {taken, now_ms + kFifoDeduplicationMs};
  }
  if (!taken.empty() || wait <= 0) {
    out->receivers.push_back(
        {name_, std::move(done), std::move(taken), config_.max_receive_count > 0});
    return std::nullopt;
  }
  const uint64_t id = next_waiter_++;
  const int64_t deadline = now_ms + int64_t{wait} * 1000;
  waiters_.emplace(id, Waiter{request, std::move(done), deadline});
  waiter_deadlines_.emplace(deadline, id);
  return NextWake();
}

std::optional<int64_t> StandardQueue::Wake(int64_t now_ms, Deliveries* out) {
  std::lock_guard lock(mu_);
  scheduled_wake_ms_ = std::numeric_limits<int64_t>::max();
  PromoteDue(now_ms);
  ServeWaiters(now_ms, out);
  while (!waiter_deadlines_.empty() && waiter_deadlines_.begin()->first <= now_ms) {
    auto it = waiters_.find(waiter_deadlines_.begin()->second);
    waiter_deadlines_.erase(waiter_deadlines_.begin());
    out->receivers.push_back({name_, std::move(it->second.done), std::vector<ReceivedMessage>()});
    waiters_.erase(it);
  }
  return NextWake();
}

Status StandardQueue::ChangeVisibility(const ReceiptHandle& receipt, int timeout_seconds,
                                       int64_t now_ms, Deliveries* out,
                                       std::optional<int64_t>* wake_at_ms) {
  std::lock_guard lock(mu_);
  PromoteDue(now_ms);
  auto it = entries_.find(receipt.message_id);
  if (it == entries_.end()) {
    return SqsError(SqsErrorCode::kReceiptHandleIsInvalid,
                    "The receipt handle has expired or the message was deleted.");
  }
  Entry& e = it->second;
  if (e.state != State::kInFlight || e.receive_token != receipt.receive_token) {
    return SqsError(SqsErrorCode::kMessageNotInflight, "The message is not in flight.");
  }
  if (timeout_seconds == 0) {
    MakeVisible(receipt.message_id, e);
    ServeWaiters(now_ms, out);
  } else {
    MakeTimed(receipt.message_id, e, State::kInFlight, now_ms + int64_t{timeout_seconds} * 1000);
    *wake_at_ms = NextWake();
  }
  return Status::Ok();
}

QueueCounts StandardQueue::Counts(int64_t now_ms) {
  std::lock_guard lock(mu_);
  PromoteDue(now_ms);
  return counts_;
}

}  // namespace roadsense::queue
