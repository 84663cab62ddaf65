#include "queue/message_move_task.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>

#include "core/base64.h"
#include "queue/message_id.h"
#include "queue/sqs_error.h"

namespace roadsense::queue {
namespace {

constexpr int kDefaultMessagesPerSecond = 500;
constexpr int kVisibilitySeconds = 60;  // long enough to send and delete one batch
constexpr size_t kHistoryPerSource = 10;

// The engine answers through callbacks; a task thread simply waits for them.
Result<std::vector<ReceivedMessage>> ReceiveNow(QueueEngine* engine, const std::string& queue,
                                                int max) {
  std::promise<Result<std::vector<ReceivedMessage>>> p;
  ReceiveRequest request;
  request.max_messages = max;
  request.visibility_timeout_seconds = kVisibilitySeconds;
  request.wait_time_seconds = 0;
  engine->ReceiveMessages(
      queue, request, [&p](Result<std::vector<ReceivedMessage>> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

Status SendNow(QueueEngine* engine, const std::string& queue, std::vector<NewMessage> messages) {
  std::promise<Status> p;
  engine->SendMessages(queue, std::move(messages), [&p](Result<std::vector<SentMessage>> r) {
    p.set_value(r.ok() ? Status::Ok() : r.status());
  });
  return p.get_future().get();
}

void DeleteNow(QueueEngine* engine, const std::string& queue, std::vector<std::string> handles) {
  std::promise<void> p;
  const std::vector<std::string_view> views(handles.begin(), handles.end());
  engine->DeleteMessages(queue, views, [&p](std::vector<Status>) { p.set_value(); });
  p.get_future().wait();
}

}  // namespace

struct MessageMoveTasks::Task {
  MoveTaskSpec spec;
  MoveTaskInfo info;    // guarded by MessageMoveTasks::mu_
  bool cancel = false;  // guarded by MessageMoveTasks::mu_
};

MessageMoveTasks::MessageMoveTasks(QueueEngine* engine) : engine_(engine) {}

MessageMoveTasks::~MessageMoveTasks() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    threads.swap(threads_);
  }
  changed_.notify_all();
  for (auto& t : threads) t.join();
}

Result<std::string> MessageMoveTasks::Start(const MoveTaskSpec& spec) {
  auto attributes = engine_->GetQueueAttributes(spec.source_queue);
  if (!attributes.ok()) return attributes.status();
  auto task = std::make_shared<Task>();
  task->spec = spec;
  task->info.task_handle = Base64Encode("{\"taskId\":\"" + MessageId::Random().ToString() +
                                        "\",\"sourceArn\":\"" + spec.source_arn + "\"}");
  task->info.status = "RUNNING";
  task->info.source_arn = spec.source_arn;
  task->info.destination_arn = spec.destination_arn;
  task->info.max_per_second = spec.max_per_second;
  task->info.to_move = std::stoll((*attributes)["ApproximateNumberOfMessages"]);
  task->info.started_ms = NowMs();
  std::lock_guard lock(mu_);
  auto& history = by_source_[spec.source_arn];
  for (const auto& t : history) {
    if (t->info.status == "RUNNING" || t->info.status == "CANCELLING") {
      return SqsError(SqsErrorCode::kInvalidParameterValue,
                      "There is already a task running. Only one active task is allowed for a "
                      "source queue arn at a given time.");
    }
  }
  history.push_back(task);
  if (history.size() > kHistoryPerSource) {
    by_handle_.erase(history.front()->info.task_handle);
    history.erase(history.begin());
  }
  by_handle_[task->info.task_handle] = task;
  threads_.emplace_back([this, task] { Run(task); });
  return task->info.task_handle;
}

Result<int64_t> MessageMoveTasks::Cancel(const std::string& task_handle) {
  std::lock_guard lock(mu_);
  auto it = by_handle_.find(task_handle);
  if (it == by_handle_.end()) {
    return SqsError(SqsErrorCode::kResourceNotFound, "The specified task does not exist.");
  }
  Task& task = *it->second;
  if (task.info.status != "RUNNING") {
    return SqsError(SqsErrorCode::kUnsupportedOperation,
                    "Only a RUNNING task can be cancelled; this one is " + task.info.status + ".");
  }
  task.info.status = "CANCELLING";
  task.cancel = true;
  changed_.notify_all();
  return task.info.moved;
}

std::vector<MoveTaskInfo> MessageMoveTasks::List(const std::string& source_arn, size_t max) const {
  std::vector<MoveTaskInfo> out;
  std::lock_guard lock(mu_);
  auto it = by_source_.find(source_arn);
  if (it == by_source_.end()) return out;
  for (auto t = it->second.rbegin(); t != it->second.rend() && out.size() < max; ++t) {
    out.push_back((*t)->info);
    if (out.back().status != "RUNNING") out.back().task_handle.clear();
  }
  return out;
}

void MessageMoveTasks::WaitIdle() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] {
    for (const auto& [handle, task] : by_handle_) {
      if (task->info.status == "RUNNING" || task->info.status == "CANCELLING") return false;
    }
    return true;
  });
}

void MessageMoveTasks::Finish(const std::shared_ptr<Task>& task, const std::string& status,
                              const std::string& failure_reason) {
  {
    std::lock_guard lock(mu_);
    task->info.status = status;
    task->info.failure_reason = failure_reason;
  }
  changed_.notify_all();
  spdlog::info(
      "message move task from {} to {}: {} after {} messages{}", task->spec.source_queue,
      task->spec.destination_queue.empty() ? "source queues" : task->spec.destination_queue, status,
      task->info.moved, failure_reason.empty() ? "" : " (" + failure_reason + ")");
}

void MessageMoveTasks::Run(const std::shared_ptr<Task>& task) {
  const MoveTaskSpec& spec = task->spec;
  const int rate = spec.max_per_second > 0 ? spec.max_per_second : kDefaultMessagesPerSecond;
  const auto start = std::chrono::steady_clock::now();
  int64_t moved = 0;
  for (;;) {
    int64_t to_move = 0;
    {
      std::unique_lock lock(mu_);
      // Rate limit: message k may move no earlier than start + k / rate seconds.
      const auto not_before = start + std::chrono::microseconds(moved * 1000000 / rate);
      changed_.wait_until(lock, not_before, [&] { return task->cancel || closing_; });
      if (task->cancel || closing_) {
        lock.unlock();
        return Finish(task, "CANCELLED", "");
      }
      to_move = task->info.to_move;
    }
    const int64_t batch = std::min<int64_t>({10, rate, to_move - moved});
    if (batch <= 0) return Finish(task, "COMPLETED", "");
    auto received = ReceiveNow(engine_, spec.source_queue, static_cast<int>(batch));
    if (!received.ok()) return Finish(task, "FAILED", received.status().message());
    if (received->empty()) return Finish(task, "COMPLETED", "");
    // Copies grouped by destination queue.
    std::map<std::string, std::pair<std::vector<NewMessage>, std::vector<std::string>>> moves;
    for (const ReceivedMessage& r : *received) {
      std::string destination = spec.destination_queue;
      if (destination.empty()) destination = r.message->dead_letter_source;
      if (destination.empty()) destination = spec.fallback_queue;
      if (destination.empty()) continue;  // nowhere to go: stays, visible again later
      NewMessage m;
      m.body = r.body();
      m.attributes = r.message->attributes;
      m.system_attributes = r.message->system_attributes;
      m.delay_seconds = 0;
      m.sender_id = r.message->sender_id;
      // FIFO: the group stays; a deduplication id of its own, so the original's (maybe still in
      // its 5-minute window at the destination) does not swallow the move, and a move retried
      // after a crash is not enqueued twice.
      m.group_id = r.message->group_id;
      if (!m.group_id.empty()) m.deduplication_id = "move-" + r.message->id.ToString();
      moves[destination].first.push_back(std::move(m));
      moves[destination].second.push_back(r.receipt.Encode());
    }
    if (moves.empty()) return Finish(task, "FAILED", "the messages' source queues are unknown");
    for (auto& [destination, move] : moves) {
      const size_t n = move.first.size();
      // Sent (durably) before deleted: a crash in between duplicates, never loses.
      if (Status s = SendNow(engine_, destination, std::move(move.first)); !s.ok()) {
        return Finish(task, "FAILED", destination + ": " + std::string(s.message()));
      }
      DeleteNow(engine_, spec.source_queue, std::move(move.second));
      moved += static_cast<int64_t>(n);
    }
    std::lock_guard lock(mu_);
    task->info.moved = moved;
  }
}

}  // namespace roadsense::queue
