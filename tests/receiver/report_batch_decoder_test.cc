#include "receiver/report_batch_decoder.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "core/gzip_codec.h"
#include "tests/receiver/test_batches.h"

namespace roadsense::receiver {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::ValidBatch;

constexpr size_t kLimit = 512 * 1024;

TEST(BodyFormatTest, ProtobufMediaTypesAreRecognised) {
  EXPECT_EQ(BodyFormatFromContentType("application/x-protobuf"), BodyFormat::kProtobuf);
  EXPECT_EQ(BodyFormatFromContentType("application/protobuf"), BodyFormat::kProtobuf);
}

TEST(BodyFormatTest, JsonWithParametersAndCaseIsRecognised) {
  EXPECT_EQ(BodyFormatFromContentType(" Application/JSON; charset=utf-8"), BodyFormat::kJson);
}

TEST(BodyFormatTest, OtherMediaTypesAreUnsupported) {
  EXPECT_EQ(BodyFormatFromContentType("text/plain"), std::nullopt);
  EXPECT_EQ(BodyFormatFromContentType(""), std::nullopt);
}

TEST(BodyEncodingTest, GzipAndIdentityAreSupportedDeflateIsNot) {
  EXPECT_EQ(BodyEncodingFromContentEncoding(""), BodyEncoding::kIdentity);
  EXPECT_EQ(BodyEncodingFromContentEncoding("identity"), BodyEncoding::kIdentity);
  EXPECT_EQ(BodyEncodingFromContentEncoding("GZIP"), BodyEncoding::kGzip);
  EXPECT_EQ(BodyEncodingFromContentEncoding("deflate"), std::nullopt);
}

TEST(ReportBatchDecoderTest, ProtobufRoundTrips) {
  auto batch = ValidBatch();
  auto decoded = DecodeReportBatch(BodyFormat::kProtobuf, BodyEncoding::kIdentity,
                                   batch.SerializeAsString(), kLimit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(MessageDifferencer::Equals(*decoded, batch));
}

TEST(ReportBatchDecoderTest, GarbageProtobufIsInvalidArgument) {
  auto decoded =
      DecodeReportBatch(BodyFormat::kProtobuf, BodyEncoding::kIdentity, "\xff\xff\xff", kLimit);
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
}

TEST(ReportBatchDecoderTest, CanonicalJsonRoundTrips) {
  auto batch = ValidBatch();
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(batch, &json).ok());
  auto decoded = DecodeReportBatch(BodyFormat::kJson, BodyEncoding::kIdentity, json, kLimit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(MessageDifferencer::Equals(*decoded, batch));
}

TEST(ReportBatchDecoderTest, JsonUsesCamelCaseStringInt64AndEnumNames) {
  const std::string json = R"({
    "envelope": {"vehiclePseudonym": "veh_0001-abc", "batchSequence": "7",
                 "sentTimeMs": "1763999999500"},
    "reports": [{"observedTimeMs": "1763999999000",
                 "position": {"latE7": 481371540, "lonE7": 115753950},
                 "hazard": {"type": "HAZARD_TYPE_FOG", "confidencePct": 80}}]})";
  auto decoded = DecodeReportBatch(BodyFormat::kJson, BodyEncoding::kIdentity, json, kLimit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->envelope().batch_sequence(), 7u);
  EXPECT_EQ(decoded->reports(0).hazard().type(), v1::HAZARD_TYPE_FOG);
  EXPECT_EQ(decoded->reports(0).position().lat_e7(), 481371540);
}

TEST(ReportBatchDecoderTest, JsonUnknownFieldsAreIgnored) {
  auto decoded =
      DecodeReportBatch(BodyFormat::kJson, BodyEncoding::kIdentity,
                        R"({"envelope": {"batchSequence": "3"}, "futureField": 1})", kLimit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->envelope().batch_sequence(), 3u);
}

TEST(ReportBatchDecoderTest, MalformedJsonIsInvalidArgument) {
  auto decoded =
      DecodeReportBatch(BodyFormat::kJson, BodyEncoding::kIdentity, R"({"envelope": )", kLimit);
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
}

// With unknown fields ignored, protobuf also reads an unknown enum name as the zero value; the
// validator then rejects it where the field is required (hazard and sign types).
TEST(ReportBatchDecoderTest, UnknownEnumNameInJsonReadsAsUnspecified) {
  auto decoded =
      DecodeReportBatch(BodyFormat::kJson, BodyEncoding::kIdentity,
                        R"({"reports": [{"hazard": {"type": "HAZARD_TYPE_METEOR"}}]})", kLimit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->reports(0).hazard().type(), v1::HAZARD_TYPE_UNSPECIFIED);
}

TEST(ReportBatchDecoderTest, GzipProtobufIsDecoded) {
  auto batch = ValidBatch();
  auto decoded = DecodeReportBatch(BodyFormat::kProtobuf, BodyEncoding::kGzip,
                                   GzipCompress(batch.SerializeAsString()), kLimit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(MessageDifferencer::Equals(*decoded, batch));
}

TEST(ReportBatchDecoderTest, OversizedIdentityBodyIsResourceExhausted) {
  auto decoded =
      DecodeReportBatch(BodyFormat::kJson, BodyEncoding::kIdentity, std::string(101, ' '), 100);
  EXPECT_EQ(decoded.status().code(), StatusCode::kResourceExhausted);
}

TEST(ReportBatchDecoderTest, ZipBombIsRefusedAsResourceExhausted) {
  // 16 MiB of zeros compress to ~16 KiB; the limit stops inflation at 512 KiB.
  const std::string bomb = GzipCompress(std::string(16 << 20, '\0'));
  ASSERT_LT(bomb.size(), kLimit);
  auto decoded = DecodeReportBatch(BodyFormat::kProtobuf, BodyEncoding::kGzip, bomb, kLimit);
  EXPECT_EQ(decoded.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace roadsense::receiver
