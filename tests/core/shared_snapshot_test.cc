#include "core/shared_snapshot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace roadsense {
namespace {

TEST(SharedSnapshotTest, LoadReturnsWhatWasStored) {
  SharedSnapshot<std::string> s(std::make_shared<const std::string>("a"));
  EXPECT_EQ(*s.load(), "a");
  s.store(std::make_shared<const std::string>("b"));
  EXPECT_EQ(*s.load(), "b");
}

TEST(SharedSnapshotTest, ASnapshotOutlivesTheStoreThatReplacesIt) {
  SharedSnapshot<std::string> s(std::make_shared<const std::string>("old"));
  const std::shared_ptr<const std::string> held = s.load();
  s.store(std::make_shared<const std::string>("new"));
  EXPECT_EQ(*held, "old");  // still valid: the reader owns it
  EXPECT_EQ(held.use_count(), 1);
}

// Readers always see one of the stored values, whole (run under TSan by scripts/test).
TEST(SharedSnapshotTest, ConcurrentReadersSeeWholeValuesWhileAWriterReplacesThem) {
  SharedSnapshot<std::vector<int>> s(std::make_shared<const std::vector<int>>(64, 0));
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto v = s.load();
        for (int x : *v) {
          if (x != v->front()) torn.fetch_add(1);
        }
      }
    });
  }
  for (int i = 1; i <= 2000; ++i) s.store(std::make_shared<const std::vector<int>>(64, i));
  stop.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(s.load()->front(), 2000);
}

}  // namespace
}  // namespace roadsense
