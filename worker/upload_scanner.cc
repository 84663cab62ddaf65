#include "worker/upload_scanner.h"

#include <algorithm>
#include <limits>

#include "worker/queued_batch_decoder.h"

namespace roadsense::worker {
namespace {

constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t kUploadsField = v1::QueuedUploads::kUploadsFieldNumber;

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Protobuf truncates a longer varint to the field's 32 bits; such values are refused instead, so
// that no truncation rule has to match. A negative int32 (or enum) is written sign-extended to 64
// bits.
bool FitsUint32(uint64_t v) { return v <= std::numeric_limits<uint32_t>::max(); }
bool FitsInt32(uint64_t v) { return FitsUint32(v) || (v >> 31) == (uint64_t{1} << 33) - 1; }

int32_t ZigZag32(uint32_t v) { return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1)); }

// A cursor over wire-format bytes. Every read fails (false) rather than read past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool done() const { return p_ == end_; }

  bool Varint(uint64_t& v) {
    // Tags and most values fit one byte.
    if (p_ != end_ && *p_ < 0x80) {
      v = *p_++;
      return true;
    }
    return LongVarint(v);
  }

  bool LongVarint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t byte = *p_++;
      // The tenth byte holds bit 63 only; more is not a 64-bit value.
      if (shift == 63 && byte > 1) return false;
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return true;
    }
    return false;
  }

  // A field's number and wire type; fails on number 0 and on tags beyond 32 bits.
  bool Tag(uint32_t& field, uint32_t& wire_type) {
    uint64_t tag;
    if (!Varint(tag) || !FitsUint32(tag) || tag >> 3 == 0) return false;
    field = static_cast<uint32_t>(tag >> 3);
    wire_type = static_cast<uint32_t>(tag & 7);
    return true;
  }

  bool LengthDelimited(std::string_view& bytes) {
    uint64_t length;
    if (!Varint(length) || length > static_cast<uint64_t>(end_ - p_)) return false;
    bytes = {reinterpret_cast<const char*>(p_), static_cast<size_t>(length)};
    p_ += length;
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// The next field of a message whose fields are numbered below 32 and appear at most once each
// (`seen` keeps a bit per number): false on a repeat.
[[gnu::always_inline]] inline bool NextSingularField(Reader& in, uint32_t& seen, uint32_t& field,
                                                     uint32_t& type) {
  if (!in.Tag(field, type) || field >= 32 || (seen & (uint32_t{1} << field))) return false;
  seen |= uint32_t{1} << field;
  return true;
}

bool ReadVarint(Reader& in, uint32_t type, uint64_t& v) { return type == kVarint && in.Varint(v); }

bool ReadText(Reader& in, uint32_t type, std::string_view& text) {
  return type == kLengthDelimited && in.LengthDelimited(text) && IsAscii(text);
}

// A message of varint fields only (numbers 1..`last`): fills value[number], false otherwise.
template <size_t N>
bool ScanVarints(std::string_view bytes, uint32_t last, uint64_t (&value)[N], uint32_t& seen) {
  Reader in(bytes);
  seen = 0;
  while (!in.done()) {
    uint32_t field, type;
    if (!NextSingularField(in, seen, field, type) || field > last || field >= N) return false;
    if (!ReadVarint(in, type, value[field])) return false;
  }
  return true;
}

bool ScanPosition(std::string_view bytes, ScannedPosition& out) {
  uint64_t v[6] = {};
  uint32_t seen;
  if (!ScanVarints(bytes, 5, v, seen)) return false;
  if (!FitsUint32(v[1]) || !FitsUint32(v[2]) || !FitsUint32(v[3]) || !FitsUint32(v[4]) ||
      !FitsUint32(v[5])) {
    return false;
  }
  out.lat_e7_ = ZigZag32(static_cast<uint32_t>(v[1]));
  out.lon_e7_ = ZigZag32(static_cast<uint32_t>(v[2]));
  out.heading_cdeg_ = static_cast<uint32_t>(v[4]);
  out.speed_cms_ = static_cast<uint32_t>(v[5]);
  return true;
}

bool ScanPayload(uint32_t field, std::string_view bytes, ScannedReport& out) {
  uint64_t v[8] = {};
  uint32_t seen;
  switch (field) {
    case v1::Report::kProbeFieldNumber:
      if (!ScanVarints(bytes, 1, v, seen) || !FitsUint32(v[1])) return false;
      out.payload_case_ = v1::Report::kProbe;
      return true;
    case v1::Report::kHazardFieldNumber:
      if (!ScanVarints(bytes, 7, v, seen) || !FitsInt32(v[1]) || !FitsUint32(v[2]) ||
          !FitsUint32(v[3]) || !FitsUint32(v[4]) || !FitsUint32(v[5]) || v[7] > 1) {
        return false;
      }
      out.hazard_ = {static_cast<int32_t>(v[1]), static_cast<uint32_t>(v[4]),
                     static_cast<uint32_t>(v[5]), v[7] == 1};
      out.payload_case_ = v1::Report::kHazard;
      return true;
    case v1::Report::kSignFieldNumber:
      if (!ScanVarints(bytes, 3, v, seen) || !FitsInt32(v[1]) || !FitsUint32(v[2]) ||
          !FitsUint32(v[3])) {
        return false;
      }
      out.sign_ = {static_cast<int32_t>(v[1]), static_cast<uint32_t>(v[2])};
      out.payload_case_ = v1::Report::kSign;
      return true;
    case v1::Report::kWeatherFieldNumber:
      if (!ScanVarints(bytes, 4, v, seen) || !FitsInt32(v[1]) || v[2] > 1 || v[3] > 1 ||
          !FitsUint32(v[4])) {
        return false;
      }
      out.weather_ = {static_cast<int32_t>(v[1]), v[2] == 1, v[3] == 1, (seen & (1u << 4)) != 0,
                      ZigZag32(static_cast<uint32_t>(v[4]))};
      out.payload_case_ = v1::Report::kWeather;
      return true;
    default:
      return false;
  }
}

bool ScanEnvelope(std::string_view bytes, ScannedUpload& out) {
  Reader in(bytes);
  uint32_t seen = 0;
  while (!in.done()) {
    uint32_t field, type;
    if (!NextSingularField(in, seen, field, type)) return false;
    uint64_t v;
    std::string_view text;
    switch (field) {
      case v1::Envelope::kVehiclePseudonymFieldNumber:
        if (!ReadText(in, type, text)) return false;
        out.vehicle_pseudonym = text;
        break;
      case v1::Envelope::kBatchSequenceFieldNumber:
        if (!ReadVarint(in, type, v)) return false;
        out.batch_sequence = v;
        break;
      case v1::Envelope::kSentTimeMsFieldNumber:
        if (!ReadVarint(in, type, v)) return false;
        out.sent_time_ms = static_cast<int64_t>(v);
        break;
      case v1::Envelope::kSoftwareVersionFieldNumber:
      case v1::Envelope::kFleetIdFieldNumber:
        if (!ReadText(in, type, text)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

bool ScanReport(Reader& in, ScannedReport& out) {
  uint32_t seen = 0;
  while (!in.done()) {
    uint32_t field, type;
    if (!NextSingularField(in, seen, field, type)) return false;
    if (field == v1::Report::kObservedTimeMsFieldNumber) {
      uint64_t v;
      if (!ReadVarint(in, type, v)) return false;
      out.observed_time_ms_ = static_cast<int64_t>(v);
      continue;
    }
    std::string_view bytes;
    if (type != kLengthDelimited || !in.LengthDelimited(bytes)) return false;
    if (field == v1::Report::kPositionFieldNumber) {
      if (!ScanPosition(bytes, out.position_)) return false;
      out.has_position_ = true;
    } else if (out.payload_case_ != v1::Report::PAYLOAD_NOT_SET ||
               !ScanPayload(field, bytes, out)) {
      return false;  // a second payload (protobuf keeps the last), or not a payload field
    }
  }
  return true;
}

bool ScanReportBatch(Reader& in, ScannedUpload& upload, std::vector<ScannedReport>& reports) {
  bool envelope_seen = false;
  while (!in.done()) {
    uint32_t field, type;
    std::string_view bytes;
    if (!in.Tag(field, type) || type != kLengthDelimited || !in.LengthDelimited(bytes)) {
      return false;
    }
    if (field == v1::ReportBatch::kEnvelopeFieldNumber) {
      if (envelope_seen || !ScanEnvelope(bytes, upload)) return false;
      envelope_seen = upload.has_envelope = true;
    } else if (field == v1::ReportBatch::kReportsFieldNumber) {
      Reader report(bytes);
      reports.emplace_back();
      if (!ScanReport(report, reports.back())) return false;
      ++upload.report_count;
    } else {
      return false;
    }
  }
  return true;
}

bool ScanQueuedBatch(Reader& in, std::vector<ScannedUpload>& uploads,
                     std::vector<ScannedReport>& reports) {
  ScannedUpload upload;
  upload.first_report = reports.size();
  uint32_t seen = 0;
  while (!in.done()) {
    uint32_t field, type;
    if (!NextSingularField(in, seen, field, type)) return false;
    uint64_t v;
    std::string_view bytes;
    switch (field) {
      case v1::QueuedBatch::kReceivedTimeMsFieldNumber:
        if (!ReadVarint(in, type, v)) return false;
        break;
      case v1::QueuedBatch::kFleetIdFieldNumber:
        if (!ReadText(in, type, bytes)) return false;
        break;
      case v1::QueuedBatch::kBatchFieldNumber: {
        if (type != kLengthDelimited || !in.LengthDelimited(bytes)) return false;
        Reader batch(bytes);
        if (!ScanReportBatch(batch, upload, reports)) return false;
        upload.has_batch = true;
        break;
      }
      default:
        return false;
    }
  }
  uploads.push_back(upload);
  return true;
}

}  // namespace

bool UploadScanner::Scan(std::string_view bytes) {
  uploads_.clear();
  reports_.clear();
  if (bytes.empty()) return false;
  Reader in(bytes);
  uint32_t field, type;
  Reader first = in;
  if (!first.Tag(field, type)) return false;
  // The first tag tells a packed body from a legacy one, as DecodeQueuedUploadsInto does.
  if (field != kUploadsField || type != kLengthDelimited) {
    return ScanQueuedBatch(in, uploads_, reports_);
  }
  while (!in.done()) {
    std::string_view upload;
    if (!in.Tag(field, type) || field != kUploadsField || type != kLengthDelimited ||
        !in.LengthDelimited(upload)) {
      return false;
    }
    Reader queued(upload);
    if (!ScanQueuedBatch(queued, uploads_, reports_)) return false;
  }
  return true;
}

bool UploadScanner::Valid(const ScannedUpload& upload) const {
  if (!upload.has_batch || !upload.has_envelope || upload.vehicle_pseudonym.empty()) return false;
  if (upload.batch_sequence == 0 ||
      upload.batch_sequence > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return false;
  }
  if (upload.report_count == 0) return IsUploadTime(upload.sent_time_ms);
  for (const ScannedReport& r : reports(upload)) {
    if (!IsUploadTime(r.observed_time_ms_)) return false;
  }
  return true;
}

}  // namespace roadsense::worker
