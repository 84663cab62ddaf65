#include "queue/wal_record.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace roadsense::queue {
namespace {

// Attribute value kinds in the payload (wal_format.md).
enum AttributeKind : uint8_t { kString = 1, kBinary = 2, kStringList = 3, kBinaryList = 4 };

class PayloadWriter {
 public:
  explicit PayloadWriter(std::string* out) : out_(out) {}

  std::string* out() const { return out_; }

  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void Byte(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  void String(std::string_view s) {
    Varint(s.size());
    out_->append(s);
  }
  void Id(const MessageId& id) { id.AppendBytes(out_); }
  void StringMap(const QueueAttributeMap& map) {
    Varint(map.size());
    for (const auto& [k, v] : map) {
      String(k);
      String(v);
    }
  }
  void StringList(const std::vector<std::string>& list) {
    Varint(list.size());
    for (const auto& s : list) String(s);
  }
  void Attributes(const sqs::MessageAttributes& attributes) {
    Varint(attributes.size());
    for (const auto& [name, value] : attributes) {
      String(name);
      String(value.data_type);
      if (value.string_value) {
        Byte(kString);
        String(*value.string_value);
      } else if (value.binary_value) {
        Byte(kBinary);
        String(*value.binary_value);
      } else if (!value.string_list_values.empty()) {
        Byte(kStringList);
        StringList(value.string_list_values);
      } else {
        Byte(kBinaryList);
        StringList(value.binary_list_values);
      }
    }
  }

 private:
  std::string* out_;
};

// Every read checks bounds; the first failure sticks (ok() turns false) and later reads return
// empty values, so decoders read straight through and check once at the end.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  bool AtEnd() const { return in_.empty(); }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift <= 63 && ok_; shift += 7) {
      if (in_.empty()) break;
      const auto b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  uint8_t Byte() {
    if (!ok_ || in_.empty()) return Fail(), 0;
    const auto b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  std::string String() {
    const uint64_t n = Varint();
    if (!ok_ || n > in_.size()) return Fail(), std::string();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::string_view Raw() const { return in_; }  // the bytes not read yet
  MessageId Id() {
    if (!ok_ || in_.size() < 16) return Fail(), MessageId();
    const MessageId id = MessageId::FromBytes(in_.data());
    in_.remove_prefix(16);
    return id;
  }
  QueueAttributeMap StringMap() {
    QueueAttributeMap map;
    const uint64_t n = Varint();
    for (uint64_t i = 0; i < n && ok_; ++i) {
      std::string k = String();
      map[std::move(k)] = String();
    }
    return map;
  }
  std::vector<std::string> StringList() {
    std::vector<std::string> list;
    const uint64_t n = Varint();
    for (uint64_t i = 0; i < n && ok_; ++i) list.push_back(String());
    return list;
  }
  sqs::MessageAttributes Attributes() {
    sqs::MessageAttributes attributes;
    const uint64_t n = Varint();
    for (uint64_t i = 0; i < n && ok_; ++i) {
      std::string name = String();
      sqs::MessageAttributeValue value;
      value.data_type = String();
      switch (Byte()) {
        case kString:
          value.string_value = String();
          break;
        case kBinary:
          value.binary_value = String();
          break;
        case kStringList:
          value.string_list_values = StringList();
          break;
        case kBinaryList:
          value.binary_list_values = StringList();
          break;
        default:
          Fail();
      }
      attributes[std::move(name)] = std::move(value);
    }
    return attributes;
  }

 private:
  void Fail() { ok_ = false; }

  std::string_view in_;
  bool ok_ = true;
};

void Encode(const CreateQueueRecord& r, PayloadWriter& w) {
  w.String(r.name);
  w.Varint(static_cast<uint64_t>(r.created_ms));
  w.StringMap(r.attributes);
  if (!r.tags.empty() || !r.owner_account.empty()) {  // else exactly the version-2 bytes
    w.StringMap(r.tags);
    if (!r.owner_account.empty()) w.String(r.owner_account);
  }
}
void Encode(const SendRecord& r, PayloadWriter& w) {
  w.String(r.queue);
  w.Id(r.message_id);
  w.Varint(static_cast<uint64_t>(r.sent_ms));
  w.Varint(static_cast<uint64_t>(r.delay_seconds));
  w.String(r.sender_id);
  w.String(r.body);
  w.Attributes(r.message_attributes);
  if (!r.system_attributes.empty() || !r.dead_letter_source.empty() || !r.group_id.empty()) {
    w.Attributes(r.system_attributes);  // version 2 bytes when all are empty
    w.String(r.dead_letter_source);
  }
  if (!r.group_id.empty()) {  // version 4: FIFO messages only
    w.String(r.group_id);
    w.String(r.deduplication_id);
    w.Varint(r.sequence_number);
  }
}
void Encode(const DeleteRecord& r, PayloadWriter& w) {
  w.String(r.queue);
  w.Id(r.message_id);
}
void Encode(const DeleteQueueRecord& r, PayloadWriter& w) { w.String(r.queue); }
void Encode(const PurgeQueueRecord& r, PayloadWriter& w) {
  w.String(r.queue);
  w.Varint(static_cast<uint64_t>(r.purged_ms));
}
void Encode(const SetQueueAttributesRecord& r, PayloadWriter& w) {
  w.String(r.queue);
  w.Varint(static_cast<uint64_t>(r.modified_ms));
  w.StringMap(r.attributes);
}

void Encode(const TagQueueRecord& r, PayloadWriter& w) {
  w.String(r.queue);
  w.StringMap(r.set);
  w.StringList(r.remove);
}

void Encode(const ReceiveRecord& r, PayloadWriter& w) {
  w.String(r.queue);
  w.Varint(r.entries.size());
  for (const ReceiveEntry& e : r.entries) {
    w.Id(e.message_id);
    w.Varint(e.receive_token);
    w.Varint(static_cast<uint64_t>(e.receive_count));
    w.Varint(static_cast<uint64_t>(e.first_receive_ms));
    w.Varint(static_cast<uint64_t>(e.visible_at_ms));
  }
}

// EncryptedSend (type 9): the metadata in clear — and authenticated as the AEAD's associated
// data — then the user data sealed (wal_format.md, "Encryption at rest").
void EncodeUserData(const SendRecord& r, PayloadWriter& w) {
  w.String(r.body);
  w.Attributes(r.message_attributes);
  w.Attributes(r.system_attributes);
  w.String(r.group_id);
  w.String(r.deduplication_id);
}
void EncodeEncrypted(const SendRecord& r, PayloadWriter& w) {
  if (r.cipher == nullptr) {  // a bug: never write an SSE queue's message in clear instead
    spdlog::critical("WAL Send record of queue {} has key id {} but no cipher", r.queue, r.key_id);
    std::abort();
  }
  const size_t start = w.out()->size();
  w.String(r.queue);
  w.Id(r.message_id);
  w.Varint(static_cast<uint64_t>(r.sent_ms));
  w.Varint(static_cast<uint64_t>(r.delay_seconds));
  w.String(r.sender_id);
  w.String(r.dead_letter_source);
  w.Varint(r.sequence_number);
  w.String(r.key_id);
  std::string plaintext;
  PayloadWriter inner(&plaintext);
  EncodeUserData(r, inner);
  std::string sealed;
  const std::string aad = w.out()->substr(start);
  r.cipher->Seal(r.key_id, r.data_key_reuse_seconds, aad, plaintext, &sealed);
  w.String(sealed);
}

Result<WalRecord> DecodeEncrypted(std::string_view payload, const WalCipher* cipher) {
  PayloadReader r(payload);
  SendRecord s;
  s.queue = r.String();
  s.message_id = r.Id();
  s.sent_ms = static_cast<int64_t>(r.Varint());
  s.delay_seconds = static_cast<int32_t>(r.Varint());
  s.sender_id = r.String();
  s.dead_letter_source = r.String();
  s.sequence_number = r.Varint();
  s.key_id = r.String();
  const std::string_view aad = payload.substr(0, payload.size() - r.Raw().size());
  const std::string sealed = r.String();
  if (!r.ok() || !r.AtEnd() || s.key_id.empty()) {
    return Corruption("malformed payload of WAL record type 9 (EncryptedSend)");
  }
  if (cipher == nullptr) {
    return Status(StatusCode::kFailedPrecondition,
                  "record of queue " + s.queue + " is encrypted with key id '" + s.key_id +
                      "', but no encryption keys file was given (--encryption-keys-file)");
  }
  auto plaintext = cipher->Open(s.key_id, aad, sealed);
  if (!plaintext.ok()) {
    return Status(plaintext.status().code(),
                  "record of queue " + s.queue + ": " + plaintext.status().message());
  }
  PayloadReader inner(*plaintext);
  s.body = inner.String();
  s.message_attributes = inner.Attributes();
  s.system_attributes = inner.Attributes();
  s.group_id = inner.String();
  s.deduplication_id = inner.String();
  if (!inner.ok() || !inner.AtEnd()) {
    return Corruption("malformed sealed data of WAL record type 9 (EncryptedSend)");
  }
  return WalRecord(std::move(s));
}

WalRecord Decode(WalRecordType type, PayloadReader& r) {
  switch (type) {
    case WalRecordType::kCreateQueue: {
      CreateQueueRecord c;
      c.name = r.String();
      c.created_ms = static_cast<int64_t>(r.Varint());
      c.attributes = r.StringMap();
      if (!r.AtEnd()) c.tags = r.StringMap();
      if (!r.AtEnd()) c.owner_account = r.String();
      return c;
    }
    case WalRecordType::kSend: {
      SendRecord s;
      s.queue = r.String();
      s.message_id = r.Id();
      s.sent_ms = static_cast<int64_t>(r.Varint());
      s.delay_seconds = static_cast<int32_t>(r.Varint());
      s.sender_id = r.String();
      s.body = r.String();
      s.message_attributes = r.Attributes();
      if (!r.AtEnd()) {
        s.system_attributes = r.Attributes();
        s.dead_letter_source = r.String();
      }
      if (!r.AtEnd()) {
        s.group_id = r.String();
        s.deduplication_id = r.String();
        s.sequence_number = r.Varint();
      }
      return s;
    }
    case WalRecordType::kDelete: {
      DeleteRecord d;
      d.queue = r.String();
      d.message_id = r.Id();
      return d;
    }
    case WalRecordType::kDeleteQueue:
      return DeleteQueueRecord{r.String()};
    case WalRecordType::kPurgeQueue: {
      PurgeQueueRecord p;
      p.queue = r.String();
      p.purged_ms = static_cast<int64_t>(r.Varint());
      return p;
    }
    case WalRecordType::kSetQueueAttributes: {
      SetQueueAttributesRecord s;
      s.queue = r.String();
      s.modified_ms = static_cast<int64_t>(r.Varint());
      s.attributes = r.StringMap();
      return s;
    }
    case WalRecordType::kReceive: {
      ReceiveRecord v;
      v.queue = r.String();
      const uint64_t n = r.Varint();
      for (uint64_t i = 0; i < n && r.ok(); ++i) {
        ReceiveEntry e;
        e.message_id = r.Id();
        e.receive_token = r.Varint();
        e.receive_count = static_cast<int32_t>(r.Varint());
        e.first_receive_ms = static_cast<int64_t>(r.Varint());
        e.visible_at_ms = static_cast<int64_t>(r.Varint());
        v.entries.push_back(e);
      }
      return v;
    }
    case WalRecordType::kTagQueue: {
      TagQueueRecord t;
      t.queue = r.String();
      t.set = r.StringMap();
      t.remove = r.StringList();
      return t;
    }
    case WalRecordType::kEncryptedSend:
      break;  // DecodeEncrypted
  }
  return DeleteQueueRecord{};  // unreachable: the caller validated the type
}

}  // namespace

WalRecordType TypeOf(const WalRecord& record) {
  if (const auto* send = std::get_if<SendRecord>(&record); send && !send->key_id.empty()) {
    return WalRecordType::kEncryptedSend;
  }
  return static_cast<WalRecordType>(record.index() + 1);
}

void EncodeWalPayload(const WalRecord& record, std::string* out) {
  PayloadWriter writer(out);
  if (TypeOf(record) == WalRecordType::kEncryptedSend) {
    return EncodeEncrypted(std::get<SendRecord>(record), writer);
  }
  std::visit([&](const auto& r) { Encode(r, writer); }, record);
}

Result<WalRecord> DecodeWalPayload(WalRecordType type, std::string_view payload,
                                   const WalCipher* cipher) {
  const auto raw_type = static_cast<uint8_t>(type);
  if (raw_type == 0 || raw_type > kMaxWalRecordType) {
    return Corruption("unknown WAL record type " + std::to_string(raw_type));
  }
  if (type == WalRecordType::kEncryptedSend) return DecodeEncrypted(payload, cipher);
  PayloadReader reader(payload);
  WalRecord record = Decode(type, reader);
  if (!reader.ok() || !reader.AtEnd()) {
    return Corruption("malformed payload of WAL record type " + std::to_string(raw_type));
  }
  return record;
}

}  // namespace roadsense::queue
