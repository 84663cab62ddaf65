#include "receiver/report_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "tests/receiver/test_batches.h"

namespace roadsense::receiver {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kNowMs;
using ::testing::StartsWith;
using testing::ValidBatch;

std::vector<std::string> Check(const v1::ReportBatch& batch, ValidationLimits limits = {}) {
  return ReportValidator(limits).Validate(batch, kNowMs);
}

TEST(ReportValidatorTest, ValidBatchHasNoProblems) { EXPECT_THAT(Check(ValidBatch()), IsEmpty()); }

TEST(ReportValidatorTest, MissingEnvelopeIsRequired) {
  auto b = ValidBatch();
  b.clear_envelope();
  EXPECT_THAT(Check(b), ElementsAre("envelope: required"));
}

TEST(ReportValidatorTest, ShortPseudonymNamesLengthLimit) {
  auto b = ValidBatch();
  b.mutable_envelope()->set_vehicle_pseudonym("abc");
  EXPECT_THAT(Check(b), ElementsAre("envelope.vehicle_pseudonym: length 3 is outside 8..64"));
}

TEST(ReportValidatorTest, LongPseudonymIsRejected) {
  auto b = ValidBatch();
  b.mutable_envelope()->set_vehicle_pseudonym(std::string(65, 'a'));
  EXPECT_THAT(Check(b), ElementsAre("envelope.vehicle_pseudonym: length 65 is outside 8..64"));
}

TEST(ReportValidatorTest, PseudonymWithForbiddenCharacterIsRejected) {
  auto b = ValidBatch();
  b.mutable_envelope()->set_vehicle_pseudonym("vehicle 0001");
  EXPECT_THAT(Check(b),
              ElementsAre(StartsWith("envelope.vehicle_pseudonym: contains a character")));
}

TEST(ReportValidatorTest, ZeroBatchSequenceIsRejected) {
  auto b = ValidBatch();
  b.mutable_envelope()->set_batch_sequence(0);
  EXPECT_THAT(Check(b), ElementsAre(StartsWith("envelope.batch_sequence: required")));
}

TEST(ReportValidatorTest, MissingSentTimeIsRejected) {
  auto b = ValidBatch();
  b.mutable_envelope()->clear_sent_time_ms();
  EXPECT_THAT(Check(b), ElementsAre(StartsWith("envelope.sent_time_ms: required")));
}

TEST(ReportValidatorTest, LongSoftwareVersionIsRejected) {
  auto b = ValidBatch();
  b.mutable_envelope()->set_software_version(std::string(65, 'v'));
  EXPECT_THAT(Check(b), ElementsAre("envelope.software_version: 65 bytes is more than 64"));
}

TEST(ReportValidatorTest, FleetIdWithForbiddenCharacterIsRejected) {
  auto b = ValidBatch();
  b.mutable_envelope()->set_fleet_id("fleet/1");
  EXPECT_THAT(Check(b), ElementsAre(StartsWith("envelope.fleet_id: contains a character")));
}

TEST(ReportValidatorTest, EmptyBatchIsRejected) {
  auto b = ValidBatch();
  b.clear_reports();
  EXPECT_THAT(Check(b), ElementsAre("reports: 0 reports is outside 1..1000"));
}

TEST(ReportValidatorTest, TooManyReportsNamesLimit) {
  auto b = ValidBatch();
  ValidationLimits limits;
  limits.max_reports = 3;
  EXPECT_THAT(Check(b, limits), ElementsAre("reports: 4 reports is outside 1..3"));
}

TEST(ReportValidatorTest, ObservationOlderThanMaxAgeIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(1)->set_observed_time_ms(kNowMs - 8LL * 24 * 3600 * 1000);
  EXPECT_THAT(Check(b), ElementsAre(AllOf(StartsWith("reports[1].observed_time_ms: "),
                                          HasSubstr("-691200 s"), HasSubstr("-604800..+300 s"))));
}

// The error names the distance from the receive time; at the ends of int64 computing it must not
// overflow (UBSan in the sanitized suite; found by fuzz/report_batch).
TEST(ReportValidatorTest, ObservationAtTheEndsOfInt64NamesItsDistance) {
  auto b = ValidBatch();
  b.mutable_reports(0)->set_observed_time_ms(std::numeric_limits<int64_t>::min());
  b.mutable_reports(1)->set_observed_time_ms(std::numeric_limits<int64_t>::max());
  const int64_t before_s = static_cast<int64_t>(
      (static_cast<uint64_t>(kNowMs) - static_cast<uint64_t>(std::numeric_limits<int64_t>::min())) /
      1000);
  const int64_t after_s = (std::numeric_limits<int64_t>::max() - kNowMs) / 1000;
  EXPECT_THAT(Check(b),
              ElementsAre(AllOf(StartsWith("reports[0].observed_time_ms: -9223372036854775808 is "),
                                HasSubstr(" -" + std::to_string(before_s) + " s from")),
                          AllOf(StartsWith("reports[1].observed_time_ms: 9223372036854775807 is "),
                                HasSubstr(" " + std::to_string(after_s) + " s from"))));
}

TEST(ReportValidatorTest, ObservationAtMaxAgeIsAccepted) {
  auto b = ValidBatch();
  b.mutable_reports(1)->set_observed_time_ms(kNowMs - 7LL * 24 * 3600 * 1000);
  EXPECT_THAT(Check(b), IsEmpty());
}

TEST(ReportValidatorTest, ObservationInTheFutureIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(0)->set_observed_time_ms(kNowMs + 301'000);
  EXPECT_THAT(Check(b), ElementsAre(StartsWith("reports[0].observed_time_ms: ")));
}

TEST(ReportValidatorTest, TimeWindowIsConfigurable) {
  auto b = ValidBatch();
  b.mutable_reports(0)->set_observed_time_ms(kNowMs + 301'000);
  ValidationLimits limits;
  limits.max_future_ms = 600'000;
  EXPECT_THAT(Check(b, limits), IsEmpty());
}

TEST(ReportValidatorTest, MissingPositionIsRequired) {
  auto b = ValidBatch();
  b.mutable_reports(2)->clear_position();
  EXPECT_THAT(Check(b), ElementsAre("reports[2].position: required"));
}

TEST(ReportValidatorTest, LatitudeOutOfRangeNamesField) {
  auto b = ValidBatch();
  b.mutable_reports(3)->mutable_position()->set_lat_e7(952000000);
  EXPECT_THAT(
      Check(b),
      ElementsAre("reports[3].position.lat_e7: 95.2° is outside -85.05112878..85.05112878"));
}

TEST(ReportValidatorTest, LatitudeAtMercatorLimitIsAccepted) {
  auto b = ValidBatch();
  b.mutable_reports(3)->mutable_position()->set_lat_e7(-850511287);
  EXPECT_THAT(Check(b), IsEmpty());
}

TEST(ReportValidatorTest, LongitudeOutOfRangeNamesField) {
  auto b = ValidBatch();
  b.mutable_reports(0)->mutable_position()->set_lon_e7(-1800000001);
  EXPECT_THAT(Check(b),
              ElementsAre("reports[0].position.lon_e7: -180.0000001° is outside -180..180"));
}

TEST(ReportValidatorTest, HeadingOf360DegreesIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(0)->mutable_position()->set_heading_cdeg(36000);
  EXPECT_THAT(Check(b), ElementsAre("reports[0].position.heading_cdeg: 36000 is outside 0..35999"));
}

TEST(ReportValidatorTest, SpeedAboveLimitIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(0)->mutable_position()->set_speed_cms(15001);
  EXPECT_THAT(Check(b), ElementsAre("reports[0].position.speed_cms: 15001 is outside 0..15000"));
}

TEST(ReportValidatorTest, MissingPayloadIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(0)->clear_probe();
  EXPECT_THAT(Check(b), ElementsAre(StartsWith("reports[0].payload: required")));
}

TEST(ReportValidatorTest, ProbeAccelerationOutOfRangeIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(0)->mutable_probe()->set_longitudinal_accel_mms2(-20001);
  EXPECT_THAT(Check(b), ElementsAre("reports[0].probe.longitudinal_accel_mms2: -20001 is outside "
                                    "-20000..20000"));
}

TEST(ReportValidatorTest, UnspecifiedHazardTypeIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(1)->mutable_hazard()->set_type(v1::HAZARD_TYPE_UNSPECIFIED);
  EXPECT_THAT(Check(b), ElementsAre(StartsWith("reports[1].hazard.type: required")));
}

TEST(ReportValidatorTest, UnknownHazardTypeIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(1)->mutable_hazard()->set_type(static_cast<v1::HazardType>(99));
  EXPECT_THAT(Check(b), ElementsAre("reports[1].hazard.type: 99 is not a known HazardType"));
}

TEST(ReportValidatorTest, HazardConfidenceAbove100IsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(1)->mutable_hazard()->set_confidence_pct(101);
  EXPECT_THAT(Check(b), ElementsAre("reports[1].hazard.confidence_pct: 101 is outside 0..100"));
}

TEST(ReportValidatorTest, HazardTtlAboveOneDayIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(1)->mutable_hazard()->set_ttl_s(86401);
  EXPECT_THAT(Check(b), ElementsAre("reports[1].hazard.ttl_s: 86401 is outside 0..86400"));
}

TEST(ReportValidatorTest, EtsiCauseCodeAbove255IsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(1)->mutable_hazard()->set_etsi_cause_code(256);
  EXPECT_THAT(Check(b), ElementsAre("reports[1].hazard.etsi_cause_code: 256 is outside 0..255"));
}

TEST(ReportValidatorTest, UnknownSignTypeIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(2)->mutable_sign()->set_type(static_cast<v1::SignType>(42));
  EXPECT_THAT(Check(b), ElementsAre("reports[2].sign.type: 42 is not a known SignType"));
}

TEST(ReportValidatorTest, UnspecifiedSignTypeIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(2)->mutable_sign()->set_type(v1::SIGN_TYPE_UNSPECIFIED);
  EXPECT_THAT(Check(b), ElementsAre(StartsWith("reports[2].sign.type: required")));
}

TEST(ReportValidatorTest, SpeedLimitBelowFiveIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(2)->mutable_sign()->set_value(4);
  EXPECT_THAT(Check(b), ElementsAre("reports[2].sign.value: 4 km/h is outside 5..150 km/h"));
}

TEST(ReportValidatorTest, SpeedLimitAbove150IsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(2)->mutable_sign()->set_value(151);
  EXPECT_THAT(Check(b), ElementsAre("reports[2].sign.value: 151 km/h is outside 5..150 km/h"));
}

TEST(ReportValidatorTest, SignConfidenceAbove100IsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(2)->mutable_sign()->set_confidence_pct(120);
  EXPECT_THAT(Check(b), ElementsAre("reports[2].sign.confidence_pct: 120 is outside 0..100"));
}

TEST(ReportValidatorTest, TemperatureOutOfRangeIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(3)->mutable_weather()->set_outside_temp_dc(601);
  EXPECT_THAT(Check(b),
              ElementsAre("reports[3].weather.outside_temp_dc: 601 is outside -600..600"));
}

TEST(ReportValidatorTest, UnknownWiperStateIsRejected) {
  auto b = ValidBatch();
  b.mutable_reports(3)->mutable_weather()->set_wipers(static_cast<v1::WiperState>(9));
  EXPECT_THAT(Check(b), ElementsAre("reports[3].weather.wipers: 9 is not a known WiperState"));
}

TEST(ReportValidatorTest, EveryProblemIsListed) {
  auto b = ValidBatch();
  b.mutable_envelope()->set_batch_sequence(0);
  b.mutable_reports(0)->mutable_position()->set_speed_cms(20000);
  b.mutable_reports(3)->mutable_position()->set_lat_e7(952000000);
  EXPECT_EQ(Check(b).size(), 3u);
}

TEST(ReportValidatorTest, ProblemListIsCappedWithCountOfTheRest) {
  auto b = ValidBatch();
  for (auto& r : *b.mutable_reports()) r.mutable_position()->set_speed_cms(20000);
  ValidationLimits limits;
  limits.max_problems = 2;
  EXPECT_THAT(Check(b, limits), ElementsAre(StartsWith("reports[0]"), StartsWith("reports[1]"),
                                            "... and 2 more problems"));
}

}  // namespace
}  // namespace roadsense::receiver
