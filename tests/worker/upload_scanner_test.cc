// UploadScanner against protobuf parsing, the reference: every body the scanner accepts must give
// exactly the values protobuf gives, and every body it refuses is left to protobuf.
#include "worker/upload_scanner.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/base64.h"
#include "worker/batch_time.h"
#include "worker/queued_batch_decoder.h"
#include "worker/tile_aggregator.h"

namespace roadsense::worker {
namespace {

class RandomUploads {
 public:
  explicit RandomUploads(uint64_t seed) : rng_(seed) {}

  v1::QueuedBatch Upload() {
    v1::QueuedBatch q;
    if (Chance(0.9)) q.set_received_time_ms(Int64());
    if (Chance(0.3)) q.set_fleet_id("fleet-" + std::to_string(Below(100)));
    if (Chance(0.97)) {
      v1::ReportBatch& b = *q.mutable_batch();
      if (Chance(0.97)) {
        v1::Envelope& e = *b.mutable_envelope();
        if (Chance(0.97)) e.set_vehicle_pseudonym("sim-" + std::to_string(rng_()));
        e.set_batch_sequence(Chance(0.05) ? rng_() : Below(1000));
        e.set_sent_time_ms(Time());
        if (Chance(0.5)) e.set_software_version("sw-1." + std::to_string(Below(9)));
        if (Chance(0.2)) e.set_fleet_id("f");
      }
      const int reports = static_cast<int>(Below(12));
      for (int i = 0; i < reports; ++i) AddReport(*b.add_reports());
    }
    return q;
  }

  std::string Body(int uploads) {
    if (uploads == 0) return Upload().SerializeAsString();  // legacy: one QueuedBatch
    v1::QueuedUploads packed;
    for (int i = 0; i < uploads; ++i) *packed.add_uploads() = Upload();
    return packed.SerializeAsString();
  }

  uint64_t Below(uint64_t n) { return rng_() % n; }
  bool Chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }

 private:
  int64_t Int64() { return static_cast<int64_t>(rng_()); }
  int32_t Int32() { return static_cast<int32_t>(rng_()); }
  // Mostly one of the `known` values of an enum, sometimes any int32 (proto3 enums are open).
  int32_t EnumValue(uint64_t known) {
    return Chance(0.9) ? static_cast<int32_t>(Below(known)) : Int32();
  }
  // Uniform in -limit..limit (degrees × 1e7).
  int32_t Degrees(int64_t limit) {
    return static_cast<int32_t>(static_cast<int64_t>(Below(2 * limit + 1)) - limit);
  }
  // Mostly plausible times, sometimes anything (the checks must then agree too).
  int64_t Time() { return Chance(0.9) ? 1'700'000'000'000 + Int32() : Int64(); }

  void AddReport(v1::Report& r) {
    r.set_observed_time_ms(Time());
    if (Chance(0.95)) {
      v1::Position& p = *r.mutable_position();
      p.set_lat_e7(Chance(0.8) ? Degrees(850'000'000) : Int32());
      p.set_lon_e7(Chance(0.8) ? Degrees(1'800'000'000) : Int32());
      if (Chance(0.5)) p.set_accuracy_cm(static_cast<uint32_t>(rng_()));
      p.set_heading_cdeg(Chance(0.9) ? static_cast<uint32_t>(Below(36000)) : rng_());
      p.set_speed_cms(Chance(0.9) ? static_cast<uint32_t>(Below(15001)) : rng_());
    }
    switch (Below(5)) {
      case 0:
        r.mutable_probe()->set_longitudinal_accel_mms2(Int32());
        break;
      case 1: {
        v1::HazardEvent& h = *r.mutable_hazard();
        h.set_type(static_cast<v1::HazardType>(EnumValue(10)));
        h.set_etsi_cause_code(static_cast<uint32_t>(Below(256)));
        h.set_confidence_pct(static_cast<uint32_t>(Chance(0.9) ? Below(101) : rng_()));
        h.set_ttl_s(static_cast<uint32_t>(Chance(0.5) ? 0 : Below(86401)));
        h.set_event_id(rng_());
        h.set_cancellation(Chance(0.2));
        break;
      }
      case 2: {
        v1::SignObservation& s = *r.mutable_sign();
        s.set_type(static_cast<v1::SignType>(EnumValue(7)));
        s.set_value(static_cast<uint32_t>(Chance(0.9) ? Below(400) : rng_()));
        s.set_confidence_pct(static_cast<uint32_t>(Below(101)));
        break;
      }
      case 3: {
        v1::RoadWeather& w = *r.mutable_weather();
        w.set_wipers(static_cast<v1::WiperState>(EnumValue(5)));
        w.set_fog_lights_front(Chance(0.3));
        w.set_fog_lights_rear(Chance(0.3));
        if (Chance(0.6)) w.set_outside_temp_dc(Chance(0.3) ? 0 : Int32() % 700);
        break;
      }
      default:
        break;  // no payload
    }
  }

  std::mt19937_64 rng_;
};

// What protobuf makes of `bytes`, through the decoder's own entry points.
bool ParseReference(const std::string& bytes, v1::QueuedUploads* out) {
  return !bytes.empty() && ParseCheckedUploadsInto(bytes, out);
}

// Every value the worker reads, scanned against parsed.
void ExpectSameUploads(const UploadScanner& scanner, const v1::QueuedUploads& parsed,
                       const std::string& context) {
  ASSERT_EQ(scanner.uploads().size(), static_cast<size_t>(parsed.uploads_size())) << context;
  for (int u = 0; u < parsed.uploads_size(); ++u) {
    SCOPED_TRACE(context + " upload " + std::to_string(u));
    const ScannedUpload& s = scanner.uploads()[u];
    const v1::QueuedBatch& q = parsed.uploads(u);
    ASSERT_EQ(s.has_batch, q.has_batch());
    ASSERT_EQ(s.has_envelope, q.batch().has_envelope());
    EXPECT_EQ(s.vehicle_pseudonym, q.batch().envelope().vehicle_pseudonym());
    EXPECT_EQ(s.batch_sequence, q.batch().envelope().batch_sequence());
    EXPECT_EQ(s.sent_time_ms, q.batch().envelope().sent_time_ms());
    EXPECT_EQ(BatchTimeMs(scanner.reports(s), s.sent_time_ms), BatchTimeMs(q.batch()));
    v1::QueuedUploads one;
    *one.add_uploads() = q;
    EXPECT_EQ(scanner.Valid(s), DecodeQueuedUploads(Base64Encode(one.SerializeAsString())).ok());
    const auto reports = scanner.reports(s);
    ASSERT_EQ(reports.size(), static_cast<size_t>(q.batch().reports_size()));
    for (size_t i = 0; i < reports.size(); ++i) {
      const ScannedReport& a = reports[i];
      const v1::Report& b = q.batch().reports(static_cast<int>(i));
      EXPECT_EQ(a.observed_time_ms(), b.observed_time_ms());
      ASSERT_EQ(a.has_position(), b.has_position());
      EXPECT_EQ(a.position().lat_e7(), b.position().lat_e7());
      EXPECT_EQ(a.position().lon_e7(), b.position().lon_e7());
      EXPECT_EQ(a.position().heading_cdeg(), b.position().heading_cdeg());
      EXPECT_EQ(a.position().speed_cms(), b.position().speed_cms());
      ASSERT_EQ(a.payload_case(), b.payload_case());
      EXPECT_EQ(a.hazard().type(), b.hazard().type());
      EXPECT_EQ(a.hazard().confidence_pct(), b.hazard().confidence_pct());
      EXPECT_EQ(a.hazard().ttl_s(), b.hazard().ttl_s());
      EXPECT_EQ(a.hazard().cancellation(), b.hazard().cancellation());
      EXPECT_EQ(a.sign().type(), b.sign().type());
      EXPECT_EQ(a.sign().value(), b.sign().value());
      EXPECT_EQ(a.weather().wipers(), b.weather().wipers());
      EXPECT_EQ(a.weather().fog_lights_front(), b.weather().fog_lights_front());
      EXPECT_EQ(a.weather().fog_lights_rear(), b.weather().fog_lights_rear());
      EXPECT_EQ(a.weather().has_outside_temp_dc(), b.weather().has_outside_temp_dc());
      EXPECT_EQ(a.weather().outside_temp_dc(), b.weather().outside_temp_dc());
    }
  }
}

TEST(UploadScanner, ReadsWhatProtobufReadsInRandomBodies) {
  RandomUploads random(1);
  UploadScanner scanner;
  for (int n = 0; n < 2000; ++n) {
    const std::string bytes = random.Body(static_cast<int>(random.Below(5)));
    if (bytes.empty()) continue;  // a legacy upload with no field set
    v1::QueuedUploads parsed;
    ASSERT_TRUE(ParseReference(bytes, &parsed));
    ASSERT_TRUE(scanner.Scan(bytes)) << n;
    ExpectSameUploads(scanner, parsed, "body " + std::to_string(n));
    if (HasFatalFailure()) return;
  }
}

TEST(UploadScanner, AcceptsOnlyWhatProtobufAcceptsIdenticallyInMutatedBodies) {
  RandomUploads random(2);
  UploadScanner scanner;
  int accepted = 0, refused = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string bytes = random.Body(static_cast<int>(random.Below(3)));
    if (bytes.empty()) continue;
    const int edits = 1 + static_cast<int>(random.Below(3));
    for (int e = 0; e < edits && !bytes.empty(); ++e) {
      const size_t at = random.Below(bytes.size());
      switch (random.Below(4)) {
        case 0:
          bytes[at] = static_cast<char>(random.Below(256));
          break;
        case 1:
          bytes[at] ^= static_cast<char>(1 << random.Below(8));
          break;
        case 2:
          bytes.resize(at);
          break;
        default:
          bytes.insert(at, 1, static_cast<char>(random.Below(256)));
          break;
      }
    }
    if (!scanner.Scan(bytes)) {
      ++refused;
      continue;
    }
    ++accepted;
    v1::QueuedUploads parsed;
    ASSERT_TRUE(ParseReference(bytes, &parsed)) << "scanned but protobuf refuses, body " << n;
    ExpectSameUploads(scanner, parsed, "mutated body " + std::to_string(n));
    if (HasFatalFailure()) return;
  }
  // Both outcomes must be common, or the comparison above proved little.
  EXPECT_GT(accepted, 2000);
  EXPECT_GT(refused, 2000);
}

// Tag byte of a field: number << 3 | wire type.
std::string Tag(int field, int wire_type) { return std::string(1, char(field << 3 | wire_type)); }

std::string Batch(const std::string& report_batch_bytes) {
  // QueuedBatch{batch = 3: ReportBatch}, one length byte (the tests keep bodies short).
  return Tag(3, 2) + char(report_batch_bytes.size()) + report_batch_bytes;
}

TEST(UploadScanner, LeavesToProtobufWhatItDoesNotRead) {
  UploadScanner scanner;
  const std::string envelope = Tag(1, 2) + '\x05' + "car-1" + Tag(2, 0) + '\x07';
  const std::string report = Tag(1, 0) + '\x01';
  const std::string plain =
      Tag(1, 2) + char(envelope.size()) + envelope + Tag(2, 2) + char(report.size()) + report;
  const std::string body = Batch(plain);  // the scanner's views point into it
  ASSERT_TRUE(scanner.Scan(body));
  ASSERT_EQ(scanner.uploads().size(), 1u);
  EXPECT_EQ(scanner.uploads()[0].vehicle_pseudonym, "car-1");
  EXPECT_EQ(scanner.uploads()[0].batch_sequence, 7u);
  EXPECT_EQ(scanner.reports(scanner.uploads()[0]).size(), 1u);

  // An unknown field, which protobuf would keep aside.
  EXPECT_FALSE(scanner.Scan(Batch(plain + Tag(9, 0) + '\x01')));
  // The envelope twice: protobuf merges the two.
  EXPECT_FALSE(scanner.Scan(Batch(plain + Tag(1, 2) + char(envelope.size()) + envelope)));
  // A report with two payloads: protobuf keeps the last.
  const std::string two_payloads = report + Tag(10, 2) + '\x00' + Tag(12, 2) + '\x00';
  EXPECT_FALSE(scanner.Scan(Batch(Tag(2, 2) + char(two_payloads.size()) + two_payloads)));
  // A known field with another wire type.
  EXPECT_FALSE(scanner.Scan(Batch(Tag(2, 0) + '\x01')));
  // Text beyond ASCII (protobuf checks UTF-8).
  const std::string accented = Tag(1, 2) + '\x02' + "\xc3\xa9";
  EXPECT_FALSE(scanner.Scan(Batch(Tag(1, 2) + char(accented.size()) + accented)));
  // A length past the end, and an empty body.
  EXPECT_FALSE(scanner.Scan(Tag(3, 2) + '\x10' + "abc"));
  EXPECT_FALSE(scanner.Scan(""));
}

TEST(UploadScanner, AggregatesAsTheParsedReports) {
  RandomUploads random(3);
  TileAggregator scanned(300), parsed(300);
  UploadScanner scanner;
  for (int n = 0; n < 300; ++n) {
    const std::string bytes = random.Body(1 + static_cast<int>(random.Below(4)));
    ASSERT_TRUE(scanner.Scan(bytes));
    v1::QueuedUploads uploads;
    ASSERT_TRUE(ParseReference(bytes, &uploads));
    for (int u = 0; u < uploads.uploads_size(); ++u) {
      // Only uploads that pass the checks reach the aggregator (their times are in range).
      const ScannedUpload& s = scanner.uploads()[u];
      if (!scanner.Valid(s)) continue;
      scanned.Add(s.vehicle_pseudonym, scanner.reports(s));
      parsed.Add(uploads.uploads(u).batch());
    }
  }
  EXPECT_GT(parsed.placed_reports(), 1000);
  EXPECT_EQ(scanned.placed_reports(), parsed.placed_reports());
  EXPECT_EQ(scanned.unplaced_reports(), parsed.unplaced_reports());
  EXPECT_TRUE(scanned.tiles() == parsed.tiles());
  EXPECT_TRUE(scanned.hazards() == parsed.hazards());
  EXPECT_TRUE(scanned.speed_limits() == parsed.speed_limits());
}

}  // namespace
}  // namespace roadsense::worker
