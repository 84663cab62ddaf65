#include "queue/sqs_query_codec.h"

#include <charconv>
#include <map>

#include "queue/message_validation.h"
#include "queue/sqs_query_model.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;

const json::object& Shape(std::string_view name) {
  return SqsQueryModel().at("shapes").as_object().at(name).as_object();
}

std::string_view Str(const json::value& v) { return v.as_string(); }

// A reference to a shape from a structure member, list member or map key/value.
struct ShapeRef {
  std::string_view shape;
  std::string_view location_name;  // "" when none
  bool flattened = false;
};

// `a` is [shape, locationName, flattened], or a structure member [name, shape, ...] (offset 1).
ShapeRef RefOf(const json::array& a, size_t offset = 0) {
  return {Str(a[offset]), Str(a[offset + 1]), a[offset + 2].to_number<int>() != 0};
}

// botocore: a member's serialised name and flattening come from the member, else its shape.
std::string WireName(const ShapeRef& ref, std::string_view member_name) {
  if (!ref.location_name.empty()) return std::string(ref.location_name);
  const json::object& s = Shape(ref.shape);
  if (const json::value* l = s.if_contains("l"); l && !l->as_string().empty()) {
    return std::string(l->as_string());
  }
  return std::string(member_name);
}

bool Flattened(const ShapeRef& ref) {
  if (ref.flattened) return true;
  const json::value* f = Shape(ref.shape).if_contains("f");
  return f != nullptr && f->to_number<int>() != 0;
}

// ---- Decoding -------------------------------------------------------------------------------

class Decoder {
 public:
  explicit Decoder(const FormParams& params) {
    for (const auto& [name, value] : params) params_.emplace(name, value);
  }

  Result<json::object> Structure(std::string_view shape_name, const std::string& prefix) {
    json::object out;
    for (const json::value& m : Shape(shape_name).at("m").as_array()) {
      const json::array& member = m.as_array();
      const std::string_view name = Str(member[0]);
      const ShapeRef ref = RefOf(member, 1);
      std::string key = WireName(ref, name);
      if (!prefix.empty()) key = prefix + "." + key;
      auto value = Value(ref, key);
      if (!value.ok()) return value.status();
      if (!value->is_null()) out[name] = std::move(*value);
    }
    return out;
  }

 private:
  // json null when absent.
  Result<json::value> Value(const ShapeRef& ref, const std::string& key) {
    const json::object& shape = Shape(ref.shape);
    const std::string_view type = Str(shape.at("t"));
    if (type == "structure") {
      if (!HasPrefix(key + ".")) return json::value();
      auto o = Structure(ref.shape, key);
      if (!o.ok()) return o.status();
      return json::value(std::move(*o));
    }
    if (type == "list") return List(ref, shape, key);
    if (type == "map") return Map(ref, shape, key);
    auto it = params_.find(key);
    if (it == params_.end()) return json::value();
    return Scalar(type, key, it->second);
  }

  Result<json::value> List(const ShapeRef& ref, const json::object& shape, const std::string& key) {
    const ShapeRef member = RefOf(shape.at("m").as_array());
    std::string list_prefix;
    if (Flattened(ref)) {
      list_prefix = key;
      if (!member.location_name.empty()) {
        const size_t dot = key.rfind('.');
        list_prefix = (dot == std::string::npos ? "" : key.substr(0, dot + 1)) +
                      std::string(member.location_name);
      }
    } else {
      list_prefix =
          key + "." + (member.location_name.empty() ? "member" : std::string(member.location_name));
    }
    const std::vector<int> indices = Indices(list_prefix);
    if (indices.empty()) return json::value();
    json::array out;
    for (int i : indices) {
      auto v = Value(member, list_prefix + "." + std::to_string(i));
      if (!v.ok()) return v.status();
      out.push_back(v->is_null() ? json::value(json::object()) : std::move(*v));
    }
    return json::value(std::move(out));
  }

  Result<json::value> Map(const ShapeRef& ref, const json::object& shape, const std::string& key) {
    const ShapeRef k = RefOf(shape.at("k").as_array());
    const ShapeRef v = RefOf(shape.at("v").as_array());
    const std::string full = Flattened(ref) ? key : key + ".entry";
    const std::string key_name = k.location_name.empty() ? "key" : std::string(k.location_name);
    const std::string value_name = v.location_name.empty() ? "value" : std::string(v.location_name);
    const std::vector<int> indices = Indices(full);
    if (indices.empty()) return json::value();
    json::object out;
    for (int i : indices) {
      const std::string entry = full + "." + std::to_string(i) + ".";
      auto name = params_.find(entry + key_name);
      if (name == params_.end()) {
        return SqsError(SqsErrorCode::kMissingParameter,
                        "The request must contain the parameter " + entry + key_name + ".");
      }
      auto value = Value(v, entry + value_name);
      if (!value.ok()) return value.status();
      out[name->second] = value->is_null() ? json::value("") : std::move(*value);
    }
    return json::value(std::move(out));
  }

  static Result<json::value> Scalar(std::string_view type, const std::string& key,
                                    const std::string& text) {
    if (type == "integer" || type == "long") {
      int64_t n = 0;
      const char* end = text.data() + text.size();
      auto [p, ec] = std::from_chars(text.data(), end, n);
      if (ec != std::errc() || p != end || text.empty()) {
        return SqsError(SqsErrorCode::kInvalidParameterValue,
                        "Value " + text + " for parameter " + key +
                            " is invalid. Reason: " + "must be an integer.");
      }
      return json::value(n);
    }
    if (type == "boolean") {
      if (text == "true" || text == "True") return json::value(true);
      if (text == "false" || text == "False") return json::value(false);
      return SqsError(SqsErrorCode::kInvalidParameterValue,
                      "Value " + text + " for parameter " + key +
                          " is invalid. Reason: " + "must be true or false.");
    }
    return json::value(text);  // string, and blob (base64 in both protocols)
  }

  bool HasPrefix(const std::string& prefix) const {
    auto it = params_.lower_bound(prefix);
    return it != params_.end() && it->first.starts_with(prefix);
  }

  // The N of every parameter "<prefix>.N" or "<prefix>.N.<anything>", in increasing order.
  std::vector<int> Indices(const std::string& prefix) const {
    std::vector<int> out;
    const std::string start = prefix + ".";
    for (auto it = params_.lower_bound(start); it != params_.end(); ++it) {
      if (!it->first.starts_with(start)) break;
      const std::string_view rest = std::string_view(it->first).substr(start.size());
      int n = 0;
      auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
      if (ec != std::errc() || n < 1) continue;
      if (p != rest.data() + rest.size() && *p != '.') continue;
      out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  std::map<std::string, std::string, std::less<>> params_;  // first value of each name wins
};

// ---- Encoding -------------------------------------------------------------------------------

void EncodeStructure(std::string_view shape_name, const json::object& value, std::string* out);

void EncodeScalar(const json::value& v, std::string* out) {
  if (v.is_string()) {
    *out += XmlEscape(v.as_string());
  } else if (v.is_bool()) {
    *out += v.as_bool() ? "true" : "false";
  } else if (v.is_int64()) {
    *out += std::to_string(v.as_int64());
  } else if (v.is_uint64()) {
    *out += std::to_string(v.as_uint64());
  } else if (v.is_double()) {
    *out += json::serialize(v);
  }
}

// <tag>value</tag>, value of shape `ref.shape`.
void EncodeValue(const ShapeRef& ref, const std::string& tag, const json::value& v,
                 std::string* out) {
  if (v.is_null()) return;
  const json::object& shape = Shape(ref.shape);
  const std::string_view type = Str(shape.at("t"));
  if (type == "list") {
    if (!v.is_array()) return;
    const ShapeRef member = RefOf(shape.at("m").as_array());
    if (Flattened(ref)) {
      const std::string item =
          member.location_name.empty() ? tag : std::string(member.location_name);
      for (const auto& e : v.as_array()) EncodeValue(member, item, e, out);
      return;
    }
    const std::string item =
        member.location_name.empty() ? "member" : std::string(member.location_name);
    *out += "<" + tag + ">";
    for (const auto& e : v.as_array()) EncodeValue(member, item, e, out);
    *out += "</" + tag + ">";
    return;
  }
  if (type == "map") {
    if (!v.is_object()) return;
    const ShapeRef k = RefOf(shape.at("k").as_array());
    const ShapeRef val = RefOf(shape.at("v").as_array());
    const std::string key_name = k.location_name.empty() ? "key" : std::string(k.location_name);
    const std::string value_name =
        val.location_name.empty() ? "value" : std::string(val.location_name);
    const bool flat = Flattened(ref);
    if (!flat) *out += "<" + tag + ">";
    for (const auto& [name, e] : v.as_object()) {
      *out += flat ? "<" + tag + ">" : std::string("<entry>");
      *out += "<" + key_name + ">" + XmlEscape(name) + "</" + key_name + ">";
      EncodeValue(val, value_name, e, out);
      *out += flat ? "</" + tag + ">" : std::string("</entry>");
    }
    if (!flat) *out += "</" + tag + ">";
    return;
  }
  *out += "<" + tag + ">";
  if (type == "structure") {
    if (v.is_object()) EncodeStructure(ref.shape, v.as_object(), out);
  } else {
    EncodeScalar(v, out);
  }
  *out += "</" + tag + ">";
}

void EncodeStructure(std::string_view shape_name, const json::object& value, std::string* out) {
  for (const json::value& m : Shape(shape_name).at("m").as_array()) {
    const json::array& member = m.as_array();
    const std::string_view name = Str(member[0]);
    const json::value* v = value.if_contains(name);
    if (v == nullptr) continue;
    const ShapeRef ref = RefOf(member, 1);
    EncodeValue(ref, WireName(ref, name), *v, out);
  }
}

const json::array* Operation(std::string_view action) {
  const json::value* op = SqsQueryModel().at("operations").as_object().if_contains(action);
  return op == nullptr ? nullptr : &op->as_array();
}

}  // namespace

bool IsSqsAction(std::string_view action) { return Operation(action) != nullptr; }

std::string MissingRequiredMember(std::string_view action, const json::object& input) {
  const json::array* op = Operation(action);
  if (op == nullptr) return "";
  const json::value* required = Shape(Str((*op)[0])).if_contains("r");
  if (required == nullptr) return "";
  for (const json::value& name : required->as_array()) {
    const json::value* v = input.if_contains(name.as_string());
    if (v == nullptr || v->is_null()) return std::string(name.as_string());
  }
  return "";
}

bool SqsActionTakesQueueUrl(std::string_view action) {
  const json::array* op = Operation(action);
  if (op == nullptr) return false;
  for (const json::value& m : Shape(Str((*op)[0])).at("m").as_array()) {
    if (m.as_array()[0].as_string() == "QueueUrl") return true;
  }
  return false;
}

Result<json::object> DecodeQueryInput(std::string_view action, const FormParams& params) {
  const json::array* op = Operation(action);
  if (op == nullptr) {
    return SqsError(SqsErrorCode::kInvalidAction,
                    "The action " + std::string(action) + " is not valid for this endpoint.");
  }
  Decoder decoder(params);
  return decoder.Structure(Str((*op)[0]), "");
}

std::string EncodeQueryResponse(std::string_view action, const json::object& output,
                                std::string_view request_id) {
  const std::string a(action);
  std::string out =
      "<?xml version=\"1.0\"?><" + a + "Response xmlns=\"" + std::string(kSqsXmlNamespace) + "\">";
  const json::array* op = Operation(action);
  if (op != nullptr && (*op)[1].is_string()) {
    out += "<" + a + "Result>";
    EncodeStructure(Str((*op)[1]), output, &out);
    out += "</" + a + "Result>";
  }
  out += "<ResponseMetadata><RequestId>" + XmlEscape(request_id) +
         "</RequestId></ResponseMetadata></" + a + "Response>";
  return out;
}

std::string EncodeQueryError(const SqsErrorInfo& info, std::string_view message,
                             std::string_view request_id) {
  return "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + std::string(kSqsXmlNamespace) +
         "\"><Error><Type>" + (info.sender_fault ? "Sender" : "Receiver") + "</Type><Code>" +
         info.legacy_code + "</Code><Message>" + XmlEscape(ReplaceInvalidCharacters(message)) +
         "</Message><Detail/></Error><RequestId>" + XmlEscape(request_id) +
         "</RequestId></ErrorResponse>";
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\r':
        out += "&#xD;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace roadsense::queue
