// MapComparison: ground truth versus what the pipeline wrote, cell by cell.
//
// The pipeline's contribution to a cell is its tile_stats row after the run minus the row before
// (a missing row counts as zeros), so earlier runs and other traffic outside the compared cells
// do not matter. A cell matches when all seven compared counters are equal; a cell with a nonzero
// delta that ground truth does not know is a mismatch too (the pipeline invented or misplaced
// reports). Pure value type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/ground_truth.h"

namespace roadsense::simulator {

struct CellMismatch {
  CellKey key;
  CellCounts expected;
  CellCounts observed;  // after − before
};

struct MapComparison {
  int64_t cells_expected = 0;
  CellCounts expected_totals;
  CellCounts observed_totals;
  std::vector<CellMismatch> mismatches;  // ordered by key

  bool ok() const { return mismatches.empty(); }

  static MapComparison Compare(const CellMap& truth, const CellMap& before, const CellMap& after);
  // The mismatches (at most `max_listed`, then a count of the rest) and both totals, for people.
  std::string Describe(size_t max_listed) const;
};

std::string FormatCell(const CellKey& key);
std::string FormatCounts(const CellCounts& c);

}  // namespace roadsense::simulator
