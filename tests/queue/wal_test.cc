#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "queue/wal_reader.h"
#include "queue/wal_record.h"
#include "queue/wal_segment_name.h"
#include "queue/wal_snapshot.h"
#include "queue/wal_writer.h"
#include "tests/queue/queue_engine_fixture.h"
#include "tests/queue/wal_test_util.h"
#include "tests/support/child_process.h"

namespace roadsense::queue {
namespace {

using testing::ReadFileBytes;
using testing::SegmentPaths;
using testing::WriteFileBytes;

struct Replayed {
  std::vector<uint64_t> sequences;
  std::vector<WalRecord> records;
};

Result<WalRecoveryResult> Replay(const std::string& dir, Replayed* out) {
  WalReader reader(dir);
  return reader.Recover([&](uint64_t seq, WalRecordType type, std::string_view payload) -> Status {
    auto record = DecodeWalPayload(type, payload);
    if (!record.ok()) return record.status();
    out->sequences.push_back(seq);
    out->records.push_back(std::move(*record));
    return Status::Ok();
  });
}

SendRecord MakeSend(const std::string& body) {
  SendRecord s;
  s.queue = "q";
  s.message_id = MessageId::Random();
  s.sent_ms = 1700000000123;
  s.delay_seconds = 5;
  s.sender_id = "sender";
  s.body = body;
  s.message_attributes["attr"].data_type = "String";
  s.message_attributes["attr"].string_value = "v";
  s.message_attributes["bin"].data_type = "Binary";
  s.message_attributes["bin"].binary_value = std::string("\0\1\2", 3);
  s.message_attributes["list"].data_type = "String";
  s.message_attributes["list"].string_list_values = {"a", "b"};
  return s;
}

// Writes `bodies` as Send records, one write+sync per record, starting at sequence `first`.
void WriteSends(const std::string& dir, const std::vector<std::string>& bodies, uint64_t first = 1,
                uint64_t segment_bytes = kSegmentTargetBytes) {
  auto writer = WalWriter::Open({dir, segment_bytes}, first);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (const auto& body : bodies) {
    std::string payload;
    EncodeWalPayload(MakeSend(body), &payload);
    (*writer)->Add(WalRecordType::kSend, payload);
    ASSERT_TRUE((*writer)->Write().ok());
    ASSERT_TRUE((*writer)->Sync().ok());
  }
}

std::vector<std::string> Bodies(const Replayed& r) {
  std::vector<std::string> bodies;
  for (const auto& rec : r.records) bodies.push_back(std::get<SendRecord>(rec).body);
  return bodies;
}

TEST(MessageId, ToStringIsTheCanonicalLowercaseUuidAndParsesBack) {
  const MessageId id{0x0123456789abcdefull, 0xfedcba9876543210ull};
  EXPECT_EQ(id.ToString(), "01234567-89ab-cdef-fedc-ba9876543210");
  EXPECT_EQ(MessageId::Parse(id.ToString()), id);
  EXPECT_EQ(MessageId{}.ToString(), "00000000-0000-0000-0000-000000000000");
  for (int i = 0; i < 100; ++i) {
    const MessageId random = MessageId::Random();
    EXPECT_EQ(MessageId::Parse(random.ToString()), random);
  }
}

// The MD5 a live send carries to Apply is never logged: a decoded Send has none (replay
// computes it from the body).
TEST(WalRecord, SendBodyMd5IsNotEncoded) {
  SendRecord s;
  s.queue = "q";
  s.message_id = MessageId::Random();
  s.body = "hello";
  std::string plain;
  EncodeWalPayload(s, &plain);
  s.md5_of_body = FixedText<32>::Of("5d41402abc4b2a76b9719d911017c592");
  std::string with_md5;
  EncodeWalPayload(s, &with_md5);
  EXPECT_EQ(plain, with_md5);
  auto decoded = DecodeWalPayload(WalRecordType::kSend, with_md5);
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(std::get<SendRecord>(*decoded).md5_of_body.has_value());
}

TEST(WalSegmentName, RoundTrips) {
  EXPECT_EQ(WalSegmentName(1), "wal-00000000000000000001.log");
  EXPECT_EQ(ParseWalSegmentName(WalSegmentName(52311)), 52311u);
  EXPECT_FALSE(ParseWalSegmentName("wal-1.log").has_value());
  EXPECT_FALSE(ParseWalSegmentName("wal-0000000000000000000x.log").has_value());
}

TEST(WalRecord, EveryTypeRoundTrips) {
  std::vector<WalRecord> records = {
      CreateQueueRecord{"q", 17, {{"VisibilityTimeout", "5"}}, {}, ""},
      CreateQueueRecord{"q", 17, {}, {}, "111111111111"},
      CreateQueueRecord{"q", 17, {{"VisibilityTimeout", "5"}}, {{"team", "maps"}}, ""},
      MakeSend("hello"),
      [] {
        SendRecord s = MakeSend("traced");
        s.system_attributes["AWSTraceHeader"].data_type = "String";
        s.system_attributes["AWSTraceHeader"].string_value = "Root=1";
        s.dead_letter_source = "src";
        return s;
      }(),
      [] {
        SendRecord s = MakeSend("fifo");  // version 4: FIFO fields
        s.group_id = "g";
        s.deduplication_id = "d";
        s.sequence_number = 1764097200000000001;
        return s;
      }(),
      DeleteRecord{"q", MessageId::Random()},
      DeleteQueueRecord{"q"},
      PurgeQueueRecord{"q", 99},
      SetQueueAttributesRecord{"q", 100, {{"DelaySeconds", "3"}}},
      ReceiveRecord{"q", {{MessageId::Random(), 7, 3, 1700000000000, 1700000030000}}},
      TagQueueRecord{"q", {{"a", "1"}, {"b", ""}}, {"c"}},
  };
  for (const auto& record : records) {
    std::string payload;
    EncodeWalPayload(record, &payload);
    auto decoded = DecodeWalPayload(TypeOf(record), payload);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    std::string again;
    EncodeWalPayload(*decoded, &again);
    EXPECT_EQ(payload, again);
    EXPECT_EQ(decoded->index(), record.index());
  }
}

// Format version 4 appends the FIFO fields after the version-3 ones, which are then written even
// when empty; a standard message keeps its older bytes.
TEST(WalRecord, FifoSendCarriesGroupDeduplicationIdAndSequenceNumber) {
  SendRecord s = MakeSend("x");
  std::string standard;
  EncodeWalPayload(s, &standard);
  s.group_id = "g";
  s.deduplication_id = "d";
  s.sequence_number = 300;
  std::string fifo;
  EncodeWalPayload(s, &fifo);
  // + empty system attributes, empty dead_letter_source, "g", "d", varint 300.
  EXPECT_EQ(fifo, standard + std::string("\x00\x00\x01g\x01"
                                         "d\xac\x02",
                                         8));
  auto decoded = DecodeWalPayload(WalRecordType::kSend, fifo);
  ASSERT_TRUE(decoded.ok());
  const auto& d = std::get<SendRecord>(*decoded);
  EXPECT_EQ(d.group_id, "g");
  EXPECT_EQ(d.deduplication_id, "d");
  EXPECT_EQ(d.sequence_number, 300u);
}

// Format version 3 only appends an optional field: a version-2 CreateQueue record (no tags)
// is written and read exactly as before.
TEST(WalRecord, CreateQueueWithoutTagsKeepsTheVersion2Bytes) {
  std::string payload;
  EncodeWalPayload(CreateQueueRecord{"q", 1, {}, {}, ""}, &payload);
  EXPECT_EQ(payload, std::string("\x01q\x01\x00", 4));
  auto decoded = DecodeWalPayload(WalRecordType::kCreateQueue, payload);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::get<CreateQueueRecord>(*decoded).tags.empty());
}

TEST(WalRecord, TruncatedPayloadIsCorruption) {
  std::string payload;
  EncodeWalPayload(MakeSend("hello"), &payload);
  payload.pop_back();
  EXPECT_EQ(DecodeWalPayload(WalRecordType::kSend, payload).status().code(),
            StatusCode::kCorruption);
}

TEST(Wal, RoundTripPreservesRecordsAndSequence) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b", "c"});
  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r.sequences, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(result->next_sequence, 4u);
  const auto& send = std::get<SendRecord>(r.records[0]);
  EXPECT_EQ(send.message_attributes.at("bin").binary_value, std::string("\0\1\2", 3));
  EXPECT_EQ(send.delay_seconds, 5);
}

TEST(Wal, RollsToNewSegmentNamedByFirstSequence) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b", "c"}, 1, /*segment_bytes=*/1);
  const auto paths = SegmentPaths(dir.path());
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_TRUE(paths[2].ends_with(WalSegmentName(3)));
  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Wal, WriterContinuesAfterRecovery) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b"});
  Replayed first;
  auto result = Replay(dir.path(), &first);
  ASSERT_TRUE(result.ok());
  WriteSends(dir.path(), {"c"}, result->next_sequence);
  Replayed second;
  ASSERT_TRUE(Replay(dir.path(), &second).ok());
  EXPECT_EQ(Bodies(second), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Wal, TornTailIsTruncated) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b", "c"});
  const std::string path = SegmentPaths(dir.path()).at(0);
  const std::string bytes = ReadFileBytes(path);
  WriteFileBytes(path, bytes.substr(0, bytes.size() - 3));  // last record loses its end

  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result->next_sequence, 3u);
  EXPECT_GT(result->truncated_bytes, 0u);
  EXPECT_LT(ReadFileBytes(path).size(), bytes.size() - 3);  // the file itself was truncated
}

TEST(Wal, GarbledLastRecordIsTruncated) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b"});
  const std::string path = SegmentPaths(dir.path()).at(0);
  std::string bytes = ReadFileBytes(path);
  bytes.back() ^= 0x55;  // last record's CRC no longer matches, nothing follows it
  WriteFileBytes(path, bytes);
  Replayed r;
  ASSERT_TRUE(Replay(dir.path(), &r).ok());
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a"}));
}

TEST(Wal, ZeroFilledTailIsTruncated) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a"});
  const std::string path = SegmentPaths(dir.path()).at(0);
  WriteFileBytes(path, ReadFileBytes(path) + std::string(4096, '\0'));
  Replayed r;
  ASSERT_TRUE(Replay(dir.path(), &r).ok());
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a"}));
}

TEST(Wal, ChecksumMismatchFollowedByValidRecordsIsCorruption) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"first", "second", "third"});
  const std::string path = SegmentPaths(dir.path()).at(0);
  std::string bytes = ReadFileBytes(path);
  std::string payload;
  EncodeWalPayload(MakeSend("first"), &payload);
  const size_t second_offset = kWalHeaderBytes + payload.size();
  bytes[second_offset + kWalHeaderBytes + 20] ^= 0x01;  // flip a bit inside record 2's payload
  WriteFileBytes(path, bytes);

  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
  EXPECT_NE(result.status().message().find(WalSegmentName(1)), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("offset " + std::to_string(second_offset)),
            std::string::npos)
      << result.status().message();
}

TEST(Wal, DamageInEarlierSegmentIsCorruption) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b"}, 1, /*segment_bytes=*/1);
  const std::string path = SegmentPaths(dir.path()).at(0);
  const std::string bytes = ReadFileBytes(path);
  WriteFileBytes(path, bytes.substr(0, bytes.size() - 1));
  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
  EXPECT_NE(result.status().message().find(WalSegmentName(1)), std::string::npos);
}

TEST(Wal, MissingSegmentIsCorruption) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b", "c"}, 1, /*segment_bytes=*/1);
  std::filesystem::remove(SegmentPaths(dir.path()).at(1));
  Replayed r;
  EXPECT_EQ(Replay(dir.path(), &r).status().code(), StatusCode::kCorruption);
}

TEST(Wal, WorkedExampleOfFormatDocReplays) {
  roadsense::testing::TempDir dir;
  const unsigned char bytes[] = {0x73, 0xa9, 0xed, 0xef, 0x21, 0x00, 0x00, 0x00, 0x07, 0x2a,
                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x71, 0x01,
                                 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0x4c, 0xde, 0x8f, 0x01,
                                 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0x07, 0x03, 0x80, 0xd0,
                                 0x95, 0xff, 0xbc, 0x31, 0xb0, 0xba, 0x97, 0xff, 0xbc, 0x31};
  WriteFileBytes(dir.path() + "/" + WalSegmentName(42),
                 std::string(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.sequences[0], 42u);
  const auto& receive = std::get<ReceiveRecord>(r.records[0]);
  EXPECT_EQ(receive.queue, "q");
  ASSERT_EQ(receive.entries.size(), 1u);
  EXPECT_EQ(receive.entries[0].message_id.ToString(), "01234567-89ab-4cde-8f01-23456789abcd");
  EXPECT_EQ(receive.entries[0].receive_token, 7u);
  EXPECT_EQ(receive.entries[0].receive_count, 3);
  EXPECT_EQ(receive.entries[0].first_receive_ms, 1700000000000);
  EXPECT_EQ(receive.entries[0].visible_at_ms, 1700000030000);
}

TEST(WalSnapshot, LatestRoundTrips) {
  roadsense::testing::TempDir dir;
  WalSnapshot older{5, {}};
  WalSnapshot newer{
      9, {{{"q", 17, {{"VisibilityTimeout", "5"}}, {{"team", "maps"}}, "111111111111"}, 23}}};
  ASSERT_TRUE(WriteWalSnapshot(dir.path(), older).ok());
  ASSERT_TRUE(WriteWalSnapshot(dir.path(), newer).ok());
  auto read = ReadLatestWalSnapshot(dir.path());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->sequence, 9u);
  ASSERT_EQ((*read)->queues.size(), 1u);
  EXPECT_EQ((*read)->queues[0].create.name, "q");
  EXPECT_EQ((*read)->queues[0].create.attributes.at("VisibilityTimeout"), "5");
  EXPECT_EQ((*read)->queues[0].modified_ms, 23);
  EXPECT_EQ((*read)->queues[0].create.tags.at("team"), "maps");
  EXPECT_EQ((*read)->queues[0].create.owner_account, "111111111111");
  ASSERT_TRUE(RemoveWalSnapshotsBefore(dir.path(), 9).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + WalSnapshotName(5)));
}

TEST(WalSnapshot, DamagedSnapshotIsCorruptionNamingTheFile) {
  roadsense::testing::TempDir dir;
  ASSERT_TRUE(WriteWalSnapshot(dir.path(), {7, {{{"q", 1, {}, {}, ""}, 2}}}).ok());
  const std::string path = dir.path() + "/" + WalSnapshotName(7);
  std::string bytes = ReadFileBytes(path);
  bytes[bytes.size() - 2] ^= 0x01;
  WriteFileBytes(path, bytes);
  auto read = ReadLatestWalSnapshot(dir.path());
  ASSERT_EQ(read.status().code(), StatusCode::kCorruption);
  EXPECT_NE(read.status().message().find(WalSnapshotName(7)), std::string::npos);
}

// ---- Pre-sized segments (wal_format.md, "Files"): records overwrite zeros; the zero tail of the
// last segment is the end of the log; finished segments carry no zeros. ------------------------

uint64_t FileBytes(const std::string& path) { return std::filesystem::file_size(path); }

std::string PreparedPath(const std::string& dir) {
  return dir + "/" + std::string(kWalPreparedSegmentName);
}

// Writes `bodies` as Send records through `writer`, one write+sync each (each one acknowledged).
void WriteSendsTo(WalWriter& writer, const std::vector<std::string>& bodies) {
  for (const auto& body : bodies) {
    std::string payload;
    EncodeWalPayload(MakeSend(body), &payload);
    writer.Add(WalRecordType::kSend, payload);
    ASSERT_TRUE(writer.Write().ok());
    ASSERT_TRUE(writer.Sync().ok());
  }
}

// What a kill -9 leaves: the data directory as it is while the writer still runs.
void CopyDirectory(const std::string& from, const std::string& to) {
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    std::filesystem::copy_file(e.path(), to + "/" + e.path().filename().string());
  }
}

TEST(WalPresized, SegmentIsCreatedAtItsTargetSizeAndRecordsOverwriteItsZeros) {
  roadsense::testing::TempDir dir;
  auto writer = WalWriter::Open({dir.path(), 64 << 10}, 1);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ(FileBytes((*writer)->segment_path()), 64u << 10);
  WriteSendsTo(**writer, {"a", "b"});
  EXPECT_EQ(FileBytes((*writer)->segment_path()), 64u << 10);
  EXPECT_TRUE((*writer)->segment_has_zero_tail());
  const WalLocation second = (*writer)->WrittenLocation(2);
  const std::string bytes = ReadFileBytes((*writer)->segment_path());
  EXPECT_EQ(bytes.find_first_not_of('\0', second.offset + second.length), std::string::npos);
}

TEST(WalPresized, KilledWriterRecoversEveryAcknowledgedRecordAndCutsTheZeroTail) {
  roadsense::testing::TempDir dir, killed;
  {
    auto writer = WalWriter::Open({dir.path(), 64 << 10}, 1);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    WriteSendsTo(**writer, {"a", "b", "c"});
    CopyDirectory(dir.path(), killed.path());
  }
  const std::string segment = killed.path() + "/" + WalSegmentName(1);
  ASSERT_EQ(FileBytes(segment), 64u << 10);

  Replayed r;
  auto result = Replay(killed.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(result->next_sequence, 4u);
  EXPECT_EQ(result->truncated_bytes, 0u);
  EXPECT_EQ(result->zero_tail_bytes, (64u << 10) - FileBytes(segment));
  EXPECT_EQ(FileBytes(segment), ReadFileBytes(dir.path() + "/" + WalSegmentName(1)).size());

  // The writer continues in a new segment; the old one, no longer last, has no zeros left.
  {
    auto writer = WalWriter::Open({killed.path(), 64 << 10}, result->next_sequence);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    WriteSendsTo(**writer, {"d"});
  }
  Replayed again;
  auto second = Replay(killed.path(), &again);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(Bodies(again), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(second->segments, 2u);
}

TEST(WalPresized, CleanCloseLeavesNoZerosAndNoPreparedFile) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a"}, 1, /*segment_bytes=*/64 << 10);
  EXPECT_FALSE(std::filesystem::exists(PreparedPath(dir.path())));
  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->zero_tail_bytes, 0u);
  EXPECT_EQ(result->truncated_bytes, 0u);
}

TEST(WalPresized, RollCutsTheFinishedSegmentToItsRecordsAndUsesAPreparedOne) {
  roadsense::testing::TempDir dir;
  WalWriterOptions options{dir.path(), 1024};
  options.roll_waits_for_prepared = true;
  auto writer = WalWriter::Open(options, 1);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  // Each record is larger than half the target: a roll every two records.
  std::vector<std::string> bodies;
  for (int i = 0; i < 7; ++i) bodies.push_back(std::to_string(i) + std::string(600, 'x'));
  WriteSendsTo(**writer, bodies);
  EXPECT_TRUE((*writer)->segment_has_zero_tail());
  EXPECT_EQ(FileBytes((*writer)->segment_path()), 1024u);

  const auto paths = SegmentPaths(dir.path());
  size_t segments = 0;
  for (const auto& path : paths) {
    if (path == PreparedPath(dir.path()) || path == (*writer)->segment_path()) continue;
    ++segments;
    // Two records, not a byte of slack: a damaged byte anywhere here is corruption.
    const std::string bytes = ReadFileBytes(path);
    EXPECT_GT(bytes.size(), 1024u) << path;
    EXPECT_NE(bytes.back(), '\0') << path;
  }
  EXPECT_EQ(segments, 3u);
  roadsense::testing::TempDir killed;
  CopyDirectory(dir.path(), killed.path());
  Replayed r;
  auto result = Replay(killed.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Bodies(r), bodies);
  EXPECT_EQ(result->segments, 4u);
}

TEST(WalPresized, PreparedFileLeftAtStartupIsIgnoredAndReplaced) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a"});
  WriteFileBytes(PreparedPath(dir.path()), "not zeros, and not a segment");
  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a"}));

  WalWriterOptions options{dir.path(), 4096};
  options.roll_waits_for_prepared = true;
  auto writer = WalWriter::Open(options, result->next_sequence);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  WriteSendsTo(**writer, {std::string(5000, 'b'), "c"});  // rolls onto the prepared file
  writer->reset();
  EXPECT_FALSE(std::filesystem::exists(PreparedPath(dir.path())));
  Replayed again;
  ASSERT_TRUE(Replay(dir.path(), &again).ok());
  EXPECT_EQ(Bodies(again), (std::vector<std::string>{"a", std::string(5000, 'b'), "c"}));
}

TEST(WalPresized, SegmentGrowsWhenPreallocationFails) {
  roadsense::testing::TempDir dir;
  // Far more than twice the free space: the preparer refuses, the writer falls back.
  const uint64_t target = uint64_t{1} << 60;
  roadsense::testing::TempDir killed;
  {
    auto writer = WalWriter::Open({dir.path(), target}, 1);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    EXPECT_FALSE((*writer)->segment_has_zero_tail());
    WriteSendsTo(**writer, {"a", "b"});
    const WalLocation last = (*writer)->WrittenLocation(2);
    EXPECT_EQ(FileBytes((*writer)->segment_path()), last.offset + last.length);
    EXPECT_FALSE(std::filesystem::exists(PreparedPath(dir.path())));  // refused before creating
    CopyDirectory(dir.path(), killed.path());
  }
  Replayed r;
  auto result = Replay(killed.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result->zero_tail_bytes, 0u);
}

TEST(WalPresized, TornRecordBeforeTheZeroTailIsTruncated) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b"});
  const std::string path = SegmentPaths(dir.path()).at(0);
  const std::string bytes = ReadFileBytes(path);
  // "b" half written, then the zeros of a 64 MiB pre-sized segment.
  std::string damaged = bytes.substr(0, bytes.size() - 10);
  damaged.resize(kSegmentTargetBytes, '\0');
  WriteFileBytes(path, damaged);
  Replayed r;
  auto result = Replay(dir.path(), &r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Bodies(r), (std::vector<std::string>{"a"}));
  EXPECT_EQ(result->truncated_bytes + FileBytes(path), kSegmentTargetBytes);
  EXPECT_EQ(result->zero_tail_bytes, 0u);
}

TEST(WalPresized, ValidRecordAfterDamageAndBeforeTheZeroTailIsCorruption) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b", "c"});
  const std::string path = SegmentPaths(dir.path()).at(0);
  std::string bytes = ReadFileBytes(path);
  bytes[kWalHeaderBytes + 30] ^= 0x01;  // inside record 1
  bytes.resize(kSegmentTargetBytes, '\0');
  WriteFileBytes(path, bytes);
  Replayed r;
  EXPECT_EQ(Replay(dir.path(), &r).status().code(), StatusCode::kCorruption);
}

TEST(WalPresized, ZeroTailInAnEarlierSegmentIsCorruption) {
  roadsense::testing::TempDir dir;
  WriteSends(dir.path(), {"a", "b"}, 1, /*segment_bytes=*/1);
  const std::string path = SegmentPaths(dir.path()).at(0);
  WriteFileBytes(path, ReadFileBytes(path) + std::string(4096, '\0'));
  Replayed r;
  EXPECT_EQ(Replay(dir.path(), &r).status().code(), StatusCode::kCorruption);
}

// A QueueEngine "killed" (its data directory copied while it runs) after its log rolled across
// several pre-sized segments: every acknowledged message comes back, its body read from the log.
class WalPresizedEngineTest : public testing::QueueEngineFixture {
 protected:
  QueueEngineOptions Options() override {
    QueueEngineOptions options = BaseOptions();
    options.segment_target_bytes = 16 << 10;
    return options;
  }
};

TEST_F(WalPresizedEngineTest, KilledAfterRollsRecoversEveryAcknowledgedMessage) {
  ASSERT_TRUE(Create("q").ok());
  std::vector<std::string> sent;
  for (int i = 0; i < 60; ++i) {
    const std::string body = "m" + std::to_string(i) + std::string(1000, 'x');
    ASSERT_TRUE(Send({body}).ok());
    sent.push_back(body);
  }
  roadsense::testing::TempDir killed;
  CopyDirectory(dir_.path(), killed.path());
  engine_.reset();
  std::filesystem::remove_all(dir_.path());
  std::filesystem::create_directory(dir_.path());
  CopyDirectory(killed.path(), dir_.path());
  EXPECT_GE(SegmentPaths(dir_.path()).size(), 4u);  // segments, plus maybe wal-next.prep
  Reopen();

  std::vector<std::string> received;
  for (auto got = Receive(10, 3600); !got.empty(); got = Receive(10, 3600)) {
    for (const auto& m : got) received.emplace_back(m.body());
  }
  std::sort(received.begin(), received.end());
  std::sort(sent.begin(), sent.end());
  EXPECT_EQ(received, sent);
}

// ---- LevelDB-style corruption tests: every damage to the unacknowledged tail is a clean
// truncation; nothing acknowledged is lost and nothing is invented. ---------------------------

class WalTailDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteSends(dir_.path(), {"a", "b", "c"});
    path_ = SegmentPaths(dir_.path()).at(0);
    bytes_ = ReadFileBytes(path_);
    std::string payload;
    EncodeWalPayload(MakeSend("c"), &payload);
    last_offset_ = bytes_.size() - kWalHeaderBytes - payload.size();
  }

  // Replays a copy of the log whose segment holds `bytes`; the bodies, or the error.
  Result<std::vector<std::string>> ReplayBytes(const std::string& bytes) {
    roadsense::testing::TempDir copy;
    WriteFileBytes(copy.path() + "/" + WalSegmentName(1), bytes);
    Replayed r;
    auto result = Replay(copy.path(), &r);
    if (!result.ok()) return result.status();
    return Bodies(r);
  }

  roadsense::testing::TempDir dir_;
  std::string path_;
  std::string bytes_;
  size_t last_offset_ = 0;
};

TEST_F(WalTailDamageTest, TruncationAtEveryOffsetOfTheLastRecordKeepsTheEarlierOnes) {
  for (size_t end = last_offset_; end < bytes_.size(); ++end) {
    auto bodies = ReplayBytes(bytes_.substr(0, end));
    ASSERT_TRUE(bodies.ok()) << "end " << end << ": " << bodies.status().ToString();
    EXPECT_EQ(*bodies, (std::vector<std::string>{"a", "b"})) << "end " << end;
  }
}

TEST_F(WalTailDamageTest, FlippingAnyByteOfTheLastRecordDropsOnlyIt) {
  for (size_t i = last_offset_; i < bytes_.size(); ++i) {
    std::string damaged = bytes_;
    damaged[i] ^= 0x20;
    auto bodies = ReplayBytes(damaged);
    ASSERT_TRUE(bodies.ok()) << "byte " << i << ": " << bodies.status().ToString();
    EXPECT_EQ(*bodies, (std::vector<std::string>{"a", "b"})) << "byte " << i;
  }
}

TEST_F(WalTailDamageTest, FlippingAnyByteOfAnEarlierRecordIsCorruption) {
  for (size_t i = 0; i < last_offset_; ++i) {
    std::string damaged = bytes_;
    damaged[i] ^= 0x20;
    auto bodies = ReplayBytes(damaged);
    EXPECT_EQ(bodies.status().code(), StatusCode::kCorruption) << "byte " << i;
  }
}

TEST_F(WalTailDamageTest, GarbageAfterTheTailIsDropped) {
  std::string garbage;
  for (int i = 0; i < 300; ++i) garbage.push_back(static_cast<char>(i * 37 + 11));
  auto bodies = ReplayBytes(bytes_ + garbage);
  ASSERT_TRUE(bodies.ok()) << bodies.status().ToString();
  EXPECT_EQ(*bodies, (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace roadsense::queue
