// Replays the committed inputs of one libFuzzer target (fuzz/README.md) through its
// LLVMFuzzerTestOneInput: the seed corpus and every crash reproducer under fuzz/regressions/.
// A target aborts on a broken property, so a regression crashes this test binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> FilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void Replay(const fs::path& file) {
  SCOPED_TRACE(file.string());
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
            0);
}

// The suite is named per target (SqsJsonFuzzReplayTest, ...; tests/fuzz/CMakeLists.txt).
TEST(ROADSENSE_FUZZ_TEST_SUITE, SeedCorpusRunsCleanly) {
  const auto files = FilesIn(ROADSENSE_FUZZ_CORPUS_DIR);
  EXPECT_GE(files.size(), 3u) << "seed corpus " << ROADSENSE_FUZZ_CORPUS_DIR;
  for (const auto& file : files) Replay(file);
}

TEST(ROADSENSE_FUZZ_TEST_SUITE, RegressionInputsRunCleanly) {
  for (const auto& file : FilesIn(ROADSENSE_FUZZ_REGRESSIONS_DIR)) Replay(file);
}

}  // namespace
