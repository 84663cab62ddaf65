#include "queue/sqs_json_api.h"

#include <boost/json.hpp>
#include <set>
#include <unordered_map>

#include "core/base64.h"
#include "queue/message_validation.h"
#include "queue/sqs_error.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;

constexpr size_t kMaxBatchEntries = 10;
constexpr size_t kMaxBatchBytes = 1048576;

// One request in progress: its id, its parsed body and how to answer it.
struct Call {
  SqsJsonApi* api;
  QueueEngine* engine;
  const SqsApiOptions* options;
  std::string request_id;
  json::object input;
  std::string sender_id;
  net::Responder respond;

  void Reply(json::object output) const {
    auto response = net::HttpResponse::Json(200, json::serialize(output));
    response.SetHeader("Content-Type", "application/x-amz-json-1.0");
    response.SetHeader("x-amzn-RequestId", request_id);
    respond(std::move(response));
  }
  void Fail(const Status& status) const {
    std::string message;
    const SqsErrorInfo& info = InfoOf(SqsErrorCodeOf(status, &message));
    json::object body{{"__type", std::string("com.amazonaws.sqs#") + info.shape},
                      {"message", message}};
    auto response = net::HttpResponse::Json(info.http_status, json::serialize(body));
    response.SetHeader("Content-Type", "application/x-amz-json-1.0");
    response.SetHeader("x-amzn-RequestId", request_id);
    response.SetHeader("x-amzn-query-error", std::string(info.legacy_code) +
                                                 (info.sender_fault ? ";Sender" : ";Receiver"));
    respond(std::move(response));
  }
};

using CallPtr = std::shared_ptr<Call>;

Status Missing(const std::string& name) {
  return SqsError(SqsErrorCode::kMissingParameter,
                  "The request must contain the parameter " + name + ".");
}
Status BadValue(const std::string& name) {
  return SqsError(SqsErrorCode::kInvalidParameterValue,
                  "Value for parameter " + name + " is invalid.");
}

// ---- JSON field access (every accessor validates the JSON type) ------------------------------

Result<std::string> RequiredString(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return Missing(name);
  if (!v->is_string()) return BadValue(name);
  return std::string(v->get_string());
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
  if (n < lo || n > hi) {
    return SqsError(SqsErrorCode::kInvalidParameterValue,
                    "Value " + std::to_string(n) + " for parameter " + name +
                        " is invalid. Reason: must be between " + std::to_string(lo) + " and " +
                        std::to_string(hi) + ".");
  }
  return std::optional<int64_t>(n);
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

Result<sqs::MessageAttributes> MessageAttributes(const json::object& o) {
  sqs::MessageAttributes out;
  const json::value* v = o.if_contains("MessageAttributes");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) return BadValue("MessageAttributes");
  for (const auto& [k, e] : v->get_object()) {
    if (!e.is_object()) return BadValue("MessageAttributes");
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
      if (!raw) return BadValue("MessageAttributes." + std::string(k) + ".BinaryValue");
      value.binary_value = std::move(*raw);
    }
    out[std::string(k)] = std::move(value);
  }
  RS_RETURN_IF_ERROR(ValidateMessageAttributes(out));
  return out;
}

// The queue name at the end of a QueueUrl ("http://host:port/<account>/<name>").
Result<std::string> QueueName(const json::object& input) {
  auto url = RequiredString(input, "QueueUrl");
  if (!url.ok()) return url.status();
  const size_t slash = url->find_last_of('/');
  std::string name = slash == std::string::npos ? *url : url->substr(slash + 1);
  if (name.empty()) return BadValue("QueueUrl");
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

json::object AttributeValueJson(const sqs::MessageAttributeValue& v) {
  json::object o{{"DataType", v.data_type}};
  if (v.string_value) o["StringValue"] = *v.string_value;
  if (v.binary_value) o["BinaryValue"] = Base64Encode(*v.binary_value);
  return o;
}

// ---- Actions ---------------------------------------------------------------------------------

void CreateQueue(const CallPtr& c) {
  auto name = RequiredString(c->input, "QueueName");
  if (!name.ok()) return c->Fail(name.status());
  if (!ValidQueueName(*name)) {
    if (name->ends_with(".fifo")) {
      return c->Fail(
          SqsError(SqsErrorCode::kUnsupportedOperation, "FIFO queues are not supported yet."));
    }
    return c->Fail(SqsError(SqsErrorCode::kInvalidParameterValue,
                            "Can only include alphanumeric characters, hyphens, or underscores. "
                            "1 to 80 in length"));
  }
  auto attributes = StringMap(c->input, "Attributes");
  if (!attributes.ok()) return c->Fail(attributes.status());
  c->engine->CreateQueue(*name, *attributes, [c, name = *name](Status s) {
    if (!s.ok()) return c->Fail(s);
    c->Reply({{"QueueUrl", c->api->QueueUrl(name)}});
  });
}

void GetQueueUrl(const CallPtr& c) {
  auto name = RequiredString(c->input, "QueueName");
  if (!name.ok()) return c->Fail(name.status());
  if (!c->engine->QueueExists(*name)) {
    return c->Fail(
        SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist."));
  }
  c->Reply({{"QueueUrl", c->api->QueueUrl(*name)}});
}

void ListQueues(const CallPtr& c) {
  std::string prefix;
  if (const json::value* p = c->input.if_contains("QueueNamePrefix"); p && p->is_string()) {
    prefix = std::string(p->get_string());
  }
  auto max = OptionalInt(c->input, "MaxResults", 1, 1000);
  if (!max.ok()) return c->Fail(max.status());
  json::array urls;
  for (const auto& name : c->engine->ListQueues(prefix)) {
    if (max->has_value() && static_cast<int64_t>(urls.size()) >= **max) break;
    urls.push_back(json::value(c->api->QueueUrl(name)));
  }
  c->Reply({{"QueueUrls", std::move(urls)}});
}

void StatusOnly(const CallPtr& c, Status s) {
  if (!s.ok()) return c->Fail(s);
  c->Reply({});
}

void DeleteQueue(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  c->engine->DeleteQueue(*name, [c](Status s) { StatusOnly(c, s); });
}

void PurgeQueue(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  c->engine->PurgeQueue(*name, [c](Status s) { StatusOnly(c, s); });
}

void SetQueueAttributes(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  auto attributes = StringMap(c->input, "Attributes");
  if (!attributes.ok()) return c->Fail(attributes.status());
  c->engine->SetQueueAttributes(*name, *attributes, [c](Status s) { StatusOnly(c, s); });
}

void GetQueueAttributes(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  auto names = StringList(c->input, "AttributeNames");
  if (!names.ok()) return c->Fail(names.status());
  auto all = c->engine->GetQueueAttributes(*name);
  if (!all.ok()) return c->Fail(all.status());
  (*all)["QueueArn"] =
      "arn:aws:sqs:" + c->options->region + ":" + c->options->account_id + ":" + *name;
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

// Parses and validates one SendMessage(-BatchEntry) object into a NewMessage.
Result<NewMessage> ParseNewMessage(const json::object& o, const QueueConfig& config,
                                   const std::string& sender_id) {
  NewMessage m;
  auto body = RequiredString(o, "MessageBody");
  if (!body.ok()) return body.status();
  RS_RETURN_IF_ERROR(ValidateMessageBody(*body));
  auto delay = OptionalInt(o, "DelaySeconds", 0, 900);
  if (!delay.ok()) return delay.status();
  auto attributes = MessageAttributes(o);
  if (!attributes.ok()) return attributes.status();
  const size_t size = MessageSize(*body, *attributes);
  if (static_cast<int64_t>(size) > config.maximum_message_size) {
    return SqsError(SqsErrorCode::kInvalidParameterValue,
                    "One or more parameters are invalid. Reason: Message must be shorter than " +
                        std::to_string(config.maximum_message_size) + " bytes.");
  }
  m.body = std::move(*body);
  m.attributes = std::move(*attributes);
  m.delay_seconds = delay->has_value() ? static_cast<int>(**delay) : -1;
  m.sender_id = sender_id;
  return m;
}

json::object SentJson(const SentMessage& s) {
  json::object o{{"MessageId", s.id.ToString()}, {"MD5OfMessageBody", s.md5_of_body}};
  if (!s.md5_of_attributes.empty()) o["MD5OfMessageAttributes"] = s.md5_of_attributes;
  return o;
}

void SendMessage(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  auto config = c->engine->GetQueueConfig(*name);
  if (!config.ok()) return c->Fail(config.status());
  auto message = ParseNewMessage(c->input, *config, c->sender_id);
  if (!message.ok()) return c->Fail(message.status());
  std::vector<NewMessage> messages;
  messages.push_back(std::move(*message));
  c->engine->SendMessages(*name, std::move(messages), [c](Result<std::vector<SentMessage>> sent) {
    if (!sent.ok()) return c->Fail(sent.status());
    c->Reply(SentJson(sent->front()));
  });
}

json::object FailedEntry(const std::string& id, const Status& s) {
  std::string message;
  const SqsErrorInfo& info = InfoOf(SqsErrorCodeOf(s, &message));
  return {
      {"Id", id}, {"SenderFault", info.sender_fault}, {"Code", info.shape}, {"Message", message}};
}

// Batch-level checks shared by every *Batch action; returns the entries' ids.
Result<std::vector<std::string>> BatchEntryIds(const json::object& input,
                                               const json::array** entries) {
  const json::value* v = input.if_contains("Entries");
  if (v == nullptr || v->is_null()) return Missing("Entries");
  if (!v->is_array()) return BadValue("Entries");
  *entries = &v->get_array();
  if ((*entries)->empty()) {
    return SqsError(SqsErrorCode::kEmptyBatchRequest,
                    "There should be at least one entry in the request.");
  }
  if ((*entries)->size() > kMaxBatchEntries) {
    return SqsError(SqsErrorCode::kTooManyEntriesInBatchRequest,
                    "Maximum number of entries per request are 10. You have sent " +
                        std::to_string((*entries)->size()) + ".");
  }
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& e : **entries) {
    if (!e.is_object()) return BadValue("Entries");
    auto id = RequiredString(e.get_object(), "Id");
    if (!id.ok()) return id.status();
    if (!ValidBatchEntryId(*id)) {
      return SqsError(SqsErrorCode::kInvalidBatchEntryId,
                      "A batch entry id can only contain alphanumeric characters, hyphens and "
                      "underscores. It can be at most 80 letters long.");
    }
    if (!seen.insert(*id).second) {
      return SqsError(SqsErrorCode::kBatchEntryIdsNotDistinct, "Id " + *id + " repeated.");
    }
    ids.push_back(*id);
  }
  return ids;
}

void SendMessageBatch(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  const json::array* entries = nullptr;
  auto ids = BatchEntryIds(c->input, &entries);
  if (!ids.ok()) return c->Fail(ids.status());
  auto config = c->engine->GetQueueConfig(*name);
  if (!config.ok()) return c->Fail(config.status());

  json::array failed;
  std::vector<NewMessage> messages;
  std::vector<std::string> sent_ids;
  size_t total = 0;
  for (size_t i = 0; i < entries->size(); ++i) {
    auto m = ParseNewMessage((*entries)[i].get_object(), *config, c->sender_id);
    if (!m.ok()) {
      failed.push_back(FailedEntry((*ids)[i], m.status()));
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
  auto reply = [c, sent_ids, failed](Result<std::vector<SentMessage>> sent) mutable {
    json::array successful;
    for (size_t i = 0; i < sent_ids.size(); ++i) {
      if (!sent.ok()) {
        failed.push_back(FailedEntry(sent_ids[i], sent.status()));
        continue;
      }
      json::object o = SentJson((*sent)[i]);
      o["Id"] = sent_ids[i];
      successful.push_back(std::move(o));
    }
    c->Reply({{"Successful", std::move(successful)}, {"Failed", std::move(failed)}});
  };
  if (messages.empty()) return reply(std::vector<SentMessage>());
  c->engine->SendMessages(*name, std::move(messages), std::move(reply));
}

// Which system attributes a receive asked for.
struct AttributeSelection {
  bool all = false;
  std::set<std::string> names;
  bool Wants(const std::string& n) const { return all || names.contains(n); }
};

json::object ReceivedJson(const ReceivedMessage& r, const AttributeSelection& system,
                          const std::vector<std::string>& attribute_names) {
  const StoredMessage& m = *r.message;
  json::object o{{"MessageId", m.id.ToString()},
                 {"ReceiptHandle", r.receipt.Encode()},
                 {"MD5OfBody", m.md5_of_body},
                 {"Body", m.body}};
  json::object attrs;
  if (system.Wants("SenderId")) attrs["SenderId"] = m.sender_id;
  if (system.Wants("SentTimestamp")) attrs["SentTimestamp"] = std::to_string(m.sent_ms);
  if (system.Wants("ApproximateReceiveCount")) {
    attrs["ApproximateReceiveCount"] = std::to_string(r.receive_count);
  }
  if (system.Wants("ApproximateFirstReceiveTimestamp")) {
    attrs["ApproximateFirstReceiveTimestamp"] = std::to_string(r.first_receive_ms);
  }
  if (!attrs.empty()) o["Attributes"] = std::move(attrs);

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
    o["MD5OfMessageAttributes"] = chosen.size() == m.attributes.size()
                                      ? m.md5_of_attributes
                                      : sqs::Md5OfMessageAttributes(chosen);
    json::object ma;
    for (const auto& [name, value] : chosen) ma[name] = AttributeValueJson(value);
    o["MessageAttributes"] = std::move(ma);
  }
  return o;
}

void ReceiveMessage(const CallPtr& c) {
  auto name = QueueName(c->input);
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
  c->engine->ReceiveMessages(*name, request,
                             [c, system = std::move(system), names = std::move(*attribute_names)](
                                 Result<std::vector<ReceivedMessage>> received) {
                               if (!received.ok()) return c->Fail(received.status());
                               json::array messages;
                               for (const auto& r : *received)
                                 messages.push_back(ReceivedJson(r, system, names));
                               c->Reply({{"Messages", std::move(messages)}});
                             });
}

void DeleteMessage(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  auto handle = RequiredString(c->input, "ReceiptHandle");
  if (!handle.ok()) return c->Fail(handle.status());
  c->engine->DeleteMessages(*name, {*handle},
                            [c](std::vector<Status> s) { StatusOnly(c, s.front()); });
}

void DeleteMessageBatch(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  if (!c->engine->QueueExists(*name)) {
    return c->Fail(
        SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist."));
  }
  const json::array* entries = nullptr;
  auto ids = BatchEntryIds(c->input, &entries);
  if (!ids.ok()) return c->Fail(ids.status());
  std::vector<std::string> handles;
  for (const auto& e : *entries) {
    auto h = RequiredString(e.get_object(), "ReceiptHandle");
    handles.push_back(h.ok() ? *h : std::string());  // "" decodes as invalid
  }
  c->engine->DeleteMessages(*name, handles, [c, ids = *ids](std::vector<Status> statuses) {
    json::array successful, failed;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (statuses[i].ok()) {
        successful.push_back(json::object{{"Id", ids[i]}});
      } else {
        failed.push_back(FailedEntry(ids[i], statuses[i]));
      }
    }
    c->Reply({{"Successful", std::move(successful)}, {"Failed", std::move(failed)}});
  });
}

void ChangeMessageVisibility(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  auto handle = RequiredString(c->input, "ReceiptHandle");
  if (!handle.ok()) return c->Fail(handle.status());
  auto timeout = OptionalInt(c->input, "VisibilityTimeout", 0, 43200);
  if (!timeout.ok()) return c->Fail(timeout.status());
  if (!timeout->has_value()) return c->Fail(Missing("VisibilityTimeout"));
  StatusOnly(c, c->engine->ChangeMessageVisibility(*name, *handle, static_cast<int>(**timeout)));
}

void ChangeMessageVisibilityBatch(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  if (!c->engine->QueueExists(*name)) {
    return c->Fail(
        SqsError(SqsErrorCode::kQueueDoesNotExist, "The specified queue does not exist."));
  }
  const json::array* entries = nullptr;
  auto ids = BatchEntryIds(c->input, &entries);
  if (!ids.ok()) return c->Fail(ids.status());
  json::array successful, failed;
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
      successful.push_back(json::object{{"Id", (*ids)[i]}});
    } else {
      failed.push_back(FailedEntry((*ids)[i], s));
    }
  }
  c->Reply({{"Successful", std::move(successful)}, {"Failed", std::move(failed)}});
}

// The response member is lowercase `queueUrls` in SQS's JSON protocol.
void ListDeadLetterSourceQueues(const CallPtr& c) {
  auto name = QueueName(c->input);
  if (!name.ok()) return c->Fail(name.status());
  auto max = OptionalInt(c->input, "MaxResults", 1, 1000);
  if (!max.ok()) return c->Fail(max.status());
  auto sources = c->engine->ListDeadLetterSourceQueues(*name);
  if (!sources.ok()) return c->Fail(sources.status());
  json::array urls;
  for (const auto& source : *sources) {
    if (max->has_value() && static_cast<int64_t>(urls.size()) >= **max) break;
    urls.push_back(json::value(c->api->QueueUrl(source)));
  }
  c->Reply({{"queueUrls", std::move(urls)}});
}

using Action = void (*)(const CallPtr&);
const std::unordered_map<std::string, Action>& Actions() {
  static const std::unordered_map<std::string, Action> actions = {
      {"CreateQueue", CreateQueue},
      {"GetQueueUrl", GetQueueUrl},
      {"ListQueues", ListQueues},
      {"DeleteQueue", DeleteQueue},
      {"PurgeQueue", PurgeQueue},
      {"GetQueueAttributes", GetQueueAttributes},
      {"SetQueueAttributes", SetQueueAttributes},
      {"SendMessage", SendMessage},
      {"SendMessageBatch", SendMessageBatch},
      {"ReceiveMessage", ReceiveMessage},
      {"DeleteMessage", DeleteMessage},
      {"DeleteMessageBatch", DeleteMessageBatch},
      {"ChangeMessageVisibility", ChangeMessageVisibility},
      {"ChangeMessageVisibilityBatch", ChangeMessageVisibilityBatch},
      {"ListDeadLetterSourceQueues", ListDeadLetterSourceQueues},
  };
  return actions;
}

// SenderId: the access key of a SigV4 Authorization header ("... Credential=AKID/..."), else "".
std::string SenderIdOf(const net::HttpRequest& request) {
  const std::string_view auth = request.Header("Authorization");
  const size_t at = auth.find("Credential=");
  if (at == std::string_view::npos) return "";
  const std::string_view rest = auth.substr(at + 11);
  return std::string(rest.substr(0, rest.find('/')));
}

// Prometheus text exposition format 0.0.4: benchmarks divide records by fsyncs to report how
// well group commit batches.
std::string MetricsText(const EngineStats& stats) {
  return "# HELP roadsense_queue_wal_fsyncs_total WAL fdatasync calls since start.\n"
         "# TYPE roadsense_queue_wal_fsyncs_total counter\n"
         "roadsense_queue_wal_fsyncs_total " +
         std::to_string(stats.fsyncs) +
         "\n"
         "# HELP roadsense_queue_wal_records_total WAL records made durable since start.\n"
         "# TYPE roadsense_queue_wal_records_total counter\n"
         "roadsense_queue_wal_records_total " +
         std::to_string(stats.records) + "\n";
}

}  // namespace

SqsJsonApi::SqsJsonApi(QueueEngine* engine, SqsApiOptions options)
    : engine_(engine), options_(std::move(options)) {
  SetBaseUrl(options_.base_url);
}

void SqsJsonApi::SetBaseUrl(std::string base_url) {
  base_url_.store(std::make_shared<const std::string>(std::move(base_url)));
}

std::string SqsJsonApi::QueueUrl(const std::string& name) const {
  return *base_url_.load() + "/" + options_.account_id + "/" + name;
}

void SqsJsonApi::Handle(net::HttpRequest&& request, net::Responder respond) {
  auto call = std::make_shared<Call>();
  call->api = this;
  call->engine = engine_;
  call->options = &options_;
  call->request_id = MessageId::Random().ToString();
  call->respond = std::move(respond);

  if (request.method == "GET" && request.Path() == "/healthz") {
    auto response = net::HttpResponse::Text(200, "ok\n");
    response.SetHeader("x-amzn-RequestId", call->request_id);
    return call->respond(std::move(response));
  }
  if (request.method == "GET" && request.Path() == "/metrics") {
    auto response = net::HttpResponse::Text(200, MetricsText(engine_->stats()));
    response.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.SetHeader("x-amzn-RequestId", call->request_id);
    return call->respond(std::move(response));
  }
  const std::string_view target = request.Header("X-Amz-Target");
  constexpr std::string_view kPrefix = "AmazonSQS.";
  const auto action = target.starts_with(kPrefix)
                          ? Actions().find(std::string(target.substr(kPrefix.size())))
                          : Actions().end();
  if (request.method != "POST" || action == Actions().end()) {
    return call->Fail(SqsError(SqsErrorCode::kInvalidAction, "The action " + std::string(target) +
                                                                 " is not valid for this "
                                                                 "endpoint."));
  }
  boost::system::error_code ec;
  json::value body = json::parse(request.body.empty() ? "{}" : request.body, ec);
  if (ec || !body.is_object()) {
    return call->Fail(
        SqsError(SqsErrorCode::kInvalidParameterValue, "The request body is not a JSON object."));
  }
  call->input = std::move(body.get_object());
  call->sender_id = SenderIdOf(request);
  if (call->sender_id.empty()) call->sender_id = options_.account_id;
  action->second(call);
}

}  // namespace roadsense::queue
