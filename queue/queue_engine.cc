#include "queue/queue_engine.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "core/digest.h"
#include "core/md5_lanes.h"
#include "queue/receipt_handle.h"
#include "queue/sqs_error.h"
#include "queue/wal_reader.h"
#include "queue/wal_segment_name.h"
#include "queue/wal_snapshot.h"
#include "queue/wal_writer.h"
#include "sqs/message_attributes.h"

namespace roadsense::queue {
namespace {

Status NoSuchQueue() {
  return SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist.");
}

// The values a queue's settings have, as GetQueueAttributes reports them.
QueueAttributeMap EffectiveAttributes(const QueueConfig& c) {
  QueueAttributeMap a = {
      {"VisibilityTimeout", std::to_string(c.visibility_timeout_seconds)},
      {"DelaySeconds", std::to_string(c.delay_seconds)},
      {"MessageRetentionPeriod", std::to_string(c.retention_seconds)},
      {"MaximumMessageSize", std::to_string(c.maximum_message_size)},
      {"ReceiveMessageWaitTimeSeconds", std::to_string(c.receive_wait_time_seconds)},
  };
  if (c.fifo) {
    a["FifoQueue"] = "true";
    a["ContentBasedDeduplication"] = c.content_based_deduplication ? "true" : "false";
    a["DeduplicationScope"] = c.deduplicate_per_group ? "messageGroup" : "queue";
    a["FifoThroughputLimit"] = c.throughput_per_group ? "perMessageGroupId" : "perQueue";
  }
  a["SqsManagedSseEnabled"] = c.sqs_managed_sse ? "true" : "false";
  if (!c.kms_master_key_id.empty()) {
    a["KmsMasterKeyId"] = c.kms_master_key_id;
    a["KmsDataKeyReusePeriodSeconds"] = std::to_string(c.kms_data_key_reuse_seconds);
  }
  return a;
}

// CreateQueue on an existing queue succeeds only if every given attribute has its current value.
bool AttributesMatch(const StandardQueue& queue, const QueueAttributeMap& given) {
  const QueueAttributeMap set = queue.attributes();
  const QueueAttributeMap effective = EffectiveAttributes(queue.config());
  for (const auto& [name, value] : given) {
    if (auto it = effective.find(name); it != effective.end()) {
      if (it->second != value) return false;
    } else if (auto s = set.find(name); s == set.end() || s->second != value) {
      return false;
    }
  }
  return true;
}

// SSE-SQS and SSE-KMS in one request: SQS takes one or the other.
Status CheckOneEncryptionKind(const QueueAttributeMap& attributes) {
  const auto sse = attributes.find("SqsManagedSseEnabled");
  const auto kms = attributes.find("KmsMasterKeyId");
  if (sse != attributes.end() && sse->second == "true" && kms != attributes.end() &&
      !kms->second.empty()) {
    return SqsError(SqsErrorCode::kInvalidAttributeValue,
                    "Invalid value for the parameter SqsManagedSseEnabled: a queue is encrypted "
                    "either with SqsManagedSseEnabled (SSE-SQS) or with KmsMasterKeyId "
                    "(SSE-KMS), not both.");
  }
  return Status::Ok();
}

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

QueueEngine::QueueEngine(QueueEngineOptions options)
    : options_(std::move(options)),
      body_budget_(std::make_shared<MessageBody::Budget>(options_.body_memory_bytes)) {
  if (options_.encryption_keys) cipher_ = std::make_unique<WalCipher>(*options_.encryption_keys);
  body_reader_ = std::make_unique<WalBodyReader>(options_.data_dir, cipher_.get());
}

QueueEngine::~QueueEngine() {
  Close();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<QueueEngine>> QueueEngine::Open(QueueEngineOptions options) {
  std::unique_ptr<QueueEngine> engine(new QueueEngine(std::move(options)));
  RS_RETURN_IF_ERROR(engine->Recover());
  return engine;
}

Status QueueEngine::Recover() {
  const std::string& dir = options_.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("create data directory " + dir + ": " + ec.message());
  const std::string lock_path = dir + "/LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return IoError("open " + lock_path + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status(StatusCode::kFailedPrecondition,
                  "data directory " + dir + " is in use by another roadsense-queue");
  }

  const int64_t now = NowMs();
  auto snapshot = ReadLatestWalSnapshot(dir);
  if (!snapshot.ok()) return snapshot.status();
  if (*snapshot) {
    snapshot_sequence_ = (*snapshot)->sequence;
    for (auto& def : (*snapshot)->queues) {
      auto config = QueueConfig().With(def.create.attributes);
      if (!config.ok()) return config.status();
      auto q = std::make_shared<StandardQueue>(def.create.name, *config, def.create.attributes,
                                               def.create.created_ms);
      q->SetAttributes(*config, {}, def.modified_ms);
      q->ApplyTags(def.create.tags, {});
      q->set_owner_account(def.create.owner_account);
      queues_.emplace(def.create.name, std::move(q));
    }
  }
  replaying_ = true;
  WalReader reader(dir);
  auto recovered = reader.Recover([&](uint64_t seq, WalRecordType type, std::string_view payload) {
    auto record = DecodeWalPayload(type, payload, cipher_.get());
    if (!record.ok()) return record.status();
    Deliveries none;  // nobody is waiting during replay
    // The status is what the client was told at the time; replay only needs the state.
    WalLocation where = reader.record_location();
    where.sequence = seq;
    (void)Apply(*record, where, now, &none);
    return Status::Ok();
  });
  replaying_ = false;
  if (!recovered.ok()) return recovered.status();
  // An SSE queue must be able to seal its next message: refuse to start rather than fail sends.
  for (const auto& [name, q] : queues_) {
    if (auto key = KeyIdFor(q->config()); !key.ok()) {
      std::string why;
      SqsErrorCodeOf(key.status(), &why);
      return Status(StatusCode::kFailedPrecondition, "queue " + name + ": " + why);
    }
  }
  spdlog::info("recovered {} WAL records from {} segments in {}: {} queues", recovered->records,
               recovered->segments, dir, queues_.size());

  auto writer = WalWriter::Open({dir, options_.segment_target_bytes}, recovered->next_sequence);
  if (!writer.ok()) return writer.status();
  committer_ = std::make_unique<GroupCommitter>(std::move(*writer));
  committer_->SetMaintenance([this](const WalWriter& w, std::vector<WalRecord>* records,
                                    GroupCommitter::Done* done) { Maintain(w, records, done); },
                             options_.reclaim_interval);
  committer_->Start();
  timer_ = std::make_unique<TimerThread>();
  return Status::Ok();
}

void QueueEngine::Close() {
  if (committer_) committer_->Stop();
  if (timer_) timer_->Stop();
  // Parked receivers get an empty answer rather than never hearing back.
  std::vector<std::shared_ptr<StandardQueue>> queues;
  {
    std::shared_lock lock(queues_mu_);
    for (const auto& [name, q] : queues_) queues.push_back(q);
  }
  Deliveries out;
  for (const auto& q : queues) q->Wake(std::numeric_limits<int64_t>::max(), &out);
  Deliver(out);
}

std::shared_ptr<StandardQueue> QueueEngine::Find(const std::string& name) const {
  std::shared_lock lock(queues_mu_);
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<StandardQueue>> QueueEngine::FindOrError(const std::string& name) const {
  auto q = Find(name);
  if (!q) return NoSuchQueue();
  return q;
}

void QueueEngine::Commit(
    std::vector<WalRecord> records,
    std::function<void(const Status& wal, std::vector<Status>& applied)> done) {
  committer_->Submit(std::move(records), [this, done = std::move(done)](
                                             const Status& wal, std::vector<WalRecord>& records,
                                             uint64_t last_sequence) {
    std::vector<Status> applied;
    applied.reserve(records.size());
    Deliveries out;
    if (wal.ok()) {
      const int64_t now = NowMs();
      uint64_t sequence = last_sequence + 1 - records.size();
      for (auto& r : records) {
        WalLocation where = committer_->WrittenLocation(sequence);
        where.sequence = sequence++;
        applied.push_back(Apply(r, where, now, &out));
      }
    }
    Deliver(out);
    done(wal, applied);
  });
}

void QueueEngine::Deliver(Deliveries& out) {
  for (DeadLetter& d : out.dead_letters) {
    const StoredMessage& m = *d.message;
    // Until Left(), the source queue keeps the segment of the message's Send record (it is out
    // of memory, but its move is not in the log yet; the body may have to be read from there).
    auto left = [this](const DeadLetter& d, bool put_back) {
      auto q = Find(d.source);
      if (!q) return;
      Deliveries more;
      if (put_back) q->Insert(d.message, 0, d.sequence, NowMs(), &more);  // visible again
      q->Left(d.sequence);
      Deliver(more);
    };
    if (!Find(d.target)) {
      // The dead-letter queue is gone: keep the message where it is, visible again.
      spdlog::warn("dead-letter queue {} of {} does not exist; message {} stays", d.target,
                   d.source, m.id.ToString());
      left(d, true);
      continue;
    }
    auto body = BodyOf(m);
    if (!body.ok()) {
      left(d, true);  // its record cannot be read back (logged by BodyOf): it stays
      continue;
    }
    SendRecord send;
    send.queue = d.target;
    send.message_id = m.id;
    send.sent_ms = m.sent_ms;  // retention counts from the original enqueue, as in SQS
    send.delay_seconds = 0;
    send.sender_id = m.sender_id;
    send.body = std::move(*body);
    send.message_attributes = m.attributes;
    send.system_attributes = m.system_attributes;
    send.dead_letter_source = d.source;  // DeadLetterQueueSourceArn; where a move task returns it
    // FIFO → FIFO dead-letter queue: group, deduplication id and SequenceNumber stay.
    send.group_id = m.group_id;
    send.deduplication_id = m.deduplication_id;
    send.sequence_number = m.sequence_number;
    if (auto target = Find(d.target)) Seal(target->config(), send);
    std::vector<WalRecord> records;
    records.push_back(std::move(send));
    records.push_back(DeleteRecord{d.source, m.id});
    Commit(std::move(records), [left, d](const Status& wal, std::vector<Status>&) {
      // Not logged (e.g. disk full): the message stays in its queue, visible again, instead of
      // vanishing from memory with its Send record no longer kept from space reclamation.
      left(d, !wal.ok());
    });
  }
  out.dead_letters.clear();
  for (Delivery& d : out.receivers) {
    if (!d.result.ok() || d.result->empty()) {
      d.done(std::move(d.result));
      continue;
    }
    // Bodies not in memory are read from the log before the receive is logged or answered. A
    // body that cannot be read fails the receive (500): its messages stay in flight and come
    // back after their visibility timeout, and no Receive record counts the failed attempt.
    // Bodies in memory are answered from there (ReceivedMessage::body()), without a copy.
    Status unreadable;
    for (ReceivedMessage& r : *d.result) {
      std::string_view in_memory;
      WalLocation where;
      if (r.message->body.View(&in_memory, &where)) continue;
      auto body = BodyFromLog(*r.message, where);
      if (!body.ok()) {
        unreadable = body.status();
        break;
      }
      r.body_from_log = std::move(*body);
    }
    if (!unreadable.ok()) {
      d.done(Internal("cannot read a message body: " + unreadable.message()));
      continue;
    }
    if (!committer_) {
      d.done(std::move(d.result));
      continue;
    }
    ReceiveRecord record;
    record.queue = d.queue;
    record.entries.reserve(d.result->size());
    for (const ReceivedMessage& r : *d.result) {
      record.entries.push_back({r.message->id, r.receipt.receive_token, r.receive_count,
                                r.first_receive_ms, r.visible_at_ms});
    }
    std::vector<WalRecord> records;
    records.push_back(std::move(record));
    // The record is not applied again when durable: the receive already changed the state.
    if (!d.counts_matter) {
      // No RedrivePolicy: the count is informational, so answer now and let the record ride
      // the next group commit without starting one (no fsync of its own).
      committer_->Submit(
          std::move(records), [](const Status&, std::vector<WalRecord>&, uint64_t) {},
          /*urgent=*/false);
      d.done(std::move(d.result));
      continue;
    }
    // maxReceiveCount must hold across crashes: answered only once durable.
    committer_->Submit(std::move(records),
                       [done = std::move(d.done), result = std::move(d.result)](
                           const Status& wal, std::vector<WalRecord>&, uint64_t) mutable {
                         if (!wal.ok()) return done(wal);
                         done(std::move(result));
                       });
  }
  out.receivers.clear();
}

void QueueEngine::ScheduleWake(const std::shared_ptr<StandardQueue>& queue,
                               std::optional<int64_t> at_ms) {
  if (!at_ms) return;
  const auto delay = std::chrono::milliseconds(std::max<int64_t>(0, *at_ms - NowMs()));
  std::weak_ptr<StandardQueue> weak = queue;
  timer_->Schedule(TimerThread::Clock::now() + delay, [this, weak] {
    auto q = weak.lock();
    if (!q) return;
    Deliveries out;
    auto next = q->Wake(NowMs(), &out);
    Deliver(out);
    ScheduleWake(q, next);
  });
}

// ---- Apply: the one path from a durable record to state -------------------------------------

Status QueueEngine::Apply(WalRecord& record, uint64_t sequence, int64_t now_ms, Deliveries* out) {
  return Apply(record, WalLocation{.sequence = sequence}, now_ms, out);
}

Status QueueEngine::Apply(WalRecord& record, const WalLocation& location, int64_t now_ms,
                          Deliveries* out) {
  const uint64_t sequence = location.sequence;
  applying_sequence_ = sequence;
  applying_location_ = location;
  if (replaying_ && sequence <= snapshot_sequence_) {
    // The snapshot holds the final queue definitions as of its sequence (wal_format.md).
    if (std::holds_alternative<CreateQueueRecord>(record) ||
        std::holds_alternative<SetQueueAttributesRecord>(record) ||
        std::holds_alternative<TagQueueRecord>(record)) {
      return Status::Ok();
    }
    if (auto* d = std::get_if<DeleteQueueRecord>(&record)) {
      if (auto q = Find(d->queue)) q->Purge();
      return Status::Ok();
    }
  }
  return std::visit([&](auto& r) { return ApplyRecord(r, now_ms, out); }, record);
}

Status QueueEngine::ApplyRecord(ReceiveRecord& r, int64_t, Deliveries*) {
  if (auto q = Find(r.queue)) q->ApplyReceive(r.entries);
  return Status::Ok();
}

Status QueueEngine::ApplyRecord(TagQueueRecord& r, int64_t, Deliveries*) {
  auto q = Find(r.queue);
  if (!q) return NoSuchQueue();
  q->ApplyTags(r.set, r.remove);
  return Status::Ok();
}

Status QueueEngine::ApplyRecord(CreateQueueRecord& r, int64_t, Deliveries*) {
  std::unique_lock lock(queues_mu_);
  if (auto it = queues_.find(r.name); it != queues_.end()) {
    if (AttributesMatch(*it->second, r.attributes)) return Status::Ok();
    return SqsError(SqsErrorCode::kQueueNameExists,
                    "A queue already exists with the same name and a different value for an "
                    "attribute.");
  }
  auto config = QueueConfig().With(r.attributes);
  if (!config.ok()) return config.status();
  auto q = std::make_shared<StandardQueue>(r.name, *config, r.attributes, r.created_ms);
  q->ApplyTags(r.tags, {});
  q->set_owner_account(r.owner_account);
  queues_.emplace(r.name, std::move(q));
  return Status::Ok();
}

Status QueueEngine::ApplyRecord(SendRecord& r, int64_t now_ms, Deliveries* out) {
  auto q = Find(r.queue);
  if (!q) return NoSuchQueue();
  const QueueConfig config = q->config();
  if (r.sent_ms + config.retention_seconds * 1000 <= now_ms) return Status::Ok();  // expired
  if (config.fifo != !r.group_id.empty()) {
    // Only a dead-letter move can cross queue types (its target's type was checked when the
    // RedrivePolicy was set): a standard queue ignores the group; a FIFO queue files a message
    // without one under its message id.
    if (config.fifo) {
      r.group_id = r.message_id.ToString();
      r.deduplication_id = r.group_id;
      if (r.sequence_number == 0) r.sequence_number = applying_sequence_;
    } else {
      r.group_id.clear();
      r.deduplication_id.clear();
      r.sequence_number = 0;
    }
  }
  auto message = std::make_shared<StoredMessage>();
  message->id = r.message_id;
  message->md5_of_body = r.md5_of_body ? *r.md5_of_body : Md5HexText(r.body);  // sqs::Md5OfBody
  message->md5_of_attributes = sqs::Md5OfMessageAttributes(r.message_attributes);
  message->md5_of_system_attributes = sqs::Md5OfMessageAttributes(r.system_attributes);
  message->system_attributes = std::move(r.system_attributes);
  message->dead_letter_source = std::move(r.dead_letter_source);
  message->body = std::move(r.body);
  // The record is written (live: fsynced; replay: in the log): memory may let the body go.
  message->body.Written(applying_location_, body_budget_);
  message->attributes = std::move(r.message_attributes);
  message->sent_ms = r.sent_ms;
  message->delay_seconds = r.delay_seconds;
  message->sender_id = std::move(r.sender_id);
  message->group_id = std::move(r.group_id);
  message->deduplication_id = std::move(r.deduplication_id);
  message->sequence_number = r.sequence_number;
  q->Insert(std::move(message), r.sent_ms + int64_t{r.delay_seconds} * 1000, applying_sequence_,
            now_ms, out);
  return Status::Ok();
}

Status QueueEngine::ApplyRecord(DeleteRecord& r, int64_t now_ms, Deliveries* out) {
  if (auto q = Find(r.queue)) q->Erase(r.message_id, now_ms, out);
  return Status::Ok();
}

Status QueueEngine::ApplyRecord(DeleteQueueRecord& r, int64_t, Deliveries* out) {
  std::shared_ptr<StandardQueue> q;
  {
    std::unique_lock lock(queues_mu_);
    auto it = queues_.find(r.queue);
    if (it == queues_.end()) return NoSuchQueue();
    q = std::move(it->second);
    queues_.erase(it);
  }
  q->Close(out);
  return Status::Ok();
}

Status QueueEngine::ApplyRecord(PurgeQueueRecord& r, int64_t, Deliveries*) {
  auto q = Find(r.queue);
  if (!q) return NoSuchQueue();
  q->Purge();
  return Status::Ok();
}

Status QueueEngine::ApplyRecord(SetQueueAttributesRecord& r, int64_t, Deliveries*) {
  auto q = Find(r.queue);
  if (!q) return NoSuchQueue();
  auto config = q->config().With(r.attributes);
  if (!config.ok()) return config.status();
  q->SetAttributes(*config, r.attributes, r.modified_ms);
  return Status::Ok();
}

// ---- Live operations ------------------------------------------------------------------------

namespace {
// Adapts a single-record commit to a StatusCallback.
auto FirstStatus(QueueEngine::StatusCallback done) {
  return [done = std::move(done)](const Status& wal, std::vector<Status>& applied) {
    done(wal.ok() ? applied.front() : wal);
  };
}
}  // namespace

void QueueEngine::CreateQueue(const std::string& name, const QueueAttributeMap& attributes,
                              StatusCallback done) {
  CreateQueue(name, attributes, {}, "", std::move(done));
}

void QueueEngine::CreateQueue(const std::string& name, const QueueAttributeMap& attributes,
                              const QueueAttributeMap& tags, const std::string& owner_account,
                              StatusCallback done) {
  if (auto q = Find(name); q && q->owner_account() != owner_account) {
    return done(SqsError(SqsErrorCode::kQueueNameExists,
                         "A queue with this name already exists in another account."));
  }
  if (auto q = Find(name)) {
    // Answered without logging: nothing changes.
    done(AttributesMatch(*q, attributes)
             ? Status::Ok()
             : SqsError(SqsErrorCode::kQueueNameExists,
                        "A queue already exists with the same name and a different value for an "
                        "attribute."));
    return;
  }
  if (Status s = CheckOneEncryptionKind(attributes); !s.ok()) return done(s);
  auto config = QueueConfig().With(attributes);
  if (!config.ok()) return done(config.status());
  if (config->fifo != name.ends_with(".fifo")) {
    return done(SqsError(SqsErrorCode::kInvalidParameterValue,
                         config->fifo ? "The name of a FIFO queue can only include alphanumeric "
                                        "characters, hyphens, or underscores, must end with .fifo "
                                        "suffix and be 1 to 80 in length."
                                      : "A queue name ending in .fifo requires the attribute "
                                        "FifoQueue=true."));
  }
  if (Status s = CheckRedrive(name, *config); !s.ok()) return done(s);
  if (auto key = KeyIdFor(*config); !key.ok()) return done(key.status());
  std::vector<WalRecord> records;
  records.push_back(CreateQueueRecord{name, NowMs(), attributes, tags, owner_account});
  Commit(std::move(records), FirstStatus(std::move(done)));
}

void QueueEngine::TagQueue(const std::string& name, const QueueAttributeMap& set,
                           const std::vector<std::string>& remove, StatusCallback done) {
  if (!Find(name)) return done(NoSuchQueue());
  std::vector<WalRecord> records;
  records.push_back(TagQueueRecord{name, set, remove});
  Commit(std::move(records), FirstStatus(std::move(done)));
}

Result<std::string> QueueEngine::GetQueueOwner(const std::string& name) const {
  auto q = FindOrError(name);
  if (!q.ok()) return q.status();
  return (*q)->owner_account();
}

Result<QueueAttributeMap> QueueEngine::GetQueueTags(const std::string& name) const {
  auto q = FindOrError(name);
  if (!q.ok()) return q.status();
  return (*q)->tags();
}

bool QueueEngine::QueueExists(const std::string& name) const { return Find(name) != nullptr; }

Result<QueueConfig> QueueEngine::GetQueueConfig(const std::string& name) const {
  auto q = Find(name);
  if (!q) return NoSuchQueue();
  return q->config();
}

std::vector<std::string> QueueEngine::ListQueues(const std::string& prefix) const {
  std::vector<std::string> names;
  {
    std::shared_lock lock(queues_mu_);
    for (const auto& [name, q] : queues_) {
      if (name.starts_with(prefix)) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

void QueueEngine::DeleteQueue(const std::string& name, StatusCallback done) {
  if (!Find(name)) return done(NoSuchQueue());
  std::vector<WalRecord> records;
  records.push_back(DeleteQueueRecord{name});
  Commit(std::move(records), FirstStatus(std::move(done)));
}

Result<std::string> QueueEngine::KeyIdFor(const QueueConfig& config) const {
  if (!config.encrypted()) return std::string();
  if (!cipher_) {
    return SqsError(SqsErrorCode::kInvalidAttributeValue,
                    std::string("Invalid value for the parameter ") +
                        (config.sqs_managed_sse ? "SqsManagedSseEnabled" : "KmsMasterKeyId") +
                        ": server-side encryption needs the server to have encryption keys "
                        "(--encryption-keys-file).");
  }
  const WalKeyring& keys = cipher_->keys();
  // SSE-SQS and the AWS managed key alias use the current key; any other id names a key.
  if (config.sqs_managed_sse || config.kms_master_key_id == "alias/aws/sqs") {
    return keys.current_key_id();
  }
  if (keys.Find(config.kms_master_key_id) == nullptr) {
    return SqsError(SqsErrorCode::kInvalidAttributeValue,
                    "Invalid value for the parameter KmsMasterKeyId: key " +
                        config.kms_master_key_id +
                        " does not exist (not a key id of the server's encryption keys file, "
                        "nor alias/aws/sqs).");
  }
  return config.kms_master_key_id;
}

void QueueEngine::Seal(const QueueConfig& config, SendRecord& send) const {
  auto key = KeyIdFor(config);
  send.key_id = key.ok() ? *key : "";
  if (!key.ok()) {  // cannot happen: creation, SetQueueAttributes and Open() checked the key
    spdlog::critical("no key to seal a message of queue {}: {}", send.queue,
                     key.status().ToString());
    std::abort();
  }
  send.cipher = cipher_.get();
  send.data_key_reuse_seconds = config.kms_data_key_reuse_seconds;
}

Status QueueEngine::CheckRedrive(const std::string& source, const QueueConfig& config) const {
  if (config.dead_letter_queue.empty()) return Status::Ok();
  auto bad = [&](const std::string& why) {
    return SqsError(SqsErrorCode::kInvalidParameterValue,
                    "Value for parameter RedrivePolicy is invalid. Reason: " + why);
  };
  if (config.dead_letter_queue == source)
    return bad("A queue cannot be its own dead-letter queue.");
  auto target = Find(config.dead_letter_queue);
  if (!target) return bad("Dead-letter target does not exist.");
  if (target->config().fifo != source.ends_with(".fifo")) {
    return bad(
        "The dead-letter queue of a FIFO queue must be a FIFO queue, and that of a "
        "standard queue a standard queue.");
  }
  // ARNs differ only by region/account, which every queue of this server shares.
  const std::string prefix =
      config.dead_letter_arn.substr(0, config.dead_letter_arn.find_last_of(':') + 1);
  if (!target->config().AllowsRedriveFrom(prefix + source)) {
    return bad("The dead-letter queue's RedriveAllowPolicy does not allow this source queue.");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> QueueEngine::ListDeadLetterSourceQueues(
    const std::string& name) const {
  if (!Find(name)) return NoSuchQueue();
  std::vector<std::string> names;
  {
    std::shared_lock lock(queues_mu_);
    for (const auto& [n, q] : queues_) {
      if (q->config().dead_letter_queue == name) names.push_back(n);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

void QueueEngine::PurgeQueue(const std::string& name, StatusCallback done) {
  auto q = Find(name);
  if (!q) return done(NoSuchQueue());
  if (!q->ReservePurge(NowMs())) {
    return done(
        SqsError(SqsErrorCode::kPurgeQueueInProgress,
                 "Only one PurgeQueue operation on " + name + " is allowed every 60 seconds."));
  }
  std::vector<WalRecord> records;
  records.push_back(PurgeQueueRecord{name, NowMs()});
  Commit(std::move(records), FirstStatus(std::move(done)));
}

void QueueEngine::SetQueueAttributes(const std::string& name, const QueueAttributeMap& attributes,
                                     StatusCallback done) {
  auto q = Find(name);
  if (!q) return done(NoSuchQueue());
  if (attributes.contains("FifoQueue")) {
    return done(SqsError(SqsErrorCode::kInvalidAttributeName,
                         "FifoQueue can only be set when the queue is created."));
  }
  if (Status s = CheckOneEncryptionKind(attributes); !s.ok()) return done(s);
  auto config = q->config().With(attributes);
  if (!config.ok()) return done(config.status());
  // Switching between SSE-SQS and SSE-KMS also records the other one as off, so the stored
  // attributes (GetQueueAttributes, snapshots) never name both.
  QueueAttributeMap logged = attributes;
  if (!config->kms_master_key_id.empty() && attributes.contains("KmsMasterKeyId")) {
    logged["SqsManagedSseEnabled"] = "false";
  } else if (config->sqs_managed_sse && attributes.contains("SqsManagedSseEnabled")) {
    logged["KmsMasterKeyId"] = "";
  }
  if (attributes.contains("RedrivePolicy")) {
    if (Status s = CheckRedrive(name, *config); !s.ok()) return done(s);
  }
  if (auto key = KeyIdFor(*config); !key.ok()) return done(key.status());
  std::vector<WalRecord> records;
  records.push_back(SetQueueAttributesRecord{name, NowMs(), std::move(logged)});
  Commit(std::move(records), FirstStatus(std::move(done)));
}

Result<QueueAttributeMap> QueueEngine::GetQueueAttributes(const std::string& name) const {
  auto q = Find(name);
  if (!q) return NoSuchQueue();
  QueueAttributeMap all = q->attributes();
  for (auto& [k, v] : EffectiveAttributes(q->config())) all[k] = v;
  const QueueCounts counts = q->Counts(NowMs());
  all["ApproximateNumberOfMessages"] = std::to_string(counts.visible);
  all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(counts.in_flight);
  all["ApproximateNumberOfMessagesDelayed"] = std::to_string(counts.delayed);
  // SQS reports these two in epoch seconds.
  all["CreatedTimestamp"] = std::to_string(q->created_ms() / 1000);
  all["LastModifiedTimestamp"] = std::to_string(q->modified_ms() / 1000);
  // Switched to SSE-SQS (or off) after SSE-KMS: the stored key id no longer applies.
  if (q->config().kms_master_key_id.empty()) all.erase("KmsMasterKeyId");
  return all;
}

Result<std::string> QueueEngine::GetSetQueueAttribute(const std::string& name,
                                                      const std::string& attribute) const {
  auto q = Find(name);
  if (!q) return NoSuchQueue();
  return q->attribute(attribute);
}

void QueueEngine::SendMessages(const std::string& queue, std::vector<NewMessage> messages,
                               Callback<std::vector<SentMessage>> done) {
  auto q = Find(queue);
  if (!q) return done(NoSuchQueue());
  const QueueConfig config = q->config();
  const int64_t now = NowMs();
  std::vector<WalRecord> records;
  std::vector<SentMessage> sent;
  records.reserve(messages.size());
  sent.reserve(messages.size());
  std::unique_lock fifo_lock(fifo_send_mu_, std::defer_lock);
  if (config.fifo) fifo_lock.lock();
  struct Reserved {
    std::string group_id, deduplication_id;
    MessageId id;
  };
  std::vector<Reserved> reserved;  // released again if the send fails
  // A batch's body digests side by side (several MD5 streams per core, core/md5_lanes.h).
  std::vector<std::string_view> bodies;
  bodies.reserve(messages.size());
  for (const auto& m : messages) bodies.push_back(m.body);
  // By value: the answer and the stored message each keep one.
  const std::vector<FixedText<32>> body_digests = sqs::Md5OfBodies(bodies);
  for (size_t i = 0; i < messages.size(); ++i) {
    NewMessage& m = messages[i];
    SendRecord r;
    r.queue = queue;
    r.message_id = MessageId::Random();
    if (!config.fifo) {
      m.group_id.clear();  // a standard queue has no groups (e.g. a move task's copy)
      m.deduplication_id.clear();
    } else if (m.group_id.empty() || m.deduplication_id.empty()) {
      return done(SqsError(SqsErrorCode::kMissingParameter,
                           "The request must contain the parameter MessageGroupId."));
    }
    if (config.fifo) {
      const FifoReservation f = q->ReserveFifoSend(m.group_id, m.deduplication_id, now);
      r.message_id = f.id;
      r.sequence_number = f.sequence_number;
      if (f.duplicate) {
        // Accepted, not enqueued again: the original's id and SequenceNumber.
        sent.push_back({f.id, body_digests[i], sqs::Md5OfMessageAttributes(m.attributes),
                        sqs::Md5OfMessageAttributes(m.system_attributes), f.sequence_number});
        continue;
      }
      reserved.push_back({m.group_id, m.deduplication_id, f.id});
    }
    r.sent_ms = now;
    r.delay_seconds = m.delay_seconds >= 0 ? m.delay_seconds : config.delay_seconds;
    r.sender_id = std::move(m.sender_id);
    sent.push_back({r.message_id, body_digests[i], sqs::Md5OfMessageAttributes(m.attributes),
                    sqs::Md5OfMessageAttributes(m.system_attributes), r.sequence_number});
    r.md5_of_body = body_digests[i];
    r.body = std::move(m.body);
    r.message_attributes = std::move(m.attributes);
    r.system_attributes = std::move(m.system_attributes);
    r.group_id = std::move(m.group_id);
    r.deduplication_id = std::move(m.deduplication_id);
    Seal(config, r);
    records.push_back(std::move(r));
  }
  // Only duplicates: their originals may not be durable yet, so answer after an empty Receive
  // record's fsync, which (submitted later under fifo_send_mu_) covers them.
  if (records.empty()) records.push_back(ReceiveRecord{queue, {}});
  Commit(std::move(records),
         [q, done = std::move(done), sent = std::move(sent), reserved = std::move(reserved)](
             const Status& wal, std::vector<Status>& applied) mutable {
           Status failed = wal;
           for (const Status& s : applied) {
             if (failed.ok() && !s.ok()) failed = s;  // the queue was deleted meanwhile
           }
           if (!failed.ok()) {
             for (const Reserved& r : reserved)
               q->ReleaseFifoSend(r.group_id, r.deduplication_id, r.id);
             return done(failed);
           }
           done(std::move(sent));
         });
}

void QueueEngine::ReceiveMessages(const std::string& queue, const ReceiveRequest& request,
                                  ReceiveDone done) {
  auto q = Find(queue);
  if (!q) return done(NoSuchQueue());
  Deliveries out;
  auto wake = q->Receive(request, std::move(done), NowMs(), &out);
  Deliver(out);
  ScheduleWake(q, wake);
}

void QueueEngine::DeleteMessages(const std::string& queue,
                                 const std::vector<std::string_view>& receipt_handles,
                                 std::function<void(std::vector<Status>)> done) {
  auto q = Find(queue);
  if (!q) return done(std::vector<Status>(receipt_handles.size(), NoSuchQueue()));
  std::vector<Status> statuses(receipt_handles.size());
  std::vector<WalRecord> records;
  std::vector<size_t> logged;  // index into statuses of each record
  records.reserve(receipt_handles.size());
  logged.reserve(receipt_handles.size());
  for (size_t i = 0; i < receipt_handles.size(); ++i) {
    const auto handle = ReceiptHandle::Decode(receipt_handles[i]);
    if (!handle) {
      statuses[i] = SqsError(SqsErrorCode::kReceiptHandleIsInvalid,
                             "The input receipt handle \"" + std::string(receipt_handles[i]) +
                                 "\" is not a valid receipt handle.");
    } else if (q->Contains(handle->message_id)) {
      records.push_back(DeleteRecord{queue, handle->message_id});
      logged.push_back(i);
    }  // else: already deleted (or expired); SQS answers success
  }
  if (records.empty()) return done(std::move(statuses));
  Commit(std::move(records),
         [done = std::move(done), statuses = std::move(statuses), logged = std::move(logged)](
             const Status& wal, std::vector<Status>& applied) mutable {
           for (size_t k = 0; k < logged.size(); ++k) {
             statuses[logged[k]] = wal.ok() ? applied[k] : wal;
           }
           done(std::move(statuses));
         });
}

Status QueueEngine::ChangeMessageVisibility(const std::string& queue,
                                            const std::string& receipt_handle,
                                            int timeout_seconds) {
  auto q = FindOrError(queue);
  if (!q.ok()) return q.status();
  const auto handle = ReceiptHandle::Decode(receipt_handle);
  if (!handle) {
    return SqsError(
        SqsErrorCode::kReceiptHandleIsInvalid,
        "The input receipt handle \"" + receipt_handle + "\" is not a valid receipt handle.");
  }
  Deliveries out;
  std::optional<int64_t> wake;
  Status s = (*q)->ChangeVisibility(*handle, timeout_seconds, NowMs(), &out, &wake);
  Deliver(out);
  ScheduleWake(*q, wake);
  return s;
}

// ---- Space reclamation (committer thread) ---------------------------------------------------

void QueueEngine::Maintain(const WalWriter& writer, std::vector<WalRecord>* records,
                           GroupCommitter::Done* done) {
  const int64_t now = NowMs();
  if (now < next_maintenance_ms_) return;
  next_maintenance_ms_ = now + options_.reclaim_interval.count();
  std::vector<std::shared_ptr<StandardQueue>> queues;
  {
    std::shared_lock lock(queues_mu_);
    for (const auto& [name, q] : queues_) queues.push_back(q);
  }
  for (const auto& q : queues) q->DropExpired(now);
  if (Status s = DeleteReclaimableSegments(writer); !s.ok()) {
    spdlog::warn("WAL space reclamation failed: {}", s.ToString());
    return;
  }

  // Copy forward the few live messages still in the oldest segment, so it can go next time.
  std::vector<uint64_t> firsts;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(options_.data_dir, ec)) {
    if (auto n = ParseWalSegmentName(e.path().filename().string())) firsts.push_back(*n);
  }
  std::sort(firsts.begin(), firsts.end());
  if (firsts.size() < 2) return;
  const uint64_t lo = firsts[0], hi = firsts[1];
  const size_t budget = std::min<uint64_t>(4096, (hi - lo) / 8);
  std::vector<std::pair<std::shared_ptr<StandardQueue>, MessageCopy>> copies;
  for (const auto& q : queues) {
    for (auto& c : q->LiveBetween(lo, hi, budget + 1)) copies.emplace_back(q, std::move(c));
    if (copies.size() > budget) return;  // still mostly live: copying would cost too much
  }
  if (copies.empty()) return;
  for (auto& [q, c] : copies) {
    const std::string& queue = q->name();
    const StoredMessage& m = *c.message;
    SendRecord send;
    send.queue = queue;
    send.message_id = m.id;
    send.sent_ms = m.sent_ms;
    send.delay_seconds = m.delay_seconds;
    send.sender_id = m.sender_id;
    auto body = BodyOf(m);
    if (!body.ok()) continue;  // not copied (logged): its segment stays
    send.body = std::move(*body);
    send.message_attributes = m.attributes;
    send.system_attributes = m.system_attributes;
    send.dead_letter_source = m.dead_letter_source;
    send.group_id = m.group_id;
    send.deduplication_id = m.deduplication_id;
    send.sequence_number = m.sequence_number;
    Seal(q->config(), send);  // with the queue's key of now: rotation re-encrypts copies
    records->push_back(std::move(send));
    if (c.received) {
      records->push_back(ReceiveRecord{
          queue, {{m.id, c.receive_token, c.receive_count, c.first_receive_ms, c.visible_at_ms}}});
    }
  }
  if (records->empty()) return;
  *done = [this](const Status& wal, std::vector<WalRecord>& records, uint64_t last_sequence) {
    if (!wal.ok()) return;
    uint64_t sequence = last_sequence + 1 - records.size();
    for (auto& r : records) {
      if (auto* send = std::get_if<SendRecord>(&r)) {
        WalLocation where = committer_->WrittenLocation(sequence);
        where.sequence = sequence;
        if (auto q = Find(send->queue)) q->Relocate(send->message_id, where);
      }
      ++sequence;
    }
  };
}

Status QueueEngine::DeleteReclaimableSegments(const WalWriter& writer) {
  const std::string& dir = options_.data_dir;
  std::vector<uint64_t> firsts;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (auto n = ParseWalSegmentName(e.path().filename().string())) firsts.push_back(*n);
  }
  if (ec) return IoError("list " + dir + ": " + ec.message());
  std::sort(firsts.begin(), firsts.end());
  const uint64_t current =
      ParseWalSegmentName(std::filesystem::path(writer.segment_path()).filename().string())
          .value_or(0);
  uint64_t oldest_live = std::numeric_limits<uint64_t>::max();
  std::vector<std::shared_ptr<StandardQueue>> queues;
  {
    std::shared_lock lock(queues_mu_);
    for (const auto& [name, q] : queues_) queues.push_back(q);
  }
  const int64_t now = NowMs();
  for (const auto& q : queues) {
    if (auto s = q->OldestSequence()) oldest_live = std::min(oldest_live, *s);
    // FIFO deduplication entries are rebuilt from their Send records: keep those for 5 min.
    if (auto s = q->OldestDeduplicationSequence(now)) oldest_live = std::min(oldest_live, *s);
  }
  // A prefix of segments, none current, whose records all precede the oldest live Send.
  size_t deletable = 0;
  while (deletable + 1 < firsts.size() && firsts[deletable] != current &&
         firsts[deletable + 1] <= oldest_live) {
    ++deletable;
  }
  if (deletable == 0) return Status::Ok();

  // Every record up to here is applied (maintenance runs between groups), so the queue
  // definitions are exactly those of the log up to `sequence`.
  WalSnapshot snapshot;
  snapshot.sequence = writer.next_sequence() - 1;
  for (const auto& q : queues) {
    snapshot.queues.push_back(
        {{q->name(), q->created_ms(), q->attributes(), q->tags(), q->owner_account()},
         q->modified_ms()});
  }
  RS_RETURN_IF_ERROR(WriteWalSnapshot(dir, snapshot));
  for (size_t i = 0; i < deletable; ++i) {
    body_reader_->Forget(firsts[i]);  // no live message's body lies there
    const std::string path = dir + "/" + WalSegmentName(firsts[i]);
    if (::unlink(path.c_str()) != 0) return IoError("unlink " + path + ": " + strerror(errno));
  }
  RS_RETURN_IF_ERROR(RemoveWalSnapshotsBefore(dir, snapshot.sequence));
  RS_RETURN_IF_ERROR(SyncDirectory(dir));
  spdlog::info("reclaimed {} WAL segments; snapshot at sequence {}", deletable, snapshot.sequence);
  return Status::Ok();
}

EngineStats QueueEngine::stats() const {
  EngineStats stats;
  if (committer_) {
    stats.fsyncs = committer_->fsync_count();
    stats.records = committer_->record_count();
  }
  stats.body_bytes_in_memory = body_budget_->bytes();
  stats.body_reads = body_reader_->reads();
  return stats;
}

Result<std::string> QueueEngine::BodyOf(const StoredMessage& message) {
  std::string_view text;
  WalLocation where;
  if (message.body.View(&text, &where)) return std::string(text);
  return BodyFromLog(message, where);
}

Result<std::string> QueueEngine::BodyFromLog(const StoredMessage& message, WalLocation where) {
  Status error;
  // A read can race with reclamation copying the record forward and deleting its segment; the
  // message then has a new location, so try again there. (A body not in memory never returns
  // to memory.)
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto body = body_reader_->ReadBody(where, message.id);
    if (body.ok()) return body;
    error = body.status();
    const WalLocation now = message.body.location();
    if (now == where) break;
    where = now;
  }
  spdlog::error("cannot read the body of message {} (segment {}, offset {}): {}",
                message.id.ToString(), WalSegmentName(where.segment), where.offset,
                error.ToString());
  return error;
}

}  // namespace roadsense::queue
