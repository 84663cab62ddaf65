// Upload bodies for the receiver benchmarks: distinct, valid protobuf ReportBatch uploads (Munich
// probe points observed during the last minute), 10 batches per pseudonym.
#pragma once

#include <string>
#include <vector>

namespace roadsense::bench {

std::vector<std::string> MakeUploadBodies(int count, int reports_per_batch);

}  // namespace roadsense::bench
