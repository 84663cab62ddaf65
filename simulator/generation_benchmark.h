// GenerationBenchmark: `--dry-run` — how fast this process generates and encodes uploads, with no
// network involved. Drains a Fleet on the calling thread, encoding every batch exactly as the
// LoadRunner would, and times it with the steady clock. Not thread-safe (one call at a time).
#pragma once

#include <cstdint>

#include "simulator/fleet.h"
#include "simulator/load_runner.h"

namespace roadsense::simulator {

struct GenerationStats {
  int64_t uploads = 0;
  int64_t reports = 0;
  int64_t bytes = 0;  // encoded request bodies
  double elapsed_s = 0;
  double reports_per_s() const {
    return elapsed_s > 0 ? static_cast<double>(reports) / elapsed_s : 0;
  }
  double uploads_per_s() const {
    return elapsed_s > 0 ? static_cast<double>(uploads) / elapsed_s : 0;
  }
};

class GenerationBenchmark {
 public:
  // Generates every batch of `fleet` and encodes it in `format`; the bodies are discarded.
  static GenerationStats Run(Fleet& fleet, WireFormat format);
};

}  // namespace roadsense::simulator
