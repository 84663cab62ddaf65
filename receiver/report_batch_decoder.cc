#include "receiver/report_batch_decoder.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "core/gzip_codec.h"

namespace roadsense::receiver {
namespace {

// Lowercased value without parameters and surrounding whitespace: " Application/JSON; x=y" →
// "application/json".
std::string BareToken(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  std::string out(value);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<roadsense::v1::ReportBatch> Parse(BodyFormat format, std::string_view bytes) {
  roadsense::v1::ReportBatch batch;
  if (format == BodyFormat::kProtobuf) {
    if (!batch.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return InvalidArgument("body is not a valid protobuf ReportBatch");
    }
    return batch;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(bytes.data(), bytes.size()), &batch, options);
  if (!status.ok()) {
    return InvalidArgument("body is not a valid JSON ReportBatch: " + status.ToString());
  }
  return batch;
}

}  // namespace

std::optional<BodyFormat> BodyFormatFromContentType(std::string_view content_type) {
  const std::string t = BareToken(content_type);
  if (t == "application/x-protobuf" || t == "application/protobuf" ||
      t == "application/vnd.google.protobuf") {
    return BodyFormat::kProtobuf;
  }
  if (t == "application/json") return BodyFormat::kJson;
  return std::nullopt;
}

std::optional<BodyEncoding> BodyEncodingFromContentEncoding(std::string_view content_encoding) {
  const std::string t = BareToken(content_encoding);
  if (t.empty() || t == "identity") return BodyEncoding::kIdentity;
  if (t == "gzip" || t == "x-gzip") return BodyEncoding::kGzip;
  return std::nullopt;
}

Result<roadsense::v1::ReportBatch> DecodeReportBatch(BodyFormat format, BodyEncoding encoding,
                                                     std::string_view body,
                                                     size_t max_decoded_bytes) {
  if (encoding == BodyEncoding::kIdentity) {
    if (body.size() > max_decoded_bytes) {
      return Status(StatusCode::kResourceExhausted, "body of " + std::to_string(body.size()) +
                                                        " bytes is larger than " +
                                                        std::to_string(max_decoded_bytes));
    }
    return Parse(format, body);
  }
  Result<std::string> inflated = GzipDecompress(body, max_decoded_bytes);
  if (!inflated.ok()) return inflated.status();
  return Parse(format, *inflated);
}

}  // namespace roadsense::receiver
