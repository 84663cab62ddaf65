#include "worker/queued_batch_decoder.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "core/base64.h"
#include "tests/worker/queued_bodies.h"

namespace roadsense::worker {
namespace {

using testing::LegacyBody;
using testing::PackedBody;

v1::QueuedBatch Upload(const std::string& pseudonym, uint64_t sequence) {
  v1::QueuedBatch q;
  q.set_received_time_ms(1'700'000'000'000);
  q.mutable_batch()->mutable_envelope()->set_vehicle_pseudonym(pseudonym);
  q.mutable_batch()->mutable_envelope()->set_batch_sequence(sequence);
  q.mutable_batch()->add_reports()->set_observed_time_ms(1);
  return q;
}

// A legacy body: one QueuedBatch, as receivers before packing wrote it.
std::string Body(const std::string& pseudonym, uint64_t sequence) {
  return LegacyBody(Upload(pseudonym, sequence));
}

std::string ErrorOf(std::string_view body) {
  Result<v1::QueuedUploads> decoded = DecodeQueuedUploads(body);
  EXPECT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  return decoded.ok() ? "" : decoded.status().message();
}

TEST(DecodeQueuedUploads, LegacyBodyDecodesAsOneUpload) {
  auto decoded = DecodeQueuedUploads(Body("car-12345678", 7));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->uploads_size(), 1);
  EXPECT_EQ(decoded->uploads(0).batch().envelope().vehicle_pseudonym(), "car-12345678");
  EXPECT_EQ(decoded->uploads(0).batch().envelope().batch_sequence(), 7u);
  EXPECT_EQ(decoded->uploads(0).received_time_ms(), 1'700'000'000'000);
}

TEST(DecodeQueuedUploads, PackedBodyRoundTripsEveryUploadInOrder) {
  std::vector<v1::QueuedBatch> uploads;
  for (uint64_t s = 1; s <= 25; ++s) uploads.push_back(Upload("car-" + std::to_string(s), s));
  auto decoded = DecodeQueuedUploads(PackedBody(uploads));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->uploads_size(), 25);
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(decoded->uploads(i).SerializeAsString(), uploads[i].SerializeAsString());
  }
}

TEST(DecodeQueuedUploads, DecodesOntoAnArena) {
  google::protobuf::Arena arena;
  auto* out = google::protobuf::Arena::CreateMessage<v1::QueuedUploads>(&arena);
  ASSERT_TRUE(DecodeQueuedUploadsInto(Body("car-12345678", 3), out).ok());
  ASSERT_EQ(out->uploads_size(), 1);
  EXPECT_EQ(out->uploads(0).GetArena(), &arena);
}

TEST(DecodeQueuedUploads, AReusedMessageHoldsOnlyTheLastBody) {
  v1::QueuedUploads out;
  ASSERT_TRUE(
      DecodeQueuedUploadsInto(PackedBody({Upload("car-aaaaaaaa", 1), Upload("car-bbbbbbbb", 2),
                                          Upload("car-cccccccc", 3)}),
                              &out)
          .ok());
  ASSERT_EQ(out.uploads_size(), 3);
  ASSERT_TRUE(DecodeQueuedUploadsInto(Body("car-dddddddd", 4), &out).ok());
  ASSERT_EQ(out.uploads_size(), 1);
  EXPECT_EQ(out.uploads(0).SerializeAsString(), Upload("car-dddddddd", 4).SerializeAsString());
  ASSERT_TRUE(DecodeQueuedUploadsInto(PackedBody({Upload("car-eeeeeeee", 5)}), &out).ok());
  ASSERT_EQ(out.uploads_size(), 1);
  EXPECT_EQ(out.uploads(0).batch().envelope().vehicle_pseudonym(), "car-eeeeeeee");
}

TEST(DecodeQueuedUploads, KeptBytesParseAgainToTheSameUploads) {
  for (const std::string& body :
       {PackedBody({Upload("car-aaaaaaaa", 1), Upload("car-bbbbbbbb", 2)}),
        Body("car-cccccccc", 3)}) {
    std::string bytes;
    v1::QueuedUploads decoded;
    ASSERT_TRUE(DecodeQueuedUploadsInto(body, &bytes, &decoded).ok());
    EXPECT_EQ(Base64Encode(bytes), body);
    v1::QueuedUploads again;
    *again.add_uploads() = Upload("stale-upload", 9);  // replaced, not appended to
    ASSERT_TRUE(ParseCheckedUploadsInto(bytes, &again));
    EXPECT_EQ(again.SerializeAsString(), decoded.SerializeAsString());
  }
  v1::QueuedUploads out;
  EXPECT_FALSE(ParseCheckedUploadsInto("\x82\x01\xff", &out));  // truncated packed upload
}

TEST(DecodeQueuedUploads, EmptyPackedBodyIsRejected) {
  // An empty QueuedUploads serializes to nothing; a packed body whose one element is empty has
  // no envelope.
  EXPECT_NE(ErrorOf(PackedBody({})).find("no uploads"), std::string::npos);
  EXPECT_NE(ErrorOf(PackedBody({v1::QueuedBatch()})).find("no batch envelope"), std::string::npos);
}

TEST(DecodeQueuedUploads, InvalidBase64IsRejected) {
  EXPECT_NE(ErrorOf("not base64!").find("base64"), std::string::npos);
}

TEST(DecodeQueuedUploads, NonProtobufBytesAreRejected) {
  EXPECT_NE(ErrorOf(Base64Encode("\xff\xff\xff\xff")).find("not a QueuedBatch"), std::string::npos);
}

TEST(DecodeQueuedUploads, TruncatedPackedBodyIsRejected) {
  std::string bytes =
      *Base64Decode(PackedBody({Upload("car-12345678", 1), Upload("car-12345678", 2)}));
  bytes.pop_back();
  EXPECT_NE(ErrorOf(Base64Encode(bytes)).find("not a QueuedUploads"), std::string::npos);
}

TEST(DecodeQueuedUploads, Field16WithAnotherWireTypeIsNotAPackedBody) {
  // Tag 0x81 0x01: field 16 as a fixed64. Parsed as a QueuedUploads it is an unknown field, which
  // left a body that "decoded" to no uploads at all (fuzz/regressions/queued_uploads).
  const std::string bytes = std::string("\x81\x01", 2) + "12345678";
  EXPECT_NE(ErrorOf(Base64Encode(bytes)).find("no batch envelope"), std::string::npos);
}

TEST(DecodeQueuedUploads, OneInvalidUploadMakesThePackedBodyPoisonAndIsNamed) {
  std::string error =
      ErrorOf(PackedBody({Upload("car-12345678", 1), Upload("", 2), Upload("car-12345678", 3)}));
  EXPECT_NE(error.find("upload 2 of 3"), std::string::npos) << error;
  EXPECT_NE(error.find("empty vehicle_pseudonym"), std::string::npos) << error;
}

TEST(DecodeQueuedUploads, MissingEnvelopeIsRejected) {
  v1::QueuedBatch q;
  q.set_received_time_ms(1);
  EXPECT_NE(ErrorOf(Base64Encode(q.SerializeAsString())).find("no batch envelope"),
            std::string::npos);
}

TEST(DecodeQueuedUploads, EmptyPseudonymIsRejected) {
  EXPECT_NE(ErrorOf(Body("", 1)).find("empty vehicle_pseudonym"), std::string::npos);
}

TEST(DecodeQueuedUploads, SequenceZeroIsRejected) {
  EXPECT_NE(ErrorOf(Body("car-12345678", 0)).find("batch_sequence"), std::string::npos);
}

TEST(DecodeQueuedUploads, SequenceBeyondBigintIsRejected) {
  const uint64_t too_big = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
  EXPECT_FALSE(DecodeQueuedUploads(Body("car-12345678", too_big)).ok());
  EXPECT_TRUE(DecodeQueuedUploads(Body("car-12345678", too_big - 1)).ok());
  EXPECT_FALSE(DecodeQueuedUploads(PackedBody({Upload("car-12345678", too_big)})).ok());
}

TEST(DecodeQueuedUploads, ObservedTimesOutsideTheRangeAreRejectedNamingFieldAndLimit) {
  // INT64_MIN overflowed the time bucket's start (geo::BucketStartMs), INT64_MAX a hazard's expiry
  // (db::HazardCluster::Add), and any time past PostgreSQL's timestamptz failed the whole group's
  // transaction (fuzz/regressions/queued_uploads).
  for (int64_t t : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0},
                    kMaxUploadTimeMs + 1, std::numeric_limits<int64_t>::max()}) {
    v1::QueuedBatch bad = Upload("car-12345678", 2);
    bad.mutable_batch()->add_reports()->set_observed_time_ms(t);
    const std::string error = ErrorOf(PackedBody({Upload("car-12345678", 1), bad}));
    EXPECT_NE(error.find("upload 2 of 2: reports[1].observed_time_ms: " + std::to_string(t)),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("outside 1..253402300799999"), std::string::npos) << error;
  }
}

TEST(DecodeQueuedUploads, ObservedTimesAtTheLimitsAreAccepted) {
  v1::QueuedBatch upload = Upload("car-12345678", 1);
  upload.mutable_batch()->mutable_reports(0)->set_observed_time_ms(kMinUploadTimeMs);
  upload.mutable_batch()->add_reports()->set_observed_time_ms(kMaxUploadTimeMs);
  EXPECT_TRUE(DecodeQueuedUploads(LegacyBody(upload)).ok());
}

TEST(DecodeQueuedUploads, UploadWithoutReportsNeedsItsSentTimeInRange) {
  // Its sent_time_ms is then its BatchTimeMs, the ledger's partition key.
  v1::QueuedBatch upload = Upload("car-12345678", 1);
  upload.mutable_batch()->clear_reports();
  upload.mutable_batch()->mutable_envelope()->set_sent_time_ms(std::numeric_limits<int64_t>::max());
  EXPECT_NE(ErrorOf(LegacyBody(upload)).find("envelope.sent_time_ms"), std::string::npos);
  upload.mutable_batch()->mutable_envelope()->set_sent_time_ms(1'700'000'000'000);
  EXPECT_TRUE(DecodeQueuedUploads(LegacyBody(upload)).ok());
}

}  // namespace
}  // namespace roadsense::worker
