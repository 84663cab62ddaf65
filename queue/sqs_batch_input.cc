#include "queue/sqs_batch_input.h"

#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/string.hpp>

namespace roadsense::queue {
namespace {

namespace json = boost::json;
using json::error_code;
using json::string_view;

constexpr size_t kMaxEntries = 10;  // more: the tree path answers TooManyEntriesInBatchRequest

// Receives the parse events and fills an SqsBatchInput. The key decides, before its value
// arrives, which field the value goes to and which JSON type it must have; any event the shape
// does not allow declines (returns false), which stops the parser.
class BatchInputHandler {
 public:
  // The limits of Boost.JSON's own tree parser (json::parse), as sqs/sqs_response.cc.
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  BatchInputHandler(bool send, SqsBatchInput* out) : send_(send), out_(out) {
    out_->entries.reserve(kMaxEntries);
  }

  // True when the whole document was read as the shape allows.
  bool complete() const { return complete_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return complete_; }

  bool on_object_begin(error_code&) {
    if (expect_ != Expect::kNone) return false;
    if (level_ == Level::kDocument) {
      level_ = Level::kTop;
      return true;
    }
    if (level_ != Level::kEntries || out_->entries.size() == kMaxEntries) return false;
    out_->entries.emplace_back();
    level_ = Level::kEntry;
    seen_ = 0;
    return true;
  }

  bool on_object_end(std::size_t, error_code&) {
    if (level_ == Level::kTop) {
      complete_ = top_seen_ == (kQueueUrl | kEntries) && !out_->entries.empty();
      level_ = Level::kDone;
      return complete_;
    }
    // An entry: Id and the action's required member present (level_ is kEntry: objects
    // elsewhere were declined when they began).
    level_ = Level::kEntries;
    const unsigned required = kId | (send_ ? kBody : kReceiptHandle);
    return (seen_ & required) == required;
  }

  bool on_array_begin(error_code&) {
    if (expect_ != Expect::kArray) return false;
    expect_ = Expect::kNone;
    level_ = Level::kEntries;
    return true;
  }

  bool on_array_end(std::size_t, error_code&) {
    level_ = Level::kTop;  // only Entries' array was begun
    return true;
  }

  bool on_key_part(string_view part, std::size_t, error_code&) {
    key_.append(part.data(), part.size());
    return true;
  }

  bool on_key(string_view part, std::size_t, error_code&) {
    std::string_view key(part.data(), part.size());
    if (!key_.empty()) key = key_.append(part.data(), part.size());
    const bool taken = level_ == Level::kTop ? TopKey(key) : EntryKey(key);
    key_.clear();
    return taken;
  }

  bool on_string_part(string_view part, std::size_t, error_code&) {
    if (expect_ != Expect::kString) return false;
    string_->append(part.data(), part.size());
    return true;
  }

  bool on_string(string_view part, std::size_t, error_code&) {
    if (expect_ != Expect::kString) return false;
    string_->append(part.data(), part.size());
    expect_ = Expect::kNone;
    return true;
  }

  bool on_number_part(string_view, error_code&) { return expect_ == Expect::kInt; }

  bool on_int64(int64_t n, string_view, error_code&) { return TakeInt(n); }

  // As the tree path's OptionalInt: an unsigned value is taken when it fits int64.
  bool on_uint64(uint64_t n, string_view, error_code&) {
    return n <= static_cast<uint64_t>(INT64_MAX) && TakeInt(static_cast<int64_t>(n));
  }

  // Doubles, booleans, null and comments are not in the shape.
  bool on_double(double, string_view, error_code&) { return false; }
  bool on_bool(bool, error_code&) { return false; }
  bool on_null(error_code&) { return false; }
  bool on_comment_part(string_view, error_code&) { return false; }
  bool on_comment(string_view, error_code&) { return false; }

 private:
  enum class Level { kDocument, kTop, kEntries, kEntry, kDone };
  enum class Expect { kNone, kString, kInt, kArray };
  // Members seen in the current object: a second one is a duplicate key.
  enum Seen : unsigned {
    kQueueUrl = 1,
    kEntries = 2,
    kId = 1,
    kBody = 2,
    kDelay = 4,
    kGroupId = 8,
    kDeduplicationId = 16,
    kReceiptHandle = 32,
  };

  bool Take(unsigned* seen, unsigned bit, Expect expect, std::string* target) {
    if (*seen & bit) return false;
    *seen |= bit;
    expect_ = expect;
    string_ = target;
    return true;
  }

  bool TakeInt(int64_t n) {
    if (expect_ != Expect::kInt) return false;
    out_->entries.back().delay_seconds = n;
    expect_ = Expect::kNone;
    return true;
  }

  bool TopKey(std::string_view key) {
    if (key == "QueueUrl") return Take(&top_seen_, kQueueUrl, Expect::kString, &out_->queue_url);
    if (key == "Entries") return Take(&top_seen_, kEntries, Expect::kArray, nullptr);
    return false;
  }

  bool EntryKey(std::string_view key) {
    SqsBatchEntryInput& e = out_->entries.back();
    if (key == "Id") return Take(&seen_, kId, Expect::kString, &e.id);
    if (!send_) {
      if (key == "ReceiptHandle") {
        return Take(&seen_, kReceiptHandle, Expect::kString, &e.receipt_handle);
      }
      return false;
    }
    if (key == "MessageBody") return Take(&seen_, kBody, Expect::kString, &e.body);
    if (key == "DelaySeconds") return Take(&seen_, kDelay, Expect::kInt, nullptr);
    if (key == "MessageGroupId") return Take(&seen_, kGroupId, Expect::kString, &e.group_id);
    if (key == "MessageDeduplicationId") {
      return Take(&seen_, kDeduplicationId, Expect::kString, &e.deduplication_id);
    }
    return false;
  }

  const bool send_;
  SqsBatchInput* out_;
  Level level_ = Level::kDocument;
  Expect expect_ = Expect::kNone;  // what the value after the last key must be
  std::string* string_ = nullptr;  // where a kString value goes
  unsigned top_seen_ = 0;
  unsigned seen_ = 0;  // of the current entry
  bool complete_ = false;
  std::string key_;  // a key that arrives in parts
};

}  // namespace

std::optional<SqsBatchInput> ReadSqsBatchInput(std::string_view action, std::string_view body) {
  const bool send = action == "SendMessageBatch";
  if (!send && action != "DeleteMessageBatch") return std::nullopt;
  SqsBatchInput input;
  // The tree path's options (json::parse's defaults), so the same texts are JSON.
  json::basic_parser<BatchInputHandler> parser(json::parse_options(), send, &input);
  error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (ec || used < body.size() || !parser.handler().complete()) return std::nullopt;
  return input;
}

}  // namespace roadsense::queue
