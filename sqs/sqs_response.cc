#include "sqs/sqs_response.h"

#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/string.hpp>
#include <cstdint>

namespace roadsense::sqs {
namespace {

namespace json = boost::json;
using json::error_code;
using json::string_view;

// Receives Boost.JSON's parse events and writes the members SqsResponse names into it. Where a
// value goes is decided by its key (and the container the key is in) before the value arrives:
// `string_`/`bool_` point at the field that takes a scalar, `pending_` says which container a
// value that opens one becomes; anything else is skipped, counting nesting in `skip_`.
class SqsResponseHandler {
 public:
  // The limits of Boost.JSON's own tree parser, so that the same documents fail the same way.
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  explicit SqsResponseHandler(SqsResponse* out) : out_(out) {}

  bool top_is_object() const { return top_is_object_; }
  // How many of out->messages / out->successful the document filled (the rest are left-overs).
  size_t messages_used() const { return messages_used_; }
  size_t successful_used() const { return successful_used_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code&) {
    const Pending pending = TakePending();
    if (skip_ > 0) return Enter();
    switch (level_) {
      case Level::kDocument:
        top_is_object_ = true;
        level_ = Level::kTop;
        return true;
      case Level::kTop:
        if (pending != Pending::kMap) return Enter();
        level_ = Level::kTopMap;
        return true;
      case Level::kList:
        NewEntry();
        level_ = Level::kEntry;
        return true;
      case Level::kEntry:
        if (pending != Pending::kMap) return Enter();
        level_ = Level::kEntryMap;
        return true;
      case Level::kTopMap:
      case Level::kEntryMap:
        return Enter();
    }
    return true;
  }

  bool on_object_end(std::size_t, error_code&) {
    if (skip_ > 0) return Leave();
    switch (level_) {
      case Level::kTop:
        level_ = Level::kDocument;
        break;
      case Level::kTopMap:
        level_ = Level::kTop;
        break;
      case Level::kEntry:
        level_ = Level::kList;
        break;
      case Level::kEntryMap:
        level_ = Level::kEntry;
        break;
      case Level::kDocument:
      case Level::kList:
        break;
    }
    return true;
  }

  bool on_array_begin(error_code&) {
    const Pending pending = TakePending();
    if (skip_ > 0 || level_ != Level::kTop || pending != Pending::kList) return Enter();
    level_ = Level::kList;
    // SQS lists at most 10 entries per call: room for them up front instead of 5 regrowths.
    // Failed is nearly always empty, so it grows as entries come.
    constexpr size_t kSqsBatch = 10;
    if (list_ == List::kMessages && out_->messages.capacity() < kSqsBatch) {
      out_->messages.reserve(kSqsBatch);
    }
    if (list_ == List::kSuccessful && out_->successful.capacity() < kSqsBatch) {
      out_->successful.reserve(kSqsBatch);
    }
    return true;
  }

  bool on_array_end(std::size_t, error_code&) {
    if (skip_ > 0) return Leave();
    if (level_ == Level::kList) level_ = Level::kTop;
    return true;
  }

  bool on_key_part(string_view s, std::size_t, error_code&) {
    if (skip_ == 0) key_.append(s.data(), s.size());
    return true;
  }

  bool on_key(string_view s, std::size_t, error_code&) {
    if (skip_ > 0) return true;
    std::string_view key(s.data(), s.size());
    if (!key_.empty()) {
      key_.append(key);
      key = key_;
    }
    switch (level_) {
      case Level::kTop:
        TopMember(key);
        break;
      case Level::kEntry:
        EntryMember(key);
        break;
      case Level::kTopMap:
      case Level::kEntryMap:
        MapMember(key);
        break;
      case Level::kDocument:
      case Level::kList:
        break;
    }
    key_.clear();
    return true;
  }

  bool on_string_part(string_view s, std::size_t, error_code&) {
    if (std::string* target = StringTarget()) target->append(s.data(), s.size());
    return true;
  }

  bool on_string(string_view s, std::size_t, error_code& ec) {
    on_string_part(s, 0, ec);
    string_ = nullptr;
    return true;
  }

  bool on_bool(bool b, error_code&) {
    if (bool_ != nullptr) *bool_ = b;
    return Scalar();
  }

  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code&) { return Scalar(); }
  bool on_uint64(std::uint64_t, string_view, error_code&) { return Scalar(); }
  bool on_double(double, string_view, error_code&) { return Scalar(); }
  bool on_null(error_code&) { return Scalar(); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  // Where the parse is, among the containers SqsResponse reads.
  enum class Level { kDocument, kTop, kTopMap, kList, kEntry, kEntryMap };
  // What the value after the current key becomes if it opens a container.
  enum class Pending { kNone, kMap, kList };
  enum class List { kMessages, kSuccessful, kFailed };

  // A container nobody reads: skipped with everything inside it.
  bool Enter() {
    ++skip_;
    return true;
  }
  bool Leave() {
    --skip_;
    return true;
  }

  // A scalar value that is not a string ends any pending target.
  bool Scalar() {
    TakePending();
    return true;
  }

  Pending TakePending() {
    const Pending pending = pending_;
    pending_ = Pending::kNone;
    string_ = nullptr;
    bool_ = nullptr;
    map_entry_pending_ = false;
    return pending;
  }

  // The string a string value (or its next part) goes to; a map entry is created by its first
  // string part, so that a non-string value leaves no entry.
  std::string* StringTarget() {
    if (skip_ > 0) return nullptr;
    if (map_entry_pending_) {
      string_ = &map_->try_emplace(key_name_).first->second;
      map_entry_pending_ = false;
    }
    return string_;
  }

  // Each key resets its field first: of repeated keys the last counts, whatever its type.
  void ReadString(std::string* field) {
    field->clear();
    string_ = field;
  }
  void ReadMap(std::map<std::string, std::string>* map) {
    map->clear();
    map_ = map;
    pending_ = Pending::kMap;
  }

  void TopMember(std::string_view key) {
    TakePending();
    if (key == "Messages") {
      messages_used_ = 0;
      list_ = List::kMessages;
      pending_ = Pending::kList;
    } else if (key == "Successful") {
      successful_used_ = 0;
      list_ = List::kSuccessful;
      pending_ = Pending::kList;
    } else if (key == "Failed") {
      out_->failed.clear();
      list_ = List::kFailed;
      pending_ = Pending::kList;
    } else if (key == "QueueUrl") {
      ReadString(&out_->queue_url);
    } else if (key == "MessageId") {
      ReadString(&out_->sent.message_id);
    } else if (key == "MD5OfMessageBody") {
      ReadString(&out_->sent.md5_of_body);
    } else if (key == "Attributes") {
      ReadMap(&out_->attributes);
    } else if (key == "__type") {
      ReadString(&out_->error_type);
    } else if (key == "message") {
      ReadString(&out_->error_message);
    } else if (key == "Message") {
      ReadString(&out_->error_message_capitalized);
    }
  }

  void NewEntry() {
    switch (list_) {
      case List::kMessages:
        // Messages kept from an earlier parse are reused: clearing a string keeps its storage.
        if (messages_used_ < out_->messages.size()) {
          ReceivedMessage& m = out_->messages[messages_used_];
          m.message_id.clear();
          m.receipt_handle.clear();
          m.body.clear();
          m.md5_of_body.clear();
          m.attributes.clear();
        } else {
          out_->messages.emplace_back();
        }
        ++messages_used_;
        break;
      case List::kSuccessful:
        if (successful_used_ < out_->successful.size()) {
          SendSuccess& s = out_->successful[successful_used_];
          s.id.clear();
          s.message_id.clear();
          s.md5_of_body.clear();
        } else {
          out_->successful.emplace_back();
        }
        ++successful_used_;
        break;
      case List::kFailed:
        out_->failed.emplace_back();
        break;
    }
  }

  void EntryMember(std::string_view key) {
    TakePending();
    switch (list_) {
      case List::kMessages: {
        ReceivedMessage& m = out_->messages[messages_used_ - 1];
        if (key == "Body") {
          ReadString(&m.body);
        } else if (key == "MD5OfBody") {
          ReadString(&m.md5_of_body);
        } else if (key == "ReceiptHandle") {
          ReadString(&m.receipt_handle);
        } else if (key == "MessageId") {
          ReadString(&m.message_id);
        } else if (key == "Attributes") {
          ReadMap(&m.attributes);
        }
        break;
      }
      case List::kSuccessful: {
        SendSuccess& s = out_->successful[successful_used_ - 1];
        if (key == "Id") {
          ReadString(&s.id);
        } else if (key == "MessageId") {
          ReadString(&s.message_id);
        } else if (key == "MD5OfMessageBody") {
          ReadString(&s.md5_of_body);
        }
        break;
      }
      case List::kFailed: {
        BatchFailure& f = out_->failed.back();
        if (key == "Id") {
          ReadString(&f.id);
        } else if (key == "Code") {
          ReadString(&f.code);
        } else if (key == "Message") {
          ReadString(&f.message);
        } else if (key == "SenderFault") {
          f.sender_fault = false;
          bool_ = &f.sender_fault;
        }
        break;
      }
    }
  }

  void MapMember(std::string_view key) {
    TakePending();
    key_name_.assign(key);
    map_->erase(key_name_);
    map_entry_pending_ = true;
  }

  SqsResponse* out_;
  size_t messages_used_ = 0;    // out_->messages[0, messages_used_) hold this document's messages
  size_t successful_used_ = 0;  // likewise out_->successful
  Level level_ = Level::kDocument;
  bool top_is_object_ = false;
  std::size_t skip_ = 0;  // depth inside skipped containers
  List list_ = List::kMessages;
  Pending pending_ = Pending::kNone;
  std::string* string_ = nullptr;                      // the field a string value goes to
  bool* bool_ = nullptr;                               // the field a boolean value goes to
  std::map<std::string, std::string>* map_ = nullptr;  // the map being read
  bool map_entry_pending_ = false;                     // a string value becomes map_[key_name_]
  std::string key_name_;                               // the current map key
  std::string key_;                                    // a key that arrives in parts
};

}  // namespace

Result<SqsResponse> ParseSqsResponse(std::string_view body) {
  SqsResponse response;
  RS_RETURN_IF_ERROR(ParseSqsResponseInto(body, &response));
  return response;
}

Status ParseSqsResponseInto(std::string_view body, SqsResponse* out) {
  std::vector<ReceivedMessage> messages = std::move(out->messages);
  std::vector<SendSuccess> successful = std::move(out->successful);
  *out = SqsResponse();
  out->messages = std::move(messages);
  out->successful = std::move(successful);
  if (body.empty()) {
    out->messages.clear();
    out->successful.clear();
    return Status::Ok();
  }
  json::basic_parser<SqsResponseHandler> parser(json::parse_options(), out);
  error_code ec;
  // As json::parse: the whole text must be one value (trailing text is "extra data").
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  out->messages.resize(parser.handler().messages_used());
  out->successful.resize(parser.handler().successful_used());
  if (!ec && used < body.size()) ec = json::error::extra_data;
  if (ec) return Internal("malformed JSON response: " + ec.message());
  if (!parser.handler().top_is_object()) return Internal("malformed JSON response: not an object");
  return Status::Ok();
}

}  // namespace roadsense::sqs
