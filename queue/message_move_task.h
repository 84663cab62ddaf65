// MessageMoveTasks: SQS message move tasks (StartMessageMoveTask, CancelMessageMoveTask,
// ListMessageMoveTasks) — moving the messages of a dead-letter queue back to the queues they were
// dead-lettered from, or to another queue — built only on QueueEngine's public API: each task
// receives up to 10 messages from the source (hiding them), sends copies to the destination
// (fsynced), then deletes them from the source, so a crash mid-move duplicates at most one batch
// and never loses one.
//
// One task thread per running task, at most MaxNumberOfMessagesPerSecond messages per second
// (default 500). A task moves about as many messages as the source held when it started
// (ApproximateNumberOfMessagesToMove) and completes early when the source runs empty. Task
// history (the last 10 per source) is kept in memory only; a restart forgets it.
//
// Threading: thread-safe. The engine must outlive this object; the destructor cancels and joins
// every task.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "queue/queue_engine.h"

namespace roadsense::queue {

struct MoveTaskInfo {
  std::string task_handle;  // only while RUNNING (as SQS reports it)
  std::string status;       // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
  std::string source_arn;
  std::string destination_arn;  // "" when moving back to the source queue
  int max_per_second = 0;       // 0: not given
  int64_t moved = 0;
  int64_t to_move = 0;
  std::string failure_reason;
  int64_t started_ms = 0;
};

struct MoveTaskSpec {
  std::string source_queue;  // a dead-letter queue
  std::string source_arn;
  // Where messages go: `destination_queue`, or when that is "" each message's own source (the
  // queue that dead-lettered it), else `fallback_queue` (the dead-letter queue's only source).
  std::string destination_queue;
  std::string fallback_queue;
  std::string destination_arn;  // as given, "" when not given
  int max_per_second = 0;       // 1..500, 0: not given (500)
};

class MessageMoveTasks {
 public:
  explicit MessageMoveTasks(QueueEngine* engine);
  ~MessageMoveTasks();
  MessageMoveTasks(const MessageMoveTasks&) = delete;
  MessageMoveTasks& operator=(const MessageMoveTasks&) = delete;

  // Starts a task; its TaskHandle. InvalidParameterValue when the source already has a running
  // task.
  Result<std::string> Start(const MoveTaskSpec& spec);
  // Asks a running task to stop; the messages moved so far. ResourceNotFoundException for an
  // unknown handle, UnsupportedOperation when the task is no longer running.
  Result<int64_t> Cancel(const std::string& task_handle);
  // The source's most recent tasks, newest first, at most `max`.
  std::vector<MoveTaskInfo> List(const std::string& source_arn, size_t max) const;
  // Blocks until no task is running (tests).
  void WaitIdle();

 private:
  struct Task;
  void Run(const std::shared_ptr<Task>& task);
  void Finish(const std::shared_ptr<Task>& task, const std::string& status,
              const std::string& failure_reason);

  QueueEngine* engine_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Task>> by_handle_;               // guarded by mu_
  std::map<std::string, std::vector<std::shared_ptr<Task>>> by_source_;  // guarded, oldest first
  std::vector<std::thread> threads_;                                     // guarded by mu_
  bool closing_ = false;                                                 // guarded by mu_
};

}  // namespace roadsense::queue
