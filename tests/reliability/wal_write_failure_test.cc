// The write-ahead log under a failing write(2): RLIMIT_FSIZE makes the kernel write part of a
// group and then refuse the rest (EFBIG), as a full disk does (a short write, then ENOSPC).
// WalWriter: the failed group must leave no bytes behind, its sequence numbers must go to the next
// group, and once the limit is lifted the log must take writes again and recover without torn
// tail or corruption. QueueEngine: a dead-letter move that cannot be logged must leave the message
// in its queue.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "queue/queue_engine.h"
#include "queue/wal_reader.h"
#include "queue/wal_segment_name.h"
#include "queue/wal_writer.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

// Lowers RLIMIT_FSIZE for this process until destroyed; SIGXFSZ is ignored meanwhile so that the
// write fails with EFBIG instead of killing the test.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &old_);
    rlimit limit = old_;
    limit.rlim_cur = bytes;
    ok_ = ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  sighandler_t old_handler_ = SIG_DFL;
  bool ok_ = false;
};

off_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

TEST(WalWriterWriteFailure, FailedGroupLeavesNoBytesAndLaterGroupsRecoverCleanly) {
  roadsense::testing::TempDir dir;
  auto opened = WalWriter::Open({dir.path()}, 1);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  WalWriter& writer = **opened;

  EXPECT_EQ(writer.Add(WalRecordType::kSend, "first"), 1u);
  ASSERT_TRUE(writer.Write().ok());
  ASSERT_TRUE(writer.Sync().ok());
  // The segment is pre-sized: its records end before its zeros (the limit applies to offsets).
  ASSERT_TRUE(writer.segment_has_zero_tail());
  const off_t acknowledged_bytes = static_cast<off_t>(writer.WrittenLocation(1).length);

  {
    // Room for part of the next group only.
    FileSizeLimit limit(static_cast<rlim_t>(acknowledged_bytes) + 100);
    ASSERT_TRUE(limit.ok());
    EXPECT_EQ(writer.Add(WalRecordType::kSend, std::string(5000, 'x')), 2u);
    EXPECT_EQ(writer.Add(WalRecordType::kSend, "also lost"), 3u);
    const Status failed = writer.Write();
    EXPECT_FALSE(failed.ok());
    EXPECT_TRUE(writer.usable()) << failed.ToString();
    // Cut back to the acknowledged record, zeros included: nothing of the group is left.
    EXPECT_EQ(FileSize(writer.segment_path()), acknowledged_bytes);
    EXPECT_FALSE(writer.segment_has_zero_tail());
    EXPECT_EQ(writer.written_sequence(), 1u);
  }

  // Space is back: the next group takes the failed group's sequence numbers.
  EXPECT_EQ(writer.Add(WalRecordType::kSend, "second"), 2u);
  ASSERT_TRUE(writer.Write().ok());
  ASSERT_TRUE(writer.Sync().ok());
  EXPECT_EQ(writer.written_sequence(), 2u);

  std::vector<std::pair<uint64_t, std::string>> replayed;
  auto recovered = WalReader(dir.path())
                       .Recover([&](uint64_t sequence, WalRecordType, std::string_view payload) {
                         replayed.emplace_back(sequence, std::string(payload));
                         return Status::Ok();
                       });
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_EQ(recovered->truncated_bytes, 0u);
  EXPECT_EQ(recovered->next_sequence, 3u);
  const std::vector<std::pair<uint64_t, std::string>> expected = {{1, "first"}, {2, "second"}};
  EXPECT_EQ(replayed, expected);
}

// A prepared segment file cannot be made (EFBIG from a file size limit below the segment target,
// as a full disk gives ENOSPC): the writer falls back to a growing segment, removes the partial
// file, and every acknowledged record is recovered.
TEST(WalWriterPreallocationFailure, SegmentGrowsInsteadAndRecordsRecover) {
  roadsense::testing::TempDir dir;
  {
    FileSizeLimit limit(1 << 20);
    ASSERT_TRUE(limit.ok());
    auto opened = WalWriter::Open({dir.path(), 4 << 20}, 1);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    WalWriter& writer = **opened;
    EXPECT_FALSE(writer.segment_has_zero_tail());
    EXPECT_EQ(writer.Add(WalRecordType::kSend, "first"), 1u);
    ASSERT_TRUE(writer.Write().ok());
    ASSERT_TRUE(writer.Sync().ok());
    EXPECT_EQ(FileSize(writer.segment_path()), writer.WrittenLocation(1).length);
  }
  // The partial prepared files (the one at open, the one tried after it) were removed.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + std::string(kWalPreparedSegmentName)));
  std::vector<std::string> replayed;
  auto recovered = WalReader(dir.path()).Recover([&](uint64_t, WalRecordType, std::string_view p) {
    replayed.emplace_back(p);
    return Status::Ok();
  });
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_EQ(replayed, std::vector<std::string>{"first"});
}

TEST(DeadLetterMoveWriteFailure, MessageStaysInItsQueueWhenTheMoveCannotBeLogged) {
  roadsense::testing::TempDir dir;
  QueueEngineOptions options;
  options.data_dir = dir.path();
  auto opened = QueueEngine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  QueueEngine& engine = **opened;
  auto create = [&](const std::string& name, const QueueAttributeMap& attributes) {
    std::promise<Status> p;
    engine.CreateQueue(name, attributes, [&](Status s) { p.set_value(s); });
    return p.get_future().get();
  };
  auto receive = [&](const std::string& queue, int visibility_timeout, int wait) {
    std::promise<Result<std::vector<ReceivedMessage>>> p;
    engine.ReceiveMessages(queue, {1, visibility_timeout, wait, ""},
                           [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok()) << queue << ": " << r.status().ToString();
    return r.ok() ? r->size() : size_t{0};
  };
  ASSERT_TRUE(create("dlq", {}).ok());
  ASSERT_TRUE(create("q", {{"RedrivePolicy",
                            R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq",)"
                            R"("maxReceiveCount":2})"}})
                  .ok());
  std::promise<Result<std::vector<SentMessage>>> sent;
  engine.SendMessages("q", {{"m", {}, -1, "me", {}, "", ""}},
                      [&](auto r) { sent.set_value(std::move(r)); });
  ASSERT_TRUE(sent.get_future().get().ok());
  // Two receives, visible again at once each time: the third moves it to the DLQ.
  ASSERT_EQ(receive("q", 0, 0), 1u);
  ASSERT_EQ(receive("q", 0, 0), 1u);
  {
    // Below every offset the log writes at (its segment is pre-sized, so a limit at the file's
    // size would not bite): the move's write fails as on a full disk.
    FileSizeLimit disk_full(1);
    ASSERT_TRUE(disk_full.ok());
    EXPECT_EQ(receive("q", 0, 0), 0u);  // the move is attempted and cannot be logged
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Space is back: the message is still somewhere (its queue, or the DLQ once moved).
  EXPECT_EQ(receive("q", 30, 1) + receive("dlq", 30, 1), 1u);
}

}  // namespace
}  // namespace roadsense::queue
