// The simulator's batches pass the receiver's own ReportValidator: the two sides agree on the
// wire format's ranges, checked with the receiver's code rather than a copy of its limits.
#include <gtest/gtest.h>

#include "receiver/report_validator.h"
#include "simulator/fleet.h"

namespace roadsense::simulator {
namespace {

TEST(ReceiverContractTest, EveryGeneratedBatchIsValid) {
  FleetOptions o;
  o.seed = 42;
  o.vehicles = 200;
  o.radius_km = 3;               // cars pass the hazard sites often ...
  o.total_reports = 200 * 1200;  // ... in 20 simulated minutes: cancellations and phantoms too
  o.start_time_ms = 1'764'000'000'000;
  const int64_t now_ms = o.start_time_ms + SimulatedSpanMs(o) + 1000;
  const receiver::ReportValidator validator{receiver::ValidationLimits{}};
  Fleet fleet(o);
  int batches = 0, cancellations = 0, phantoms = 0;
  while (auto b = fleet.NextBatch()) {
    const auto problems = validator.Validate(*b, now_ms);
    ASSERT_TRUE(problems.empty()) << "batch " << batches << ": " << problems.front();
    ++batches;
    for (const auto& r : b->reports()) {
      cancellations += r.has_hazard() && r.hazard().cancellation();
      phantoms += r.has_hazard() && (r.hazard().event_id() & 0x80) != 0;
    }
  }
  EXPECT_EQ(batches, 4800);
  EXPECT_GT(cancellations, 0);  // every payload variant was validated
  EXPECT_GT(phantoms, 0);
}

}  // namespace
}  // namespace roadsense::simulator
