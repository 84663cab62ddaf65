// Reading samples out of Prometheus text exposition format 0.0.4 (what every roadsense tier
// serves on GET /metrics). Only what the autoscaler needs: the sum of one metric's samples.
#pragma once

#include <optional>
#include <string_view>

namespace roadsense::autoscale {

// Sum of every sample of `metric` (all label sets) whose label block contains `label_filter`
// (e.g. `queue="reports"`; empty: any). nullopt when there is no such sample. Comment lines and
// samples of other metrics (also ones that merely share the prefix) are skipped.
std::optional<double> SumSamples(std::string_view text, std::string_view metric,
                                 std::string_view label_filter = {});

}  // namespace roadsense::autoscale
