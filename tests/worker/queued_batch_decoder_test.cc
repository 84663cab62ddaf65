#include "worker/queued_batch_decoder.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/base64.h"

namespace roadsense::worker {
namespace {

std::string Body(const std::string& pseudonym, uint64_t sequence) {
  v1::QueuedBatch q;
  q.set_received_time_ms(1'700'000'000'000);
  q.mutable_batch()->mutable_envelope()->set_vehicle_pseudonym(pseudonym);
  q.mutable_batch()->mutable_envelope()->set_batch_sequence(sequence);
  q.mutable_batch()->add_reports()->set_observed_time_ms(1);
  return Base64Encode(q.SerializeAsString());
}

TEST(DecodeQueuedBatch, ValidBodyRoundTrips) {
  auto decoded = DecodeQueuedBatch(Body("car-12345678", 7));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->batch().envelope().vehicle_pseudonym(), "car-12345678");
  EXPECT_EQ(decoded->batch().envelope().batch_sequence(), 7u);
  EXPECT_EQ(decoded->batch().reports_size(), 1);
}

TEST(DecodeQueuedBatch, InvalidBase64IsRejected) {
  auto decoded = DecodeQueuedBatch("not base64!");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
}

TEST(DecodeQueuedBatch, NonProtobufBytesAreRejected) {
  EXPECT_FALSE(DecodeQueuedBatch(Base64Encode("\xff\xff\xff\xff")).ok());
}

TEST(DecodeQueuedBatch, MissingEnvelopeIsRejected) {
  v1::QueuedBatch q;
  q.mutable_batch();
  EXPECT_FALSE(DecodeQueuedBatch(Base64Encode(q.SerializeAsString())).ok());
}

TEST(DecodeQueuedBatch, EmptyPseudonymIsRejected) {
  EXPECT_FALSE(DecodeQueuedBatch(Body("", 1)).ok());
}

TEST(DecodeQueuedBatch, SequenceZeroIsRejected) {
  EXPECT_FALSE(DecodeQueuedBatch(Body("car-12345678", 0)).ok());
}

TEST(DecodeQueuedBatch, SequenceBeyondBigintIsRejected) {
  const uint64_t too_big = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
  EXPECT_FALSE(DecodeQueuedBatch(Body("car-12345678", too_big)).ok());
  EXPECT_TRUE(DecodeQueuedBatch(Body("car-12345678", too_big - 1)).ok());
}

}  // namespace
}  // namespace roadsense::worker
