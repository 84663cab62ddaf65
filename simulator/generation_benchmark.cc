#include "simulator/generation_benchmark.h"

#include <chrono>

namespace roadsense::simulator {

GenerationStats GenerationBenchmark::Run(Fleet& fleet, WireFormat format) {
  GenerationStats s;
  const auto t0 = std::chrono::steady_clock::now();
  while (auto batch = fleet.NextBatch()) {
    const EncodedBatch enc = EncodeBatch(*batch, format);
    ++s.uploads;
    s.reports += batch->reports_size();
    s.bytes += static_cast<int64_t>(enc.body.size());
  }
  s.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace roadsense::simulator
