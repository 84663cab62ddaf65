// Replays every file of tests/receiver/fuzz/corpus through the fuzz target's entry point, so the
// seed corpus (and any crash reproducer added to it) is a regression test with every compiler.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(ReportBatchFuzzCorpusTest, EveryCorpusFileRunsCleanly) {
  const std::filesystem::path dir = ROADSENSE_FUZZ_CORPUS_DIR;
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0);
    ++files;
  }
  EXPECT_GE(files, 5u);
}

}  // namespace
