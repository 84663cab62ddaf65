// UploadScanner: reads a queued body's uploads (the base64-decoded bytes of a packed
// roadsense.v1.QueuedUploads or of one legacy QueuedBatch, queued_batch_decoder.h) straight into
// flat structs, without building protobuf messages. Parsing into messages was about half of the
// worker's Prepare time: an arena allocation per report and sub-message, and generic field
// dispatch.
//
// It reads only the plain encoding every protobuf serializer writes — known fields with their
// declared wire types, each singular field and oneof at most once, ASCII strings — and refuses
// anything else (unknown or repeated fields, a second payload, non-ASCII text, malformed data):
// Scan() then returns false and the caller parses the bytes with protobuf as before, which also
// words the error of a body that is really bad. So for every body it accepts, each value equals
// what protobuf parsing gives (tests/worker/upload_scanner_test.cc compares them on random and
// mutated bodies). It does not check the uploads (queued_batch_decoder.h does; ScannedUpload::
// Valid is the same test as a yes/no).
//
// The Scanned* structs answer the accessors of the v1 messages that the worker reads, under the
// same names, so TileAggregator runs the same code on either. Views into the scanned bytes: valid
// while they are and until the next Scan(). Not thread-safe; one per thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "schema/roadsense.pb.h"

namespace roadsense::worker {

struct ScannedPosition {
  int32_t lat_e7_ = 0, lon_e7_ = 0;
  uint32_t heading_cdeg_ = 0, speed_cms_ = 0;

  int32_t lat_e7() const { return lat_e7_; }
  int32_t lon_e7() const { return lon_e7_; }
  uint32_t heading_cdeg() const { return heading_cdeg_; }
  uint32_t speed_cms() const { return speed_cms_; }
};

struct ScannedHazard {
  int32_t type_ = 0;
  uint32_t confidence_pct_ = 0, ttl_s_ = 0;
  bool cancellation_ = false;

  v1::HazardType type() const { return static_cast<v1::HazardType>(type_); }
  uint32_t confidence_pct() const { return confidence_pct_; }
  uint32_t ttl_s() const { return ttl_s_; }
  bool cancellation() const { return cancellation_; }
};

struct ScannedSign {
  int32_t type_ = 0;
  uint32_t value_ = 0;

  v1::SignType type() const { return static_cast<v1::SignType>(type_); }
  uint32_t value() const { return value_; }
};

struct ScannedWeather {
  int32_t wipers_ = 0;
  bool fog_lights_front_ = false, fog_lights_rear_ = false;
  bool has_outside_temp_dc_ = false;
  int32_t outside_temp_dc_ = 0;

  v1::WiperState wipers() const { return static_cast<v1::WiperState>(wipers_); }
  bool fog_lights_front() const { return fog_lights_front_; }
  bool fog_lights_rear() const { return fog_lights_rear_; }
  bool has_outside_temp_dc() const { return has_outside_temp_dc_; }
  int32_t outside_temp_dc() const { return outside_temp_dc_; }
};

struct ScannedReport {
  int64_t observed_time_ms_ = 0;
  bool has_position_ = false;
  ScannedPosition position_;
  v1::Report::PayloadCase payload_case_ = v1::Report::PAYLOAD_NOT_SET;
  ScannedHazard hazard_;    // when payload_case_ is kHazard
  ScannedSign sign_;        // kSign
  ScannedWeather weather_;  // kWeather

  int64_t observed_time_ms() const { return observed_time_ms_; }
  bool has_position() const { return has_position_; }
  const ScannedPosition& position() const { return position_; }
  v1::Report::PayloadCase payload_case() const { return payload_case_; }
  const ScannedHazard& hazard() const { return hazard_; }
  const ScannedSign& sign() const { return sign_; }
  const ScannedWeather& weather() const { return weather_; }
};

// One upload: its QueuedBatch.batch envelope and the range of its reports in the scanner.
struct ScannedUpload {
  bool has_batch = false;
  bool has_envelope = false;
  std::string_view vehicle_pseudonym;
  uint64_t batch_sequence = 0;
  int64_t sent_time_ms = 0;
  size_t first_report = 0;
  size_t report_count = 0;
};

class UploadScanner {
 public:
  // Scans `bytes` (kept by the caller). False: not the plain encoding, or not well-formed; parse
  // with protobuf instead. An empty body is refused too (it holds no upload).
  bool Scan(std::string_view bytes);

  const std::vector<ScannedUpload>& uploads() const { return uploads_; }
  std::span<const ScannedReport> reports(const ScannedUpload& upload) const {
    return {reports_.data() + upload.first_report, upload.report_count};
  }

  // Whether `upload` passes the decoder's checks (envelope, pseudonym, sequence, times); the
  // caller gets their wording from protobuf parsing when it does not.
  bool Valid(const ScannedUpload& upload) const;

 private:
  std::vector<ScannedUpload> uploads_;
  std::vector<ScannedReport> reports_;
};

}  // namespace roadsense::worker
