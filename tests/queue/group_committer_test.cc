#include "queue/group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "queue/wal_reader.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

std::unique_ptr<WalWriter> OpenWriter(const std::string& dir) {
  auto writer = WalWriter::Open({dir}, 1);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  return std::move(*writer);
}

std::vector<WalRecord> OneDelete() {
  std::vector<WalRecord> records;
  records.push_back(DeleteRecord{"q", MessageId::Random()});
  return records;
}

uint64_t RecordsOnDisk(const std::string& dir) {
  WalReader reader(dir);
  auto result =
      reader.Recover([](uint64_t, WalRecordType, std::string_view) { return Status::Ok(); });
  EXPECT_TRUE(result.ok());
  return result.ok() ? result->records : 0;
}

TEST(GroupCommitter, AcknowledgesOnlyAfterFsync) {
  roadsense::testing::TempDir dir;
  GroupCommitter committer(OpenWriter(dir.path()));
  committer.Start();
  std::atomic<int> done{0};
  for (int i = 0; i < 50; ++i) {
    committer.Submit(OneDelete(), [&](const Status& s, std::vector<WalRecord>&, uint64_t last) {
      EXPECT_TRUE(s.ok());
      // The committer publishes the fsynced position before running any callback it covers.
      EXPECT_GE(committer.fsynced_sequence(), last);
      ++done;
    });
  }
  committer.Stop();
  EXPECT_EQ(done.load(), 50);
  EXPECT_EQ(RecordsOnDisk(dir.path()), 50u);
}

TEST(GroupCommitter, CallbackSeesItsRecordOnDisk) {
  roadsense::testing::TempDir dir;
  GroupCommitter committer(OpenWriter(dir.path()));
  committer.Start();
  uint64_t on_disk = 0;
  committer.Submit(OneDelete(), [&](const Status&, std::vector<WalRecord>&, uint64_t) {
    on_disk = RecordsOnDisk(dir.path());
  });
  committer.Stop();
  EXPECT_EQ(on_disk, 1u);
}

TEST(GroupCommitter, BatchesQueuedRecordsIntoOneFsync) {
  roadsense::testing::TempDir dir;
  GroupCommitter committer(OpenWriter(dir.path()));
  std::vector<uint64_t> order;
  for (int i = 0; i < 100; ++i) {  // queued before Start(): all form the first group
    committer.Submit(OneDelete(), [&](const Status& s, std::vector<WalRecord>&, uint64_t last) {
      EXPECT_TRUE(s.ok());
      order.push_back(last);
    });
  }
  committer.Start();
  committer.Stop();
  EXPECT_EQ(committer.fsync_count(), 1u);
  EXPECT_EQ(committer.record_count(), 100u);
  ASSERT_EQ(order.size(), 100u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i + 1);  // log order
}

TEST(GroupCommitter, ConcurrentSubmittersShareFsyncs) {
  roadsense::testing::TempDir dir;
  GroupCommitter committer(OpenWriter(dir.path()));
  committer.Start();
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        committer.Submit(OneDelete(), [&](const Status& s, std::vector<WalRecord>&, uint64_t) {
          EXPECT_TRUE(s.ok());
          ++done;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  committer.Stop();
  EXPECT_EQ(done.load(), 800);
  EXPECT_EQ(committer.record_count(), 800u);
  EXPECT_LE(committer.fsync_count(), committer.record_count());
  EXPECT_EQ(RecordsOnDisk(dir.path()), 800u);
}

TEST(GroupCommitter, SubmitAfterStopFails) {
  roadsense::testing::TempDir dir;
  GroupCommitter committer(OpenWriter(dir.path()));
  committer.Start();
  committer.Stop();
  Status got;
  committer.Submit(OneDelete(),
                   [&](const Status& s, std::vector<WalRecord>&, uint64_t) { got = s; });
  EXPECT_EQ(got.code(), StatusCode::kUnavailable);
}

TEST(GroupCommitter, MaintenanceRecordsGoFirstInTheGroupAndComplete) {
  roadsense::testing::TempDir dir;
  GroupCommitter committer(OpenWriter(dir.path()));
  uint64_t maintenance_last = 0;
  bool added = false;
  committer.SetMaintenance(
      [&](const WalWriter&, std::vector<WalRecord>* records, GroupCommitter::Done* done) {
        if (added) return;  // once
        added = true;
        records->push_back(DeleteQueueRecord{"maintenance"});
        *done = [&](const Status& s, std::vector<WalRecord>&, uint64_t last) {
          EXPECT_TRUE(s.ok());
          maintenance_last = last;
        };
      },
      std::chrono::milliseconds(1000));
  uint64_t submitted_last = 0;
  committer.Submit(OneDelete(), [&](const Status&, std::vector<WalRecord>&, uint64_t last) {
    submitted_last = last;
  });
  committer.Start();
  committer.Stop();
  EXPECT_EQ(maintenance_last, 1u);
  EXPECT_EQ(submitted_last, 2u);
}

}  // namespace
}  // namespace roadsense::queue
