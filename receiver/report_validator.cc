#include "receiver/report_validator.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace roadsense::receiver {
namespace {

namespace pb = roadsense::v1;

constexpr int64_t kMaxLatE7 = 850511287;  // 85.05112878° (Web Mercator's limit), truncated
constexpr int64_t kMaxLonE7 = 1800000000;
constexpr uint32_t kMaxHeadingCdeg = 35999;
constexpr uint32_t kMaxSpeedCms = 15000;
constexpr int32_t kMaxAccelMms2 = 20000;
constexpr uint32_t kMaxPercent = 100;
constexpr uint32_t kMaxTtlS = 86400;
constexpr uint32_t kMaxEtsiCode = 255;
constexpr uint32_t kMinSpeedLimitKmh = 5;
constexpr uint32_t kMaxSpeedLimitKmh = 150;
constexpr int32_t kMaxAbsTempDc = 600;
constexpr size_t kMinPseudonym = 8;
constexpr size_t kMaxIdentifier = 64;
constexpr size_t kMaxSoftwareVersion = 64;

// Degrees × 1e7 as "95.2°": fixed point with trailing zeros removed.
std::string FormatE7(int64_t e7) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7f", static_cast<double>(e7) / 1e7);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "°";
}

bool IsIdentifierChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Collects problems up to a cap; counts the rest.
class Problems {
 public:
  explicit Problems(int cap) : cap_(cap) {}

  void Add(std::string_view path, std::string_view problem) {
    if (static_cast<int>(list_.size()) < cap_) {
      list_.push_back(std::string(path) + ": " + std::string(problem));
    } else {
      ++omitted_;
    }
  }

  std::vector<std::string> Take() && {
    if (omitted_ > 0) list_.push_back("... and " + std::to_string(omitted_) + " more problems");
    return std::move(list_);
  }

 private:
  int cap_;
  int omitted_ = 0;
  std::vector<std::string> list_;
};

template <typename T>
void CheckRange(Problems& p, const std::string& path, T value, T lo, T hi,
                std::string_view unit = "") {
  if (value < lo || value > hi) {
    std::string u(unit);
    p.Add(path, std::to_string(value) + u + " is outside " + std::to_string(lo) + ".." +
                    std::to_string(hi) + u);
  }
}

void CheckIdentifier(Problems& p, const std::string& path, const std::string& value,
                     size_t min_len) {
  if (value.size() < min_len || value.size() > kMaxIdentifier) {
    p.Add(path, "length " + std::to_string(value.size()) + " is outside " +
                    std::to_string(min_len) + ".." + std::to_string(kMaxIdentifier));
  }
  for (char c : value) {
    if (!IsIdentifierChar(c)) {
      p.Add(path, "contains a character outside [A-Za-z0-9_-]");
      break;
    }
  }
}

void CheckEnvelope(Problems& p, const pb::ReportBatch& batch) {
  if (!batch.has_envelope()) {
    p.Add("envelope", "required");
    return;
  }
  const pb::Envelope& e = batch.envelope();
  CheckIdentifier(p, "envelope.vehicle_pseudonym", e.vehicle_pseudonym(), kMinPseudonym);
  if (e.batch_sequence() < 1) p.Add("envelope.batch_sequence", "required, must be >= 1");
  if (e.sent_time_ms() <= 0) p.Add("envelope.sent_time_ms", "required, must be > 0");
  if (e.software_version().size() > kMaxSoftwareVersion) {
    p.Add("envelope.software_version", std::to_string(e.software_version().size()) +
                                           " bytes is more than " +
                                           std::to_string(kMaxSoftwareVersion));
  }
  if (!e.fleet_id().empty()) CheckIdentifier(p, "envelope.fleet_id", e.fleet_id(), 1);
}

void CheckObservedTime(Problems& p, const std::string& path, int64_t t, int64_t now_ms,
                       const ValidationLimits& limits) {
  if (t >= now_ms - limits.max_age_ms && t <= now_ms + limits.max_future_ms) return;
  // t - now_ms overflows int64 for a car's INT64_MIN (or INT64_MAX): the distance is taken in
  // uint64, where it always fits, and only its thousandth goes back to int64.
  const uint64_t distance_ms = t < now_ms
                                   ? static_cast<uint64_t>(now_ms) - static_cast<uint64_t>(t)
                                   : static_cast<uint64_t>(t) - static_cast<uint64_t>(now_ms);
  const int64_t offset_s = (t < now_ms ? -1 : 1) * static_cast<int64_t>(distance_ms / 1000);
  p.Add(path, std::to_string(t) + " is " + std::to_string(offset_s) +
                  " s from the receive time; allowed -" + std::to_string(limits.max_age_ms / 1000) +
                  "..+" + std::to_string(limits.max_future_ms / 1000) + " s");
}

void CheckPosition(Problems& p, const std::string& path, const pb::Report& report) {
  if (!report.has_position()) {
    p.Add(path, "required");
    return;
  }
  const pb::Position& pos = report.position();
  if (std::abs(int64_t{pos.lat_e7()}) > kMaxLatE7) {
    p.Add(path + ".lat_e7", FormatE7(pos.lat_e7()) + " is outside -85.05112878..85.05112878");
  }
  if (std::abs(int64_t{pos.lon_e7()}) > kMaxLonE7) {
    p.Add(path + ".lon_e7", FormatE7(pos.lon_e7()) + " is outside -180..180");
  }
  CheckRange<uint32_t>(p, path + ".heading_cdeg", pos.heading_cdeg(), 0, kMaxHeadingCdeg);
  CheckRange<uint32_t>(p, path + ".speed_cms", pos.speed_cms(), 0, kMaxSpeedCms);
}

void CheckHazard(Problems& p, const std::string& path, const pb::HazardEvent& h) {
  if (h.type() == pb::HAZARD_TYPE_UNSPECIFIED) {
    p.Add(path + ".type", "required, must not be HAZARD_TYPE_UNSPECIFIED");
  } else if (!pb::HazardType_IsValid(h.type())) {
    p.Add(path + ".type", std::to_string(h.type()) + " is not a known HazardType");
  }
  CheckRange<uint32_t>(p, path + ".etsi_cause_code", h.etsi_cause_code(), 0, kMaxEtsiCode);
  CheckRange<uint32_t>(p, path + ".etsi_sub_cause_code", h.etsi_sub_cause_code(), 0, kMaxEtsiCode);
  CheckRange<uint32_t>(p, path + ".confidence_pct", h.confidence_pct(), 0, kMaxPercent);
  CheckRange<uint32_t>(p, path + ".ttl_s", h.ttl_s(), 0, kMaxTtlS);
}

void CheckSign(Problems& p, const std::string& path, const pb::SignObservation& s) {
  if (s.type() == pb::SIGN_TYPE_UNSPECIFIED) {
    p.Add(path + ".type", "required, must not be SIGN_TYPE_UNSPECIFIED");
  } else if (!pb::SignType_IsValid(s.type())) {
    p.Add(path + ".type", std::to_string(s.type()) + " is not a known SignType");
  }
  if (s.type() == pb::SIGN_TYPE_SPEED_LIMIT) {
    CheckRange<uint32_t>(p, path + ".value", s.value(), kMinSpeedLimitKmh, kMaxSpeedLimitKmh,
                         " km/h");
  }
  CheckRange<uint32_t>(p, path + ".confidence_pct", s.confidence_pct(), 0, kMaxPercent);
}

void CheckWeather(Problems& p, const std::string& path, const pb::RoadWeather& w) {
  if (!pb::WiperState_IsValid(w.wipers())) {
    p.Add(path + ".wipers", std::to_string(w.wipers()) + " is not a known WiperState");
  }
  if (w.has_outside_temp_dc()) {
    CheckRange<int32_t>(p, path + ".outside_temp_dc", w.outside_temp_dc(), -kMaxAbsTempDc,
                        kMaxAbsTempDc);
  }
}

void CheckPayload(Problems& p, const std::string& path, const pb::Report& r) {
  switch (r.payload_case()) {
    case pb::Report::kProbe:
      CheckRange<int32_t>(p, path + ".probe.longitudinal_accel_mms2",
                          r.probe().longitudinal_accel_mms2(), -kMaxAccelMms2, kMaxAccelMms2);
      break;
    case pb::Report::kHazard:
      CheckHazard(p, path + ".hazard", r.hazard());
      break;
    case pb::Report::kSign:
      CheckSign(p, path + ".sign", r.sign());
      break;
    case pb::Report::kWeather:
      CheckWeather(p, path + ".weather", r.weather());
      break;
    case pb::Report::PAYLOAD_NOT_SET:
      p.Add(path + ".payload", "required, one of probe, hazard, sign, weather");
      break;
  }
}

}  // namespace

std::vector<std::string> ReportValidator::Validate(const pb::ReportBatch& batch,
                                                   int64_t now_ms) const {
  Problems p(limits_.max_problems);
  CheckEnvelope(p, batch);
  const int n = batch.reports_size();
  if (n < 1 || n > limits_.max_reports) {
    p.Add("reports",
          std::to_string(n) + " reports is outside 1.." + std::to_string(limits_.max_reports));
  }
  // A batch over the limit is rejected as a whole; do not spend time on each of its reports.
  if (n <= limits_.max_reports) {
    for (int i = 0; i < n; ++i) {
      const pb::Report& r = batch.reports(i);
      const std::string path = "reports[" + std::to_string(i) + "]";
      CheckObservedTime(p, path + ".observed_time_ms", r.observed_time_ms(), now_ms, limits_);
      CheckPosition(p, path + ".position", r);
      CheckPayload(p, path, r);
    }
  }
  return std::move(p).Take();
}

}  // namespace roadsense::receiver
