// libFuzzer target for the receiver's untrusted-input path: body decoding (protobuf or JSON,
// identity or gzip) and validation. The first input byte picks format and encoding; the rest is
// the body. Checked properties: nothing crashes or trips a sanitizer; the validator's problem list
// is bounded; a batch it accepts has 1..max_reports reports and survives a serialize/parse round
// trip unchanged.
//
// With clang (-DROADSENSE_FUZZ=ON) this builds `fuzz_report_batch` (libFuzzer + ASan/UBSan);
// with any compiler tests/fuzz replays fuzz/corpus/report_batch and fuzz/regressions/report_batch
// through the same function. See fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "receiver/report_batch_decoder.h"
#include "receiver/report_validator.h"

namespace {

constexpr int64_t kNowMs = 1'764'000'000'000;  // fixed, so that runs are reproducible
constexpr size_t kMaxDecodedBytes = 256 * 1024;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace roadsense::receiver;
  if (size == 0) return 0;
  const BodyFormat format = (data[0] & 1) ? BodyFormat::kJson : BodyFormat::kProtobuf;
  const BodyEncoding encoding = (data[0] & 2) ? BodyEncoding::kGzip : BodyEncoding::kIdentity;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  auto batch = DecodeReportBatch(format, encoding, body, kMaxDecodedBytes);
  if (!batch.ok()) return 0;
  ValidationLimits limits;
  limits.max_reports = 100;
  const ReportValidator validator(limits);
  const std::vector<std::string> problems = validator.Validate(*batch, kNowMs);
  Check(problems.size() <= static_cast<size_t>(limits.max_problems) + 1);
  if (problems.empty()) {
    Check(batch->reports_size() >= 1 && batch->reports_size() <= limits.max_reports);
    roadsense::v1::ReportBatch again;
    Check(again.ParseFromString(batch->SerializeAsString()));
    Check(validator.Validate(again, kNowMs).empty());
  }
  return 0;
}
