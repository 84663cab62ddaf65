#include "receiver/message_packer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/base64.h"
#include "schema/roadsense.pb.h"
#include "tests/receiver/packed_body.h"

namespace roadsense::receiver {
namespace {

using ::testing::ElementsAre;
using testing::UnpackBody;

// A serialized QueuedBatch of about `bytes` bytes.
std::string Upload(int64_t n, size_t bytes) {
  v1::QueuedBatch q;
  q.set_received_time_ms(n);
  q.set_fleet_id(std::string(bytes, 'f'));
  return q.SerializeAsString();
}

std::vector<size_t> UploadsPerEntry(const MessagePacker& packer) {
  std::vector<size_t> counts;
  for (const MessagePacker::Entry& e : packer.entries()) counts.push_back(e.uploads);
  return counts;
}

TEST(AppendPackedUpload, BuildsWhatProtobufSerializes) {
  // Lengths with 1-, 2- and 3-byte varints.
  const std::vector<std::string> uploads = {Upload(1, 10), Upload(2, 300), Upload(3, 20000)};
  std::string packed;
  v1::QueuedUploads expected;
  for (const std::string& u : uploads) {
    AppendPackedUpload(u, &packed);
    ASSERT_TRUE(expected.add_uploads()->ParseFromString(u));
  }
  EXPECT_EQ(packed, expected.SerializeAsString());
  v1::QueuedUploads parsed;
  ASSERT_TRUE(parsed.ParseFromString(packed));
  ASSERT_EQ(parsed.uploads_size(), 3);
  EXPECT_EQ(parsed.uploads(2).received_time_ms(), 3);
}

TEST(AppendPackedUpload, UnpacksByteIdentical) {
  const std::vector<std::string> uploads = {Upload(1, 10), Upload(2, 200)};
  std::string packed;
  for (const std::string& u : uploads) AppendPackedUpload(u, &packed);
  EXPECT_EQ(UnpackBody(Base64Encode(packed)), uploads);
}

TEST(PackedUploadBytes, CountsTagLengthAndBytes) {
  EXPECT_EQ(PackedUploadBytes(10), 2u + 1u + 10u);
  EXPECT_EQ(PackedUploadBytes(300), 2u + 2u + 300u);
  EXPECT_EQ(PackedUploadBytes(20000), 2u + 3u + 20000u);
  for (size_t n : {0, 1, 127, 128, 16383, 16384, 700000}) {
    std::string packed;
    AppendPackedUpload(std::string(n, 'x'), &packed);
    EXPECT_EQ(packed.size(), PackedUploadBytes(n)) << n;
    EXPECT_EQ(Base64Encode(packed).size(), PackedBodyBytesAlone(n)) << n;
  }
}

// Uploads of 20 bytes are 23 packed: three make 69 bytes = 92 base64 characters, four 124.
constexpr PackingLimits kHundredByteMessages{10, 100, 1024 * 1024};

TEST(MessagePacker, FillsOneEntryBeforeStartingTheNext) {
  MessagePacker packer(kHundredByteMessages);
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(packer.Add(20));
  EXPECT_THAT(UploadsPerEntry(packer), ElementsAre(3, 3, 1));
  EXPECT_EQ(packer.uploads(), 7u);
  EXPECT_EQ(packer.entries()[0].packed_bytes, 69u);
  EXPECT_EQ(packer.body_bytes(), 92u + 92u + Base64EncodedSize(23));
}

TEST(MessagePacker, StopsAtMaxEntries) {
  MessagePacker packer({2, 100, 1024 * 1024});
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(packer.Add(20));
  EXPECT_FALSE(packer.Add(20));
  EXPECT_THAT(UploadsPerEntry(packer), ElementsAre(3, 3));
}

TEST(MessagePacker, StopsAtBatchBytes) {
  MessagePacker packer({10, 100, 200});
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(packer.Add(20));  // 92 + 32
  EXPECT_TRUE(packer.Add(20));                              // 92 + 64
  EXPECT_TRUE(packer.Add(20));                              // 92 + 92
  EXPECT_FALSE(packer.Add(20));                             // a third entry: 216
  EXPECT_THAT(UploadsPerEntry(packer), ElementsAre(3, 3));
  EXPECT_LE(packer.body_bytes(), 200u);
}

TEST(MessagePacker, OversizedUploadTravelsAlone) {
  MessagePacker packer(kHundredByteMessages);
  EXPECT_TRUE(packer.Add(20));
  EXPECT_TRUE(packer.Add(500));
  EXPECT_TRUE(packer.Add(20));
  EXPECT_TRUE(packer.Add(20));
  EXPECT_THAT(UploadsPerEntry(packer), ElementsAre(1, 1, 2));
  EXPECT_EQ(packer.entries()[1].packed_bytes, PackedUploadBytes(500));
}

TEST(MessagePacker, UploadThatWouldPassTheBatchLimitIsNotTaken) {
  MessagePacker packer({10, 1024, 960});
  EXPECT_TRUE(packer.Add(700));  // 704 packed, 940 base64
  EXPECT_FALSE(packer.Add(20));  // 972 in the same entry, 972 with an entry of its own
  EXPECT_EQ(packer.uploads(), 1u);
}

}  // namespace
}  // namespace roadsense::receiver
