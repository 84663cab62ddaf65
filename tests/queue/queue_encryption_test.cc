// Encryption at rest: SSE queues' bodies and attributes never reach the data directory in clear
// (after sends, restarts and space reclamation), keys rotate, a missing key stops the start.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "queue/sqs_error.h"
#include "queue/wal_cipher.h"
#include "queue/wal_keyring.h"
#include "queue/wal_reader.h"
#include "tests/queue/queue_engine_fixture.h"

namespace roadsense::queue {
namespace {

constexpr char kKeyA[] = "key-a 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
// The same 32 bytes 0x20..0x3f, base64.
constexpr char kKeyB[] = "key-b ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
constexpr char kMarker[] = "PLAINTEXT-MARKER-7f3a";

WalKeyring Keys(const std::string& text) {
  auto keys = WalKeyring::Parse(text);
  EXPECT_TRUE(keys.ok()) << keys.status().ToString();
  return keys.ok() ? *keys : WalKeyring();
}

class QueueEncryptionTest : public testing::QueueEngineFixture {
 protected:
  QueueEngineOptions Options() override {
    QueueEngineOptions options = ReclaimingOptions();
    options.encryption_keys = keys_;
    return options;
  }

  // A message with the marker in its body, a String and a Binary attribute and AWSTraceHeader.
  Result<std::vector<SentMessage>> SendMarked(const std::string& queue, int i) {
    NewMessage m;
    m.body = std::string(kMarker) + " body " + std::to_string(i) + std::string(500, 'b');
    m.attributes["note"] = {"String", std::string(kMarker) + " attribute", std::nullopt, {}, {}};
    m.attributes["blob"] = {"Binary", std::nullopt, std::string("\x01") + kMarker, {}, {}};
    m.system_attributes["AWSTraceHeader"] = {
        "String", std::string("Root=") + kMarker, std::nullopt, {}, {}};
    m.sender_id = "me";
    if (queue.ends_with(".fifo")) {
      m.group_id = std::string(kMarker) + "-group";
      m.deduplication_id = std::string(kMarker) + "-dedup-" + std::to_string(i);
    }
    std::vector<NewMessage> batch;
    batch.push_back(std::move(m));
    std::promise<Result<std::vector<SentMessage>>> p;
    engine_->SendMessages(queue, std::move(batch), [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  // Names of the files under the data directory holding the marker anywhere in their bytes.
  std::vector<std::string> FilesWithMarker() {
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path())) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      if (bytes.str().find(kMarker) != std::string::npos) found.push_back(e.path().string());
    }
    return found;
  }

  // Commits until reclamation wrote a snapshot (bounded); whether it did.
  bool WaitForSnapshot() {
    for (int i = 0; i < 400; ++i) {
      EXPECT_TRUE(SetAttributes("q", {{"DelaySeconds", "0"}}).ok());  // rolls the log on
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
        if (e.path().filename().string().starts_with("snapshot-")) return true;
      }
    }
    return false;
  }

  // Key ids of the Send records in the log, in order ("" for a plaintext Send).
  std::vector<std::string> SendKeyIds() {
    std::vector<std::string> ids;
    WalCipher cipher(keys_);
    engine_.reset();  // the reader needs the log at rest
    auto recovered =
        WalReader(dir_.path()).Recover([&](uint64_t, WalRecordType type, std::string_view payload) {
          auto record = DecodeWalPayload(type, payload, &cipher);
          if (!record.ok()) return record.status();
          if (auto* send = std::get_if<SendRecord>(&*record)) ids.push_back(send->key_id);
          return Status::Ok();
        });
    EXPECT_TRUE(recovered.ok()) << recovered.status().ToString();
    Reopen();
    return ids;
  }

  WalKeyring keys_ = Keys(std::string(kKeyA) + " current\n");
};

TEST_F(QueueEncryptionTest, MarkerNeverReachesTheDataDirectory) {
  ASSERT_TRUE(Create("q", {{"SqsManagedSseEnabled", "true"}, {"VisibilityTimeout", "60"}}).ok());
  ASSERT_TRUE(Create("f.fifo", {{"FifoQueue", "true"}, {"KmsMasterKeyId", "alias/aws/sqs"}}).ok());
  std::vector<SentMessage> sent;
  for (int i = 0; i < 40; ++i) {
    auto s = SendMarked("q", i);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    sent.push_back(s->front());
    ASSERT_TRUE(SendMarked("f.fifo", i).ok());
  }
  EXPECT_TRUE(FilesWithMarker().empty()) << FilesWithMarker().front();

  Reopen();  // recovery decrypts; the MD5s of what comes back equal those of the sends
  auto got = Receive(10, 3600);
  ASSERT_FALSE(got.empty());
  for (const auto& r : got) {
    EXPECT_NE(r.body().find(kMarker), std::string::npos);
    EXPECT_EQ(r.message->attributes.at("note").string_value, std::string(kMarker) + " attribute");
    auto s = std::find_if(sent.begin(), sent.end(), [&](auto& m) { return m.id == r.message->id; });
    ASSERT_NE(s, sent.end());
    EXPECT_EQ(r.message->md5_of_body, s->md5_of_body);
    EXPECT_EQ(r.message->md5_of_body.view(), sqs::Md5OfBody(r.body()));
    EXPECT_EQ(r.message->md5_of_attributes, s->md5_of_attributes);
    EXPECT_EQ(r.message->md5_of_system_attributes, s->md5_of_system_attributes);
  }
  EXPECT_EQ(Receive(1, 60, 0, "f.fifo").front().message->group_id, std::string(kMarker) + "-group");
  EXPECT_TRUE(FilesWithMarker().empty());

  // Reclamation: everything but one message deleted; it is copied forward, segments go and a
  // snapshot is written. Neither holds the marker. (The FIFO queue goes: its deduplication
  // entries would keep its segments for 5 minutes.)
  std::promise<Status> deleted;
  engine_->DeleteQueue("f.fifo", [&](Status s) { deleted.set_value(s); });
  ASSERT_TRUE(deleted.get_future().get().ok());
  for (size_t k = 1; k < got.size(); ++k) ASSERT_TRUE(Delete(got[k]).ok());  // got[0] stays
  for (auto more = Receive(10, 3600); !more.empty(); more = Receive(10, 3600)) {
    for (const auto& r : more) ASSERT_TRUE(Delete(r).ok());
  }
  EXPECT_TRUE(WaitForSnapshot());
  EXPECT_TRUE(FilesWithMarker().empty()) << FilesWithMarker().front();
  Reopen();
  EXPECT_TRUE(FilesWithMarker().empty());
  auto kept = Receive(10);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept.front().body(), got.front().body());
}

TEST_F(QueueEncryptionTest, UnencryptedQueueStillWritesPlaintext) {
  // The scan of the test above can fail: an ordinary queue's log holds the body as sent.
  ASSERT_TRUE(Create("plain").ok());
  ASSERT_TRUE(SendMarked("plain", 1).ok());
  EXPECT_FALSE(FilesWithMarker().empty());
  EXPECT_EQ(SendKeyIds(), (std::vector<std::string>{""}));
  EXPECT_EQ(Attribute("SqsManagedSseEnabled", "plain"), "false");
}

TEST_F(QueueEncryptionTest, RotatedKeyReadsOldRecordsAndSealsNewOnes) {
  ASSERT_TRUE(Create("q", {{"SqsManagedSseEnabled", "true"}}).ok());
  ASSERT_TRUE(Send({"old"}).ok());
  keys_ = Keys(std::string(kKeyA) + "\n" + kKeyB + " current\n");
  Reopen();
  ASSERT_TRUE(Send({"new"}).ok());
  EXPECT_EQ(SendKeyIds(), (std::vector<std::string>{"key-a", "key-b"}));
  EXPECT_EQ(BodiesOf(Receive(10)), (std::vector<std::string>{"new", "old"}));
}

TEST_F(QueueEncryptionTest, MissingKeyIsAStartupErrorNamingKeyAndSegment) {
  ASSERT_TRUE(Create("q", {{"SqsManagedSseEnabled", "true"}}).ok());
  ASSERT_TRUE(Send({"secret"}).ok());
  engine_.reset();
  keys_ = Keys(std::string(kKeyB) + " current\n");
  auto engine = QueueEngine::Open(Options());
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(engine.status().message().find("'key-a'"), std::string::npos)
      << engine.status().ToString();
  EXPECT_NE(engine.status().message().find("wal-0"), std::string::npos)
      << engine.status().ToString();
}

TEST_F(QueueEncryptionTest, QueueWhoseKeyIsGoneIsAStartupError) {
  ASSERT_TRUE(Create("k", {{"KmsMasterKeyId", "key-a"}}).ok());  // no message yet
  engine_.reset();
  keys_ = Keys(std::string(kKeyB) + " current\n");
  auto engine = QueueEngine::Open(Options());
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().message().find("queue k"), std::string::npos);
  EXPECT_NE(engine.status().message().find("key-a"), std::string::npos);
}

TEST_F(QueueEncryptionTest, UnknownKmsMasterKeyIdIsInvalidAttributeValue) {
  std::string message;
  Status s = Create("q", {{"KmsMasterKeyId", "no-such-key"}});
  EXPECT_EQ(SqsErrorCodeOf(s, &message), SqsErrorCode::kInvalidAttributeValue);
  EXPECT_NE(message.find("no-such-key"), std::string::npos);
  ASSERT_TRUE(Create("q").ok());
  s = SetAttributes("q", {{"KmsMasterKeyId", "no-such-key"}});
  EXPECT_EQ(SqsErrorCodeOf(s, &message), SqsErrorCode::kInvalidAttributeValue);
  s = SetAttributes("q", {{"KmsDataKeyReusePeriodSeconds", "59"}});
  EXPECT_EQ(SqsErrorCodeOf(s, &message), SqsErrorCode::kInvalidAttributeValue);
  s = SetAttributes("q", {{"KmsMasterKeyId", "key-a"}, {"SqsManagedSseEnabled", "true"}});
  EXPECT_EQ(SqsErrorCodeOf(s, &message), SqsErrorCode::kInvalidAttributeValue);
}

TEST_F(QueueEncryptionTest, KmsKeyAndSseSqsReplaceEachOther) {
  ASSERT_TRUE(Create("q", {{"SqsManagedSseEnabled", "true"}}).ok());
  ASSERT_TRUE(
      SetAttributes("q", {{"KmsMasterKeyId", "key-a"}, {"KmsDataKeyReusePeriodSeconds", "600"}})
          .ok());
  EXPECT_EQ(Attribute("SqsManagedSseEnabled"), "false");
  EXPECT_EQ(Attribute("KmsMasterKeyId"), "key-a");
  EXPECT_EQ(Attribute("KmsDataKeyReusePeriodSeconds"), "600");
  ASSERT_TRUE(SetAttributes("q", {{"SqsManagedSseEnabled", "true"}}).ok());
  ASSERT_TRUE(SetAttributes("q", {{"KmsMasterKeyId", "key-a"}}).ok());
  // The queue definition in a snapshot (all attributes merged) must still read back.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Send({std::string(8000, 'x'), "y"}).ok());
  for (auto got = Receive(10, 3600); !got.empty(); got = Receive(10, 3600)) {
    for (const auto& m : got) ASSERT_TRUE(Delete(m).ok());
  }
  ASSERT_TRUE(WaitForSnapshot());
  Reopen();
  EXPECT_EQ(Attribute("SqsManagedSseEnabled"), "false");
  EXPECT_EQ(Attribute("KmsMasterKeyId"), "key-a");
  ASSERT_TRUE(SetAttributes("q", {{"SqsManagedSseEnabled", "true"}}).ok());
  Reopen();
  EXPECT_EQ(Attribute("SqsManagedSseEnabled"), "true");
  EXPECT_FALSE(engine_->GetQueueAttributes("q")->contains("KmsMasterKeyId"));
}

TEST(QueueEncryptionWithoutKeysTest, SseQueueNeedsAKeysFile) {
  roadsense::testing::TempDir dir;
  auto engine = QueueEngine::Open({dir.path()});
  ASSERT_TRUE(engine.ok());
  std::promise<Status> p;
  (*engine)->CreateQueue("q", {{"SqsManagedSseEnabled", "true"}},
                         [&](Status s) { p.set_value(s); });
  std::string message;
  EXPECT_EQ(SqsErrorCodeOf(p.get_future().get(), &message), SqsErrorCode::kInvalidAttributeValue);
  EXPECT_NE(message.find("--encryption-keys-file"), std::string::npos);
}

TEST(WalCipherTest, SealedDataOpensOnlyWithItsKeyAndAssociatedData) {
  const WalCipher cipher(Keys(std::string(kKeyA) + " current\n" + kKeyB + "\n"));
  std::string sealed;
  cipher.Seal("key-a", 300, "header", kMarker, &sealed);
  EXPECT_EQ(sealed.size(), std::string(kMarker).size() + WalCipher::kOverheadBytes);
  EXPECT_EQ(sealed.find(kMarker), std::string::npos);
  EXPECT_EQ(*cipher.Open("key-a", "header", sealed), kMarker);
  EXPECT_EQ(cipher.Open("key-b", "header", sealed).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(cipher.Open("key-a", "other", sealed).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(cipher.Open("key-c", "header", sealed).status().code(),
            StatusCode::kFailedPrecondition);
  std::string flipped = sealed;
  flipped[WalCipher::kSaltBytes + WalCipher::kNonceBytes] ^= 1;
  EXPECT_EQ(cipher.Open("key-a", "header", flipped).status().code(), StatusCode::kCorruption);
  std::string again;
  cipher.Seal("key-a", 300, "header", kMarker, &again);
  EXPECT_NE(again.substr(WalCipher::kSaltBytes, WalCipher::kNonceBytes),
            sealed.substr(WalCipher::kSaltBytes, WalCipher::kNonceBytes));  // fresh nonce
}

TEST(WalKeyringTest, ParsesHexAndBase64KeysWithOneCurrent) {
  auto keys = WalKeyring::Parse(std::string("# comment\n") + kKeyA + "\n" + kKeyB +
                                " current  # rotated in\n");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->current_key_id(), "key-b");
  ASSERT_NE(keys->Find("key-a"), nullptr);
  EXPECT_EQ(static_cast<uint8_t>((*keys->Find("key-a"))[31]), 0x1f);
  EXPECT_EQ(static_cast<uint8_t>((*keys->Find("key-b"))[0]), 0x20);
}

TEST(WalKeyringTest, RejectsBadFilesNamingTheLine) {
  EXPECT_FALSE(WalKeyring::Parse(kKeyA).ok());  // no current key
  EXPECT_FALSE(WalKeyring::Parse("").ok());
  EXPECT_FALSE(WalKeyring::Parse(std::string(kKeyA) + " current\n" + kKeyB + " current\n").ok());
  auto short_key = WalKeyring::Parse("k 0001 current\n");
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.status().message().find("line 1"), std::string::npos);
  EXPECT_FALSE(WalKeyring::Parse("bad/id 000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
                                 "1c1d1e1f current\n")
                   .ok());
}

}  // namespace
}  // namespace roadsense::queue
