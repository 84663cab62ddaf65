#include "queue/sqs_actions.h"

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <unordered_map>

#include "core/base64.h"
#include "core/digest.h"
#include "core/json_writer.h"
#include "queue/access_policy.h"
#include "queue/message_validation.h"
#include "queue/queue_engine.h"
#include "queue/sqs_api.h"
#include "queue/sqs_error.h"
#include "sqs/sqs_client.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;
using CallPtr = std::shared_ptr<SqsCall>;

constexpr size_t kMaxBatchEntries = 10;
constexpr size_t kMaxBatchBytes = 1048576;
constexpr size_t kMaxTagsPerQueue = 50;
constexpr size_t kMaxPolicyActions = 7;

Status Missing(const std::string& name) {
  return SqsError(SqsErrorCode::kMissingParameter,
                  "The request must contain the parameter " + name + ".");
}
Status BadValue(const std::string& name) {
  return SqsError(SqsErrorCode::kInvalidParameterValue,
                  "Value for parameter " + name + " is invalid.");
}

// ---- JSON field access (every accessor validates the JSON type) ------------------------------

// The string as it lies in the input (valid as long as the call): no copy where a view serves.
Result<std::string_view> RequiredStringView(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return Missing(name);
  if (!v->is_string()) return BadValue(name);
  return std::string_view(v->get_string());
}

Result<std::string> RequiredString(const json::object& o, const char* name) {
  auto text = RequiredStringView(o, name);
  if (!text.ok()) return text.status();
  return std::string(*text);
}

// `n` (if given) when within lo..hi.
Result<std::optional<int64_t>> InRange(std::optional<int64_t> n, const char* name, int64_t lo,
                                       int64_t hi) {
  if (n && (*n < lo || *n > hi)) {
    return SqsError(SqsErrorCode::kInvalidParameterValue,
                    "Value " + std::to_string(*n) + " for parameter " + name +
                        " is invalid. Reason: must be between " + std::to_string(lo) + " and " +
                        std::to_string(hi) + ".");
  }
  return n;
}

Result<std::optional<int64_t>> OptionalInt(const json::object& o, const char* name, int64_t lo,
                                           int64_t hi) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= INT64_MAX) {
    n = static_cast<int64_t>(v->get_uint64());
  } else {
    return BadValue(name);
  }
  return InRange(n, name, lo, hi);
}

Result<std::vector<std::string>> StringList(const json::object& o, const char* name) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return BadValue(name);
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) return BadValue(name);
    out.emplace_back(e.get_string());
  }
  return out;
}

Result<QueueAttributeMap> StringMap(const json::object& o, const char* name) {
  QueueAttributeMap out;
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) return BadValue(name);
  for (const auto& [k, e] : v->get_object()) {
    if (!e.is_string()) return BadValue(name);
    out[std::string(k)] = std::string(e.get_string());
  }
  return out;
}

// CreateQueue/SetQueueAttributes `Attributes`. A Policy must be one the authorizer can evaluate
// (AccessPolicy::Parse; "" removes it). Checked here, not in QueueConfig, so that replaying an
// older log never rejects a queue.
Result<QueueAttributeMap> QueueAttributes(const json::object& input) {
  auto attributes = StringMap(input, "Attributes");
  if (!attributes.ok()) return attributes.status();
  if (auto p = attributes->find("Policy"); p != attributes->end() && !p->second.empty()) {
    if (auto policy = AccessPolicy::Parse(p->second); !policy.ok()) {
      return SqsError(SqsErrorCode::kInvalidAttributeValue,
                      "Invalid value for the parameter Policy: " + policy.status().message());
    }
  }
  return attributes;
}

Result<std::string> OptionalString(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return BadValue(name);
  return std::string(v->get_string());
}

// One page of a name listing (ListQueues, ListDeadLetterSourceQueues). NextToken is the base64
// of the last name returned; as in SQS it is only given when MaxResults was.
struct NamePage {
  std::vector<std::string> names;
  std::string next_token;
};
Result<NamePage> Page(std::vector<std::string> sorted_names, const json::object& input,
                      std::optional<int64_t> max) {
  auto token = OptionalString(input, "NextToken");
  if (!token.ok()) return token.status();
  auto begin = sorted_names.begin();
  if (!token->empty()) {
    auto after = Base64Decode(*token);
    if (!after || after->empty()) {
      return SqsError(SqsErrorCode::kInvalidParameterValue, "Invalid NextToken value.");
    }
    begin = std::upper_bound(sorted_names.begin(), sorted_names.end(), *after);
  }
  NamePage page;
  for (auto it = begin; it != sorted_names.end(); ++it) {
    if (max && static_cast<int64_t>(page.names.size()) >= *max) {
      page.next_token = Base64Encode(page.names.back());
      break;
    }
    page.names.push_back(*it);
  }
  return page;
}

// SQS tag limits: keys 1..128 characters, values up to 256, at most 50 per queue (`existing`
// plus the new keys).
Status ValidateTags(const QueueAttributeMap& tags, const QueueAttributeMap& existing) {
  size_t count = existing.size();
  for (const auto& [key, value] : tags) {
    if (key.empty() || key.size() > 128) {
      return SqsError(SqsErrorCode::kInvalidParameterValue,
                      "Tag keys must be between 1 and 128 characters in length.");
    }
    if (value.size() > 256) {
      return SqsError(SqsErrorCode::kInvalidParameterValue,
                      "Tag values may not exceed 256 characters in length.");
    }
    if (!existing.contains(key)) ++count;
  }
  if (count > kMaxTagsPerQueue) {
    return SqsError(SqsErrorCode::kInvalidParameterValue,
                    "Too many tags added for queue. A queue can have at most 50 tags.");
  }
  return Status::Ok();
}

// MessageAttributes or MessageSystemAttributes (`member`), not yet validated.
Result<sqs::MessageAttributes> AttributeValues(const json::object& o, const char* member) {
  sqs::MessageAttributes out;
  const json::value* v = o.if_contains(member);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) return BadValue(member);
  for (const auto& [k, e] : v->get_object()) {
    if (!e.is_object()) return BadValue(member);
    const json::object& a = e.get_object();
    sqs::MessageAttributeValue value;
    auto type = RequiredString(a, "DataType");
    if (!type.ok()) return type.status();
    value.data_type = *type;
    if (const json::value* s = a.if_contains("StringValue"); s && s->is_string()) {
      value.string_value = std::string(s->get_string());
    }
    if (const json::value* b = a.if_contains("BinaryValue"); b && b->is_string()) {
      auto raw = Base64Decode(std::string(b->get_string()));
      if (!raw) return BadValue(std::string(member) + "." + std::string(k) + ".BinaryValue");
      value.binary_value = std::move(*raw);
    }
    out[std::string(k)] = std::move(value);
  }
  return out;
}

// The one system attribute a sender may set: AWSTraceHeader, with a String value.
Status ValidateMessageSystemAttributes(const sqs::MessageAttributes& attributes) {
  for (const auto& [name, value] : attributes) {
    if (name != "AWSTraceHeader") {
      return SqsError(SqsErrorCode::kInvalidParameterValue,
                      "Message system attribute name " + name + " is invalid.");
    }
    if (value.data_type != "String" || !value.string_value || value.binary_value) {
      return SqsError(SqsErrorCode::kInvalidParameterValue,
                      "Message system attribute AWSTraceHeader must be a String value.");
    }
  }
  return Status::Ok();
}

Status NoSuchQueue() {
  return SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist.");
}

// `path` without trailing slashes.
std::string_view WithoutTrailingSlashes(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

// The queue name at the end of a QueueUrl ("http://host:port/<account>/<name>"); a URL naming
// another account than the queue's does not name it.
Result<std::string> QueueName(const SqsCall& c) {
  auto url = c.batch_input ? Result<std::string_view>(c.batch_input->queue_url)
                           : RequiredStringView(c.input, "QueueUrl");
  if (!url.ok()) return url.status();
  std::string_view path = WithoutTrailingSlashes(*url);
  std::string name(sqs::QueueNameInUrl(path));
  if (name.empty()) return BadValue("QueueUrl");
  path = WithoutTrailingSlashes(path.substr(0, path.size() - name.size()));
  const std::string_view account = path.substr(path.find_last_of('/') + 1);
  const bool is_account =
      account.size() == 12 &&
      std::all_of(account.begin(), account.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  if (is_account && account != c.api->AccountOf(name)) {
    return NoSuchQueue();
  }
  return name;
}

bool ValidQueueName(const std::string& name) {
  if (name.empty() || name.size() > 80) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

bool ValidBatchEntryId(const std::string& id) { return ValidQueueName(id); }  // same charset

// MessageGroupId / MessageDeduplicationId: 1..128 alphanumeric or punctuation characters.
bool ValidFifoId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        !std::ispunct(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}

// SequenceNumber as SQS writes it: a decimal string of fixed width (20 digits here).
std::string SequenceNumberText(uint64_t n) {
  std::string digits = std::to_string(n);
  return std::string(digits.size() < 20 ? 20 - digits.size() : 0, '0') + digits;
}

void WriteAttributeValue(JsonWriter& w, const sqs::MessageAttributeValue& v) {
  w.BeginObject().Field("DataType", v.data_type);
  if (v.string_value) w.Field("StringValue", *v.string_value);
  if (v.binary_value) w.Field("BinaryValue", Base64Encode(*v.binary_value));
  w.EndObject();
}

// ---- Actions ---------------------------------------------------------------------------------

void CreateQueue(const CallPtr& c) {
  auto name = RequiredString(c->input, "QueueName");
  if (!name.ok()) return c->Fail(name.status());
  // A FIFO queue's name is a standard name plus ".fifo", 80 characters in all.
  const bool fifo_name = name->ends_with(".fifo");
  if (!ValidQueueName(fifo_name ? name->substr(0, name->size() - 5) : *name) || name->size() > 80) {
    return c->Fail(SqsError(SqsErrorCode::kInvalidParameterValue,
                            "Can only include alphanumeric characters, hyphens, or underscores. "
                            "1 to 80 in length"));
  }
  auto attributes = QueueAttributes(c->input);
  if (!attributes.ok()) return c->Fail(attributes.status());
  auto tags = StringMap(c->input, "tags");
  if (!tags.ok()) return c->Fail(tags.status());
  if (Status s = ValidateTags(*tags, {}); !s.ok()) return c->Fail(s);
  const std::string& account = c->caller.account_id;
  const std::string owner = account == c->api->options().account_id ? "" : account;
  c->engine->CreateQueue(*name, *attributes, *tags, owner, [c, name = *name](Status s) {
    if (!s.ok()) return c->Fail(s);
    c->Reply({{"QueueUrl", c->api->QueueUrl(name)}});
  });
}

void GetQueueUrl(const CallPtr& c) {
  auto name = RequiredString(c->input, "QueueName");
  if (!name.ok()) return c->Fail(name.status());
  auto owner = OptionalString(c->input, "QueueOwnerAWSAccountId");
  if (!owner.ok()) return c->Fail(owner.status());
  // As in SQS, the queue is looked up in the caller's account unless another is named.
  const std::string& account = owner->empty() ? c->caller.account_id : *owner;
  if (!c->engine->QueueExists(*name) || c->api->AccountOf(*name) != account) {
    return c->Fail(NoSuchQueue());
  }
  c->Reply({{"QueueUrl", c->api->QueueUrl(*name)}});
}

void ListQueues(const CallPtr& c) {
  auto prefix = OptionalString(c->input, "QueueNamePrefix");
  if (!prefix.ok()) return c->Fail(prefix.status());
  auto max = OptionalInt(c->input, "MaxResults", 1, 1000);
  if (!max.ok()) return c->Fail(max.status());
  // The caller's own queues.
  std::vector<std::string> names;
  for (auto& name : c->engine->ListQueues(*prefix)) {
    if (c->api->AccountOf(name) == c->caller.account_id) names.push_back(std::move(name));
  }
  auto page = Page(std::move(names), c->input, *max);
  if (!page.ok()) return c->Fail(page.status());
  json::object out;
  json::array urls;
  for (const auto& name : page->names) urls.push_back(json::value(c->api->QueueUrl(name)));
  out["QueueUrls"] = std::move(urls);
  if (!page->next_token.empty()) out["NextToken"] = page->next_token;
  c->Reply(std::move(out));
}

void StatusOnly(const CallPtr& c, Status s) {
  if (!s.ok()) return c->Fail(s);
  c->Reply({});
}

void DeleteQueue(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  c->engine->DeleteQueue(*name, [c](Status s) { StatusOnly(c, s); });
}

void PurgeQueue(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  c->engine->PurgeQueue(*name, [c](Status s) { StatusOnly(c, s); });
}

void SetQueueAttributes(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto attributes = QueueAttributes(c->input);
  if (!attributes.ok()) return c->Fail(attributes.status());
  c->engine->SetQueueAttributes(*name, *attributes, [c](Status s) { StatusOnly(c, s); });
}

void GetQueueAttributes(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto names = StringList(c->input, "AttributeNames");
  if (!names.ok()) return c->Fail(names.status());
  auto all = c->engine->GetQueueAttributes(*name);
  if (!all.ok()) return c->Fail(all.status());
  (*all)["QueueArn"] = c->api->QueueArn(*name);
  if (auto p = all->find("Policy"); p != all->end() && p->second.empty()) all->erase(p);  // removed
  json::object out;
  const bool want_all = std::find(names->begin(), names->end(), "All") != names->end();
  for (const auto& n : *names) {
    if (n == "All") continue;
    if (!all->contains(n) && !IsWritableQueueAttribute(n)) {
      return c->Fail(SqsError(SqsErrorCode::kInvalidAttributeName, "Unknown Attribute " + n + "."));
    }
    if (auto it = all->find(n); it != all->end()) out[n] = it->second;
  }
  if (want_all) {
    for (const auto& [k, v] : *all) out[k] = v;
  }
  json::object result;
  if (!out.empty()) result["Attributes"] = std::move(out);
  c->Reply(std::move(result));
}

// The members of one SendMessage(-BatchEntry) in the request's JSON tree, type checked as read.
struct MessageInTree {
  const json::object& o;
  Result<std::string> Body() const { return RequiredString(o, "MessageBody"); }
  Result<std::optional<int64_t>> DelaySeconds() const {
    return OptionalInt(o, "DelaySeconds", 0, 900);
  }
  Result<sqs::MessageAttributes> Attributes() const {
    return AttributeValues(o, "MessageAttributes");
  }
  Result<sqs::MessageAttributes> SystemAttributes() const {
    return AttributeValues(o, "MessageSystemAttributes");
  }
  Result<std::string> GroupId() const { return OptionalString(o, "MessageGroupId"); }
  Result<std::string> DeduplicationId() const {
    return OptionalString(o, "MessageDeduplicationId");
  }
};

// The same members of a SendMessageBatch entry read directly (sqs_batch_input.h), which took
// only members of the right types and no attributes. Each taken once: the strings are moved.
struct MessageReadDirectly {
  SqsBatchEntryInput& e;
  Result<std::string> Body() const { return std::move(e.body); }
  Result<std::optional<int64_t>> DelaySeconds() const {
    return InRange(e.delay_seconds, "DelaySeconds", 0, 900);
  }
  Result<sqs::MessageAttributes> Attributes() const { return sqs::MessageAttributes(); }
  Result<sqs::MessageAttributes> SystemAttributes() const { return sqs::MessageAttributes(); }
  Result<std::string> GroupId() const { return std::move(e.group_id); }
  Result<std::string> DeduplicationId() const { return std::move(e.deduplication_id); }
};

// Validates one SendMessage(-BatchEntry) (MessageInTree or MessageReadDirectly: the same checks
// in the same order, whichever way the input was read) into a NewMessage.
template <typename Members>
Result<NewMessage> ParseNewMessage(const Members& o, const QueueConfig& config,
                                   const std::string& sender_id) {
  NewMessage m;
  auto body = o.Body();
  if (!body.ok()) return body.status();
  RS_RETURN_IF_ERROR(ValidateMessageBody(*body));
  auto delay = o.DelaySeconds();
  if (!delay.ok()) return delay.status();
  auto attributes = o.Attributes();
  if (!attributes.ok()) return attributes.status();
  RS_RETURN_IF_ERROR(ValidateMessageAttributes(*attributes));
  auto system_attributes = o.SystemAttributes();
  if (!system_attributes.ok()) return system_attributes.status();
  RS_RETURN_IF_ERROR(ValidateMessageSystemAttributes(*system_attributes));
  const size_t size = MessageSize(*body, *attributes);
  if (static_cast<int64_t>(size) > config.maximum_message_size) {
    return SqsError(SqsErrorCode::kInvalidParameterValue,
                    "One or more parameters are invalid. Reason: Message must be shorter than " +
                        std::to_string(config.maximum_message_size) + " bytes.");
  }
  auto group_id = o.GroupId();
  if (!group_id.ok()) return group_id.status();
  auto dedup_id = o.DeduplicationId();
  if (!dedup_id.ok()) return dedup_id.status();
  if (config.fifo) {
    if (group_id->empty()) return Missing("MessageGroupId");
    if (delay->has_value()) {
      return SqsError(SqsErrorCode::kInvalidParameterValue,
                      "Value " + std::to_string(**delay) +
                          " for parameter DelaySeconds is invalid. Reason: The request include "
                          "parameter that is not valid for this queue type.");
    }
    if (dedup_id->empty()) {
      if (!config.content_based_deduplication) {
        return SqsError(SqsErrorCode::kInvalidParameterValue,
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly");
      }
      *dedup_id = Sha256Hex(*body);
    }
    for (const auto& [field, value] : {std::pair{"MessageGroupId", &*group_id},
                                       std::pair{"MessageDeduplicationId", &*dedup_id}}) {
      if (!ValidFifoId(*value)) {
        return SqsError(SqsErrorCode::kInvalidParameterValue,
                        std::string("Value ") + *value + " for parameter " + field +
                            " is invalid. Reason: 1 to 128 alphanumeric or punctuation "
                            "characters.");
      }
    }
    m.group_id = std::move(*group_id);
    m.deduplication_id = std::move(*dedup_id);
  } else if (!dedup_id->empty()) {
    return SqsError(SqsErrorCode::kInvalidParameterValue,
                    "The request include parameter MessageDeduplicationId that is not valid for "
                    "this queue type");
  }
  m.body = std::move(*body);
  m.attributes = std::move(*attributes);
  m.delay_seconds = delay->has_value() ? static_cast<int>(**delay) : -1;
  m.sender_id = sender_id;
  m.system_attributes = std::move(*system_attributes);
  return m;
}

// The members of SendMessage's result (and of a SendMessageBatchResultEntry, before its Id).
void WriteSent(JsonWriter& w, const SentMessage& s) {
  w.Field("MessageId", s.id.ToText().view()).Field("MD5OfMessageBody", s.md5_of_body.view());
  if (!s.md5_of_attributes.empty()) w.Field("MD5OfMessageAttributes", s.md5_of_attributes);
  if (!s.md5_of_system_attributes.empty()) {
    w.Field("MD5OfMessageSystemAttributes", s.md5_of_system_attributes);
  }
  if (s.sequence_number != 0) w.Field("SequenceNumber", SequenceNumberText(s.sequence_number));
}

void SendMessage(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto config = c->engine->GetQueueConfig(*name);
  if (!config.ok()) return c->Fail(config.status());
  auto message = ParseNewMessage(MessageInTree{c->input}, *config, c->sender_id);
  if (!message.ok()) return c->Fail(message.status());
  std::vector<NewMessage> messages;
  messages.push_back(std::move(*message));
  c->engine->SendMessages(*name, std::move(messages), [c](Result<std::vector<SentMessage>> sent) {
    if (!sent.ok()) return c->Fail(sent.status());
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    WriteSent(w, sent->front());
    w.EndObject();
    c->ReplyJson(std::move(out));
  });
}

// A batch entry that failed, by its Id.
using FailedEntries = std::vector<std::pair<std::string, Status>>;

// {"Successful":[...],"Failed":[...]} of every *Batch action: `write_successful(w)` writes the
// successful entries (each an object); then a BatchResultErrorEntry per failed entry.
// `successful_bytes`: about what the successful entries take, so the text is allocated once.
template <typename WriteSuccessful>
std::string BatchResultJson(WriteSuccessful write_successful, const FailedEntries& failed,
                            size_t successful_bytes) {
  std::string out;
  out.reserve(64 + successful_bytes + 256 * failed.size());
  JsonWriter w(&out);
  w.BeginObject().Key("Successful").BeginArray();
  write_successful(w);
  w.EndArray().Key("Failed").BeginArray();
  for (const auto& [id, status] : failed) {
    std::string message;
    const SqsErrorInfo& info = InfoOf(SqsErrorCodeOf(status, &message));
    // The message may quote the entry's untrusted input (a receipt handle): keep the output
    // valid.
    w.BeginObject()
        .Field("Id", id)
        .Key("SenderFault")
        .Bool(info.sender_fault)
        .Field("Code", info.shape)
        .Field("Message", ReplaceInvalidCharacters(message))
        .EndObject();
  }
  w.EndArray().EndObject();
  return out;
}

// The successful entries of a batch that only name them: [{"Id":...}, ...].
auto SuccessfulIds(const std::vector<std::string>& ids) {
  return [&ids](JsonWriter& w) {
    for (const std::string& id : ids) w.BeginObject().Field("Id", id).EndObject();
  };
}
// About what SuccessfulIds writes.
size_t SuccessfulIdsBytes(const std::vector<std::string>& ids) {
  size_t bytes = 0;
  for (const std::string& id : ids) bytes += id.size() + 12;
  return bytes;
}

// The batch-level checks of every *Batch action, in order: the number of entries, then each
// entry's Id (`id_of(i)`: the Id of entry i, type checked).
template <typename IdOf>
Result<std::vector<std::string>> CheckedBatchEntryIds(size_t count, IdOf id_of) {
  if (count == 0) {
    return SqsError(SqsErrorCode::kEmptyBatchRequest,
                    "There should be at least one entry in the request.");
  }
  if (count > kMaxBatchEntries) {
    return SqsError(SqsErrorCode::kTooManyEntriesInBatchRequest,
                    "Maximum number of entries per request are 10. You have sent " +
                        std::to_string(count) + ".");
  }
  std::vector<std::string> ids;
  ids.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Result<std::string> id = id_of(i);
    if (!id.ok()) return id.status();
    if (!ValidBatchEntryId(*id)) {
      return SqsError(SqsErrorCode::kInvalidBatchEntryId,
                      "A batch entry id can only contain alphanumeric characters, hyphens and "
                      "underscores. It can be at most 80 letters long.");
    }
    // At most kMaxBatchEntries: a scan beats a set's node per entry.
    if (std::find(ids.begin(), ids.end(), *id) != ids.end()) {
      return SqsError(SqsErrorCode::kBatchEntryIdsNotDistinct, "Id " + *id + " repeated.");
    }
    ids.push_back(std::move(*id));
  }
  return ids;
}

// The entries' ids from the request's tree (`*entries`: its Entries array).
Result<std::vector<std::string>> BatchEntryIds(const json::object& input,
                                               const json::array** entries) {
  const json::value* v = input.if_contains("Entries");
  if (v == nullptr || v->is_null()) return Missing("Entries");
  if (!v->is_array()) return BadValue("Entries");
  const json::array& array = v->get_array();
  *entries = &array;
  return CheckedBatchEntryIds(array.size(), [&](size_t i) -> Result<std::string> {
    if (!array[i].is_object()) return BadValue("Entries");
    return RequiredString(array[i].get_object(), "Id");
  });
}

// The same from an input read directly.
Result<std::vector<std::string>> BatchEntryIds(const SqsBatchInput& input) {
  return CheckedBatchEntryIds(input.entries.size(),
                              [&](size_t i) -> Result<std::string> { return input.entries[i].id; });
}

// The entries' ids of c's input, either way it was read (`*entries`: the tree's Entries, when
// the input is a tree).
Result<std::vector<std::string>> BatchEntryIds(const SqsCall& c, const json::array** entries) {
  return c.batch_input ? BatchEntryIds(*c.batch_input) : BatchEntryIds(c.input, entries);
}

void SendMessageBatch(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  const json::array* entries = nullptr;
  auto ids = BatchEntryIds(*c, &entries);
  if (!ids.ok()) return c->Fail(ids.status());
  auto config = c->engine->GetQueueConfig(*name);
  if (!config.ok()) return c->Fail(config.status());

  FailedEntries failed;
  std::vector<NewMessage> messages;
  std::vector<std::string> sent_ids;
  messages.reserve(ids->size());
  sent_ids.reserve(ids->size());
  size_t total = 0;
  for (size_t i = 0; i < ids->size(); ++i) {
    auto m = c->batch_input ? ParseNewMessage(MessageReadDirectly{c->batch_input->entries[i]},
                                              *config, c->sender_id)
                            : ParseNewMessage(MessageInTree{(*entries)[i].get_object()}, *config,
                                              c->sender_id);
    if (!m.ok()) {
      failed.emplace_back((*ids)[i], m.status());
      continue;
    }
    total += MessageSize(m->body, m->attributes);
    sent_ids.push_back((*ids)[i]);
    messages.push_back(std::move(*m));
  }
  if (total > kMaxBatchBytes) {
    return c->Fail(SqsError(SqsErrorCode::kBatchRequestTooLong,
                            "Batch requests cannot be longer than 1048576 bytes. You have sent " +
                                std::to_string(total) + " bytes."));
  }
  auto reply = [c, sent_ids = std::move(sent_ids),
                failed = std::move(failed)](Result<std::vector<SentMessage>> sent) mutable {
    if (!sent.ok()) {
      for (const std::string& id : sent_ids) failed.emplace_back(id, sent.status());
    }
    // Per entry: MessageId and MD5OfMessageBody with their keys, Id, perhaps the other MD5s.
    constexpr size_t kSentEntryBytes = 200;
    c->ReplyJson(BatchResultJson(
        [&](JsonWriter& w) {
          if (!sent.ok()) return;
          for (size_t i = 0; i < sent_ids.size(); ++i) {
            w.BeginObject();
            WriteSent(w, (*sent)[i]);
            w.Field("Id", sent_ids[i]).EndObject();
          }
        },
        failed, sent.ok() ? kSentEntryBytes * sent_ids.size() : 0));
  };
  if (messages.empty()) return reply(std::vector<SentMessage>());
  c->engine->SendMessages(*name, std::move(messages), std::move(reply));
}

// Which system attributes a receive asked for.
struct AttributeSelection {
  bool all = false;
  std::set<std::string, std::less<>> names;  // transparent: asked with literals, no temporaries
  bool Wants(std::string_view n) const { return all || names.contains(n); }
};

void WriteReceived(JsonWriter& w, const SqsApi& api, const ReceivedMessage& r,
                   const AttributeSelection& system,
                   const std::vector<std::string>& attribute_names) {
  const StoredMessage& m = *r.message;
  w.BeginObject()
      .Field("MessageId", m.id.ToText().view())
      .Field("ReceiptHandle", r.receipt.EncodeText().view())
      .Field("MD5OfBody", m.md5_of_body.view())
      .Field("Body", r.body());
  // "Attributes" only when one is given: opened by the first.
  bool attributes_open = false;
  auto attribute = [&](std::string_view name, std::string_view value) {
    if (!std::exchange(attributes_open, true)) w.Key("Attributes").BeginObject();
    w.Field(name, value);
  };
  if (system.Wants("SenderId")) attribute("SenderId", m.sender_id);
  if (system.Wants("SentTimestamp")) attribute("SentTimestamp", std::to_string(m.sent_ms));
  if (system.Wants("ApproximateReceiveCount")) {
    attribute("ApproximateReceiveCount", std::to_string(r.receive_count));
  }
  if (system.Wants("ApproximateFirstReceiveTimestamp")) {
    attribute("ApproximateFirstReceiveTimestamp", std::to_string(r.first_receive_ms));
  }
  if (auto trace = m.system_attributes.find("AWSTraceHeader"); trace != m.system_attributes.end() &&
                                                               trace->second.string_value &&
                                                               system.Wants("AWSTraceHeader")) {
    attribute("AWSTraceHeader", *trace->second.string_value);
  }
  if (!m.dead_letter_source.empty() && system.Wants("DeadLetterQueueSourceArn")) {
    attribute("DeadLetterQueueSourceArn", api.QueueArn(m.dead_letter_source));
  }
  if (!m.group_id.empty()) {
    if (system.Wants("MessageGroupId")) attribute("MessageGroupId", m.group_id);
    if (system.Wants("MessageDeduplicationId")) {
      attribute("MessageDeduplicationId", m.deduplication_id);
    }
    if (system.Wants("SequenceNumber")) {
      attribute("SequenceNumber", SequenceNumberText(m.sequence_number));
    }
  }
  if (attributes_open) w.EndObject();

  // Message attributes: "All" / ".*", exact names, or "prefix.*".
  sqs::MessageAttributes chosen;
  for (const auto& [name, value] : m.attributes) {
    for (const auto& want : attribute_names) {
      const bool match =
          want == "All" || want == ".*" || want == name ||
          (want.ends_with(".*") && name.starts_with(want.substr(0, want.size() - 1)));
      if (match) {
        chosen[name] = value;
        break;
      }
    }
  }
  if (!chosen.empty()) {
    w.Field("MD5OfMessageAttributes", chosen.size() == m.attributes.size()
                                          ? m.md5_of_attributes
                                          : sqs::Md5OfMessageAttributes(chosen));
    w.Key("MessageAttributes").BeginObject();
    for (const auto& [name, value] : chosen) {
      w.Key(name);
      WriteAttributeValue(w, value);
    }
    w.EndObject();
  }
  w.EndObject();
}

void ReceiveMessage(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto max = OptionalInt(c->input, "MaxNumberOfMessages", 1, 10);
  if (!max.ok()) return c->Fail(max.status());
  auto vt = OptionalInt(c->input, "VisibilityTimeout", 0, 43200);
  if (!vt.ok()) return c->Fail(vt.status());
  auto wait = OptionalInt(c->input, "WaitTimeSeconds", 0, 20);
  if (!wait.ok()) return c->Fail(wait.status());
  auto legacy_names = StringList(c->input, "AttributeNames");
  if (!legacy_names.ok()) return c->Fail(legacy_names.status());
  auto system_names = StringList(c->input, "MessageSystemAttributeNames");
  if (!system_names.ok()) return c->Fail(system_names.status());
  auto attribute_names = StringList(c->input, "MessageAttributeNames");
  if (!attribute_names.ok()) return c->Fail(attribute_names.status());

  AttributeSelection system;
  for (const auto* list : {&*legacy_names, &*system_names}) {
    for (const auto& n : *list) {
      if (n == "All") system.all = true;
      system.names.insert(n);
    }
  }
  ReceiveRequest request;
  request.max_messages = max->value_or(1);
  request.visibility_timeout_seconds = vt->has_value() ? static_cast<int>(**vt) : -1;
  request.wait_time_seconds = wait->has_value() ? static_cast<int>(**wait) : -1;
  auto attempt_id = OptionalString(c->input, "ReceiveRequestAttemptId");
  if (!attempt_id.ok()) return c->Fail(attempt_id.status());
  if (!attempt_id->empty() && !ValidFifoId(*attempt_id)) {
    return c->Fail(BadValue("ReceiveRequestAttemptId"));
  }
  request.attempt_id = std::move(*attempt_id);
  c->engine->ReceiveMessages(*name, request,
                             [c, system = std::move(system), names = std::move(*attribute_names)](
                                 Result<std::vector<ReceivedMessage>> received) {
                               if (!received.ok()) return c->Fail(received.status());
                               size_t bytes = 64;
                               for (const auto& r : *received) bytes += 2 * r.body().size() + 512;
                               std::string out;
                               out.reserve(bytes);
                               JsonWriter w(&out);
                               w.BeginObject().Key("Messages").BeginArray();
                               for (const auto& r : *received) {
                                 WriteReceived(w, *c->api, r, system, names);
                               }
                               w.EndArray().EndObject();
                               c->ReplyJson(std::move(out));
                             });
}

void DeleteMessage(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto handle = RequiredStringView(c->input, "ReceiptHandle");
  if (!handle.ok()) return c->Fail(handle.status());
  c->engine->DeleteMessages(*name, {*handle},
                            [c](std::vector<Status> s) { StatusOnly(c, s.front()); });
}

void DeleteMessageBatch(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  if (!c->engine->QueueExists(*name)) {
    return c->Fail(
        SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist."));
  }
  const json::array* entries = nullptr;
  auto ids = BatchEntryIds(*c, &entries);
  if (!ids.ok()) return c->Fail(ids.status());
  // Views into the input, which lives as long as the call (`c`).
  std::vector<std::string_view> handles;
  handles.reserve(ids->size());
  if (c->batch_input) {
    for (const auto& e : c->batch_input->entries) handles.push_back(e.receipt_handle);
  } else {
    for (const auto& e : *entries) {
      auto h = RequiredStringView(e.get_object(), "ReceiptHandle");
      handles.push_back(h.ok() ? *h : std::string_view());  // "" decodes as invalid
    }
  }
  c->engine->DeleteMessages(
      *name, handles, [c, ids = std::move(*ids)](std::vector<Status> statuses) {
        std::vector<std::string> successful;
        successful.reserve(ids.size());
        FailedEntries failed;
        for (size_t i = 0; i < ids.size(); ++i) {
          if (statuses[i].ok()) {
            successful.push_back(ids[i]);
          } else {
            failed.emplace_back(ids[i], statuses[i]);
          }
        }
        c->ReplyJson(
            BatchResultJson(SuccessfulIds(successful), failed, SuccessfulIdsBytes(successful)));
      });
}

void ChangeMessageVisibility(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto handle = RequiredString(c->input, "ReceiptHandle");
  if (!handle.ok()) return c->Fail(handle.status());
  auto timeout = OptionalInt(c->input, "VisibilityTimeout", 0, 43200);
  if (!timeout.ok()) return c->Fail(timeout.status());
  if (!timeout->has_value()) return c->Fail(Missing("VisibilityTimeout"));
  StatusOnly(c, c->engine->ChangeMessageVisibility(*name, *handle, static_cast<int>(**timeout)));
}

void ChangeMessageVisibilityBatch(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  if (!c->engine->QueueExists(*name)) {
    return c->Fail(
        SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist."));
  }
  const json::array* entries = nullptr;
  auto ids = BatchEntryIds(c->input, &entries);
  if (!ids.ok()) return c->Fail(ids.status());
  std::vector<std::string> successful;
  FailedEntries failed;
  for (size_t i = 0; i < entries->size(); ++i) {
    const json::object& e = (*entries)[i].get_object();
    Status s = Status::Ok();
    auto handle = RequiredString(e, "ReceiptHandle");
    auto timeout = OptionalInt(e, "VisibilityTimeout", 0, 43200);
    if (!handle.ok()) {
      s = handle.status();
    } else if (!timeout.ok()) {
      s = timeout.status();
    } else if (!timeout->has_value()) {
      s = Missing("VisibilityTimeout");
    } else {
      s = c->engine->ChangeMessageVisibility(*name, *handle, static_cast<int>(**timeout));
    }
    if (s.ok()) {
      successful.push_back((*ids)[i]);
    } else {
      failed.emplace_back((*ids)[i], s);
    }
  }
  c->ReplyJson(BatchResultJson(SuccessfulIds(successful), failed, SuccessfulIdsBytes(successful)));
}

// The response member is lowercase `queueUrls` in SQS's JSON protocol.
void ListDeadLetterSourceQueues(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto max = OptionalInt(c->input, "MaxResults", 1, 1000);
  if (!max.ok()) return c->Fail(max.status());
  auto sources = c->engine->ListDeadLetterSourceQueues(*name);
  if (!sources.ok()) return c->Fail(sources.status());
  auto page = Page(std::move(*sources), c->input, *max);
  if (!page.ok()) return c->Fail(page.status());
  json::array urls;
  for (const auto& source : page->names) urls.push_back(json::value(c->api->QueueUrl(source)));
  json::object out{{"queueUrls", std::move(urls)}};
  if (!page->next_token.empty()) out["NextToken"] = page->next_token;
  c->Reply(std::move(out));
}

// ---- Tags ------------------------------------------------------------------------------------

void TagQueue(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  if (!c->input.contains("Tags")) return c->Fail(Missing("Tags"));
  auto tags = StringMap(c->input, "Tags");
  if (!tags.ok()) return c->Fail(tags.status());
  auto existing = c->engine->GetQueueTags(*name);
  if (!existing.ok()) return c->Fail(existing.status());
  if (Status s = ValidateTags(*tags, *existing); !s.ok()) return c->Fail(s);
  c->engine->TagQueue(*name, *tags, {}, [c](Status s) { StatusOnly(c, s); });
}

void UntagQueue(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  if (!c->input.contains("TagKeys")) return c->Fail(Missing("TagKeys"));
  auto keys = StringList(c->input, "TagKeys");
  if (!keys.ok()) return c->Fail(keys.status());
  c->engine->TagQueue(*name, {}, *keys, [c](Status s) { StatusOnly(c, s); });
}

void ListQueueTags(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto tags = c->engine->GetQueueTags(*name);
  if (!tags.ok()) return c->Fail(tags.status());
  json::object out;
  if (!tags->empty()) {
    json::object t;
    for (const auto& [k, v] : *tags) t[k] = v;
    out["Tags"] = std::move(t);
  }
  c->Reply(std::move(out));
}

// ---- Permissions: statements of the queue's Policy, as SQS writes them -----------------------

bool ValidLabel(const std::string& label) { return ValidQueueName(label); }  // same charset

// The queue's policy document with edits still on their way to the log applied, so that two
// concurrent AddPermissions do not lose one another's statement. Caller holds the edits mutex.
Result<json::object> CurrentPolicy(const SqsCall& c, const std::string& queue,
                                   const SqsApi::PolicyEdits& edits) {
  std::string text;
  if (auto it = edits.pending.find(queue); it != edits.pending.end()) {
    text = it->second;
  } else {
    auto attributes = c.engine->GetQueueAttributes(queue);
    if (!attributes.ok()) return attributes.status();
    if (auto p = attributes->find("Policy"); p != attributes->end()) text = p->second;
  }
  if (text.empty()) {
    return json::object{{"Version", "2012-10-17"},
                        {"Id", c.api->QueueArn(queue) + "/SQSDefaultPolicy"},
                        {"Statement", json::array()}};
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return SqsError(SqsErrorCode::kInvalidAttributeValue, "The queue's Policy is not valid JSON.");
  }
  json::object policy = std::move(v.get_object());
  json::value& statements = policy["Statement"];
  if (statements.is_object()) statements = json::array{statements};
  if (!statements.is_array()) statements = json::array();
  return policy;
}

// Writes `policy` (or removes the Policy when it has no statement left) durably.
void StorePolicy(const CallPtr& c, const std::string& queue, const json::object& policy) {
  SqsApi::PolicyEdits& edits = c->api->policy_edits();
  const bool empty = policy.at("Statement").as_array().empty();
  const std::string text = empty ? std::string() : json::serialize(policy);
  edits.pending[queue] = text;  // caller holds edits.mu
  c->engine->SetQueueAttributes(queue, {{"Policy", text}}, [c, queue, text](Status s) {
    {
      SqsApi::PolicyEdits& edits = c->api->policy_edits();
      std::lock_guard lock(edits.mu);
      if (auto it = edits.pending.find(queue); it != edits.pending.end() && it->second == text) {
        edits.pending.erase(it);
      }
    }
    StatusOnly(c, s);
  });
}

json::value OneOrMany(std::vector<std::string> values) {
  if (values.size() == 1) return json::value(values.front());
  json::array a;
  for (auto& v : values) a.push_back(json::value(std::move(v)));
  return a;
}

void AddPermission(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto label = RequiredString(c->input, "Label");
  if (!label.ok()) return c->Fail(label.status());
  if (!ValidLabel(*label)) {
    return c->Fail(SqsError(SqsErrorCode::kInvalidParameterValue,
                            "Value " + *label +
                                " for parameter Label is invalid. Reason: Can only include "
                                "alphanumeric characters, hyphens, or underscores. 1 to 80 in "
                                "length."));
  }
  auto accounts = StringList(c->input, "AWSAccountIds");
  if (!accounts.ok()) return c->Fail(accounts.status());
  if (accounts->empty()) return c->Fail(Missing("AWSAccountIds"));
  auto actions = StringList(c->input, "Actions");
  if (!actions.ok()) return c->Fail(actions.status());
  if (actions->empty()) return c->Fail(Missing("Actions"));
  if (actions->size() > kMaxPolicyActions) {
    return c->Fail(SqsError(SqsErrorCode::kOverLimit,
                            "An Amazon SQS policy can have a maximum of 7 actions."));
  }
  std::vector<std::string> principals, granted;
  for (const auto& account : *accounts) {
    const bool digits =
        account.size() == 12 &&
        std::all_of(account.begin(), account.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!digits) {
      return c->Fail(SqsError(SqsErrorCode::kInvalidParameterValue,
                              "Value [" + account +
                                  "] for parameter PrincipalId is invalid. Reason: Unable to "
                                  "verify."));
    }
    principals.push_back("arn:aws:iam::" + account + ":root");
  }
  for (const auto& action : *actions) {
    if (action != "*" && FindSqsAction(action) == nullptr) {
      return c->Fail(SqsError(SqsErrorCode::kInvalidParameterValue,
                              "Value SQS:" + action +
                                  " for parameter ActionName is invalid. Reason: Please refer to "
                                  "the appropriate WSDL for a list of valid actions."));
    }
    granted.push_back("SQS:" + action);
  }
  SqsApi::PolicyEdits& edits = c->api->policy_edits();
  std::lock_guard lock(edits.mu);
  auto policy = CurrentPolicy(*c, *name, edits);
  if (!policy.ok()) return c->Fail(policy.status());
  json::array& statements = (*policy)["Statement"].as_array();
  for (const auto& s : statements) {
    const json::value* sid = s.is_object() ? s.as_object().if_contains("Sid") : nullptr;
    if (sid != nullptr && sid->is_string() && sid->as_string() == *label) {
      return c->Fail(
          SqsError(SqsErrorCode::kInvalidParameterValue,
                   "Value " + *label + " for parameter Label is invalid. Reason: Already exists."));
    }
  }
  statements.push_back(json::object{{"Sid", *label},
                                    {"Effect", "Allow"},
                                    {"Principal", {{"AWS", OneOrMany(std::move(principals))}}},
                                    {"Action", OneOrMany(std::move(granted))},
                                    {"Resource", c->api->QueueArn(*name)}});
  StorePolicy(c, *name, *policy);
}

void RemovePermission(const CallPtr& c) {
  auto name = QueueName(*c);
  if (!name.ok()) return c->Fail(name.status());
  auto label = RequiredString(c->input, "Label");
  if (!label.ok()) return c->Fail(label.status());
  SqsApi::PolicyEdits& edits = c->api->policy_edits();
  std::lock_guard lock(edits.mu);
  auto policy = CurrentPolicy(*c, *name, edits);
  if (!policy.ok()) return c->Fail(policy.status());
  json::array& statements = (*policy)["Statement"].as_array();
  auto it = std::find_if(statements.begin(), statements.end(), [&](const json::value& s) {
    const json::value* sid = s.is_object() ? s.as_object().if_contains("Sid") : nullptr;
    return sid != nullptr && sid->is_string() && sid->as_string() == *label;
  });
  if (it == statements.end()) {
    return c->Fail(SqsError(SqsErrorCode::kInvalidParameterValue,
                            "Value " + *label +
                                " for parameter Label is invalid. Reason: can't find label on "
                                "existing policy."));
  }
  statements.erase(it);
  StorePolicy(c, *name, *policy);
}

// ---- Message move tasks ----------------------------------------------------------------------

Status NoSuchResource(const char* parameter) {
  return SqsError(SqsErrorCode::kResourceNotFound, std::string("The resource that you specified "
                                                               "for the ") +
                                                       parameter + " parameter doesn't exist.");
}

// The queue of an ARN parameter that must name an existing queue of this server.
Result<std::string> ExistingQueueOfArn(const SqsCall& c, const char* parameter) {
  auto arn = RequiredString(c.input, parameter);
  if (!arn.ok()) return arn.status();
  std::string name = c.api->QueueNameFromArn(*arn);
  if (name.empty() || !c.engine->QueueExists(name)) return NoSuchResource(parameter);
  return name;
}

void StartMessageMoveTask(const CallPtr& c) {
  auto source = ExistingQueueOfArn(*c, "SourceArn");
  if (!source.ok()) return c->Fail(source.status());
  auto rate = OptionalInt(c->input, "MaxNumberOfMessagesPerSecond", 1, 500);
  if (!rate.ok()) return c->Fail(rate.status());
  auto sources = c->engine->ListDeadLetterSourceQueues(*source);
  if (!sources.ok()) return c->Fail(sources.status());
  MoveTaskSpec spec;
  spec.source_queue = *source;
  spec.source_arn = c->api->QueueArn(*source);
  spec.max_per_second = rate->has_value() ? static_cast<int>(**rate) : 0;
  if (c->input.contains("DestinationArn")) {
    auto destination = ExistingQueueOfArn(*c, "DestinationArn");
    if (!destination.ok()) return c->Fail(destination.status());
    spec.destination_queue = *destination;
    spec.destination_arn = c->api->QueueArn(*destination);
  } else if (sources->empty()) {
    return c->Fail(SqsError(SqsErrorCode::kInvalidParameterValue,
                            "Source queue must be configured as a Dead Letter Queue."));
  } else if (sources->size() == 1) {
    // Each message goes back to the queue that dead-lettered it; this one for messages that do
    // not record it.
    spec.fallback_queue = sources->front();
  }
  if (spec.destination_queue == spec.source_queue) {
    return c->Fail(SqsError(SqsErrorCode::kInvalidParameterValue,
                            "Source and destination queue must be different."));
  }
  auto handle = c->api->move_tasks().Start(spec);
  if (!handle.ok()) return c->Fail(handle.status());
  c->Reply({{"TaskHandle", *handle}});
}

void CancelMessageMoveTask(const CallPtr& c) {
  auto handle = RequiredString(c->input, "TaskHandle");
  if (!handle.ok()) return c->Fail(handle.status());
  auto moved = c->api->move_tasks().Cancel(*handle);
  if (!moved.ok()) return c->Fail(moved.status());
  c->Reply({{"ApproximateNumberOfMessagesMoved", *moved}});
}

void ListMessageMoveTasks(const CallPtr& c) {
  auto source = ExistingQueueOfArn(*c, "SourceArn");
  if (!source.ok()) return c->Fail(source.status());
  auto max = OptionalInt(c->input, "MaxResults", 1, 10);
  if (!max.ok()) return c->Fail(max.status());
  json::array results;
  for (const MoveTaskInfo& t :
       c->api->move_tasks().List(c->api->QueueArn(*source), max->value_or(1))) {
    json::object o;
    if (!t.task_handle.empty()) o["TaskHandle"] = t.task_handle;
    o["Status"] = t.status;
    o["SourceArn"] = t.source_arn;
    if (!t.destination_arn.empty()) o["DestinationArn"] = t.destination_arn;
    if (t.max_per_second > 0) o["MaxNumberOfMessagesPerSecond"] = t.max_per_second;
    o["ApproximateNumberOfMessagesMoved"] = t.moved;
    o["ApproximateNumberOfMessagesToMove"] = t.to_move;
    if (!t.failure_reason.empty()) o["FailureReason"] = t.failure_reason;
    o["StartedTimestamp"] = t.started_ms;
    results.push_back(std::move(o));
  }
  c->Reply({{"Results", std::move(results)}});
}

const std::unordered_map<std::string_view, SqsAction>& Actions() {
  static const std::unordered_map<std::string_view, SqsAction> actions = {
      {"AddPermission", AddPermission},
      {"CancelMessageMoveTask", CancelMessageMoveTask},
      {"ChangeMessageVisibility", ChangeMessageVisibility},
      {"ChangeMessageVisibilityBatch", ChangeMessageVisibilityBatch},
      {"CreateQueue", CreateQueue},
      {"DeleteMessage", DeleteMessage},
      {"DeleteMessageBatch", DeleteMessageBatch},
      {"DeleteQueue", DeleteQueue},
      {"GetQueueAttributes", GetQueueAttributes},
      {"GetQueueUrl", GetQueueUrl},
      {"ListDeadLetterSourceQueues", ListDeadLetterSourceQueues},
      {"ListMessageMoveTasks", ListMessageMoveTasks},
      {"ListQueueTags", ListQueueTags},
      {"ListQueues", ListQueues},
      {"PurgeQueue", PurgeQueue},
      {"ReceiveMessage", ReceiveMessage},
      {"RemovePermission", RemovePermission},
      {"SendMessage", SendMessage},
      {"SendMessageBatch", SendMessageBatch},
      {"SetQueueAttributes", SetQueueAttributes},
      {"StartMessageMoveTask", StartMessageMoveTask},
      {"TagQueue", TagQueue},
      {"UntagQueue", UntagQueue},
  };
  return actions;
}

}  // namespace

SqsAction FindSqsAction(std::string_view name) {
  auto it = Actions().find(name);
  return it == Actions().end() ? nullptr : it->second;
}

std::string TargetQueueOf(const SqsCall& call) {
  auto string_of = [&](const char* name) -> std::string {
    const json::value* v = call.input.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (call.action == "CreateQueue" || call.action == "ListQueues") return "";
  if (call.action == "GetQueueUrl") return string_of("QueueName");
  if (call.action == "StartMessageMoveTask" || call.action == "ListMessageMoveTasks") {
    return call.api->QueueNameFromArn(string_of("SourceArn"));
  }
  if (call.action == "CancelMessageMoveTask") {
    // The handle is base64 of {"taskId":..., "sourceArn":...} (message_move_task.cc).
    auto decoded = Base64Decode(string_of("TaskHandle"));
    if (!decoded) return "";
    boost::system::error_code ec;
    json::value v = json::parse(*decoded, ec);
    if (ec || !v.is_object()) return "";
    const json::value* arn = v.as_object().if_contains("sourceArn");
    return arn != nullptr && arn->is_string() ? call.api->QueueNameFromArn(arn->get_string())
                                              : std::string();
  }
  if (call.batch_input) return std::string(sqs::QueueNameInUrl(call.batch_input->queue_url));
  const json::value* url = call.input.if_contains("QueueUrl");
  return url != nullptr && url->is_string() ? std::string(sqs::QueueNameInUrl(url->get_string()))
                                            : std::string();
}

}  // namespace roadsense::queue
