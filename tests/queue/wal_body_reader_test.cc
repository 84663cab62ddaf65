// WalBodyReader: reads a Send's body by the location WalWriter (and WalReader) report, and refuses
// bytes that are not exactly that message's record.
#include "queue/wal_body_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "queue/wal_reader.h"
#include "queue/wal_record.h"
#include "queue/wal_writer.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

std::string SendPayload(const MessageId& id, const std::string& body) {
  SendRecord send;
  send.queue = "q";
  send.message_id = id;
  send.body = body;
  std::string payload;
  EncodeWalPayload(send, &payload);
  return payload;
}

TEST(WalBodyReader, ReadsTheBodyWhereWriterAndReaderPlacedIt) {
  roadsense::testing::TempDir dir;
  const MessageId a = MessageId::Random(), b = MessageId::Random();
  WalLocation written_b;
  {
    auto writer = WalWriter::Open({dir.path()}, 1);
    ASSERT_TRUE(writer.ok());
    (*writer)->Add(WalRecordType::kDelete, "not a send");
    (*writer)->Add(WalRecordType::kSend, SendPayload(a, "body a"));
    ASSERT_TRUE((*writer)->Write().ok());
    (*writer)->Add(WalRecordType::kSend, SendPayload(b, std::string(5000, 'b')));
    ASSERT_TRUE((*writer)->Write().ok());
    ASSERT_TRUE((*writer)->Sync().ok());
    written_b = (*writer)->WrittenLocation(3);
    EXPECT_FALSE((*writer)->WrittenLocation(2).known());  // not of the last write
  }
  ASSERT_TRUE(written_b.known());
  std::vector<WalLocation> replayed;
  WalReader reader(dir.path());
  ASSERT_TRUE(reader
                  .Recover([&](uint64_t, WalRecordType, std::string_view) {
                    replayed.push_back(reader.record_location());
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(replayed.size(), 3u);
  EXPECT_EQ(replayed[2], written_b);

  WalBodyReader bodies(dir.path(), nullptr);
  auto body_a = bodies.ReadBody(replayed[1], a);
  ASSERT_TRUE(body_a.ok()) << body_a.status().ToString();
  EXPECT_EQ(*body_a, "body a");
  auto body_b = bodies.ReadBody(written_b, b);
  ASSERT_TRUE(body_b.ok()) << body_b.status().ToString();
  EXPECT_EQ(*body_b, std::string(5000, 'b'));
  EXPECT_EQ(bodies.reads(), 2u);

  // Another message's record, a record that is no Send, a wrong sequence or length: corruption.
  EXPECT_EQ(bodies.ReadBody(replayed[1], b).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(bodies.ReadBody(replayed[0], a).status().code(), StatusCode::kCorruption);
  WalLocation wrong = written_b;
  wrong.sequence = 2;
  EXPECT_EQ(bodies.ReadBody(wrong, b).status().code(), StatusCode::kCorruption);
  wrong = written_b;
  wrong.length -= 1;
  EXPECT_EQ(bodies.ReadBody(wrong, b).status().code(), StatusCode::kCorruption);

  // A deleted segment: an error once its descriptor is forgotten.
  bodies.Forget(written_b.segment);
  std::filesystem::remove(dir.path() + "/wal-00000000000000000001.log");
  EXPECT_EQ(bodies.ReadBody(written_b, b).status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace roadsense::queue
