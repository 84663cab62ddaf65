#include "queue/access_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <optional>

#include "core/utc_time.h"

namespace roadsense::queue {
namespace {

namespace json = boost::json;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsAccountId(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A string or a list of strings; nullopt for anything else.
std::optional<std::vector<std::string>> StringList(const json::value& value) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.emplace_back(value.get_string());
    return out;
  }
  if (!value.is_array() || value.get_array().empty()) return std::nullopt;
  for (const json::value& item : value.get_array()) {
    if (!item.is_string()) return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

// An IPv4 or IPv6 address as 16 bytes (IPv4 as ::ffff:a.b.c.d), plus the prefix length that
// covers it as written (32 for IPv4 counts as 128).
struct IpNetwork {
  std::array<unsigned char, 16> bytes{};
  int prefix = 128;
};

std::optional<IpNetwork> ParseAddress(std::string_view text) {
  IpNetwork out;
  const std::string address(text);
  unsigned char v4[4];
  if (inet_pton(AF_INET, address.c_str(), v4) == 1) {
    out.bytes[10] = out.bytes[11] = 0xff;
    std::copy(v4, v4 + 4, out.bytes.begin() + 12);
    return out;
  }
  if (inet_pton(AF_INET6, address.c_str(), out.bytes.data()) == 1) return out;
  return std::nullopt;
}

// "10.0.0.0/8", "2001:db8::/32" or a single address.
std::optional<IpNetwork> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  auto network = ParseAddress(text.substr(0, slash));
  if (!network || slash == std::string_view::npos) return network;
  const std::string_view bits = text.substr(slash + 1);
  int prefix = -1;
  const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  if (ec != std::errc() || end != bits.data() + bits.size() || prefix < 0 ||
      prefix > (v4 ? 32 : 128)) {
    return std::nullopt;
  }
  network->prefix = v4 ? prefix + 96 : prefix;
  return network;
}

bool InNetwork(const IpNetwork& address, const IpNetwork& network) {
  for (int bit = 0; bit < network.prefix; ++bit) {
    const int mask = 0x80 >> (bit % 8);
    if ((address.bytes[bit / 8] & mask) != (network.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

// "2026-11-25T17:00:00Z" (optional fractional seconds) or "2026-11-25" → time point.
std::optional<std::chrono::system_clock::time_point> ParseIsoTime(std::string_view text) {
  if (text.size() < 10 || (text.size() > 10 && text.size() < 20)) return std::nullopt;
  UtcCalendarTime t;
  if (!ParseFixedDigits(text, 0, 4, &t.year) || text[4] != '-' ||
      !ParseFixedDigits(text, 5, 2, &t.month) || text[7] != '-' ||
      !ParseFixedDigits(text, 8, 2, &t.day)) {
    return std::nullopt;
  }
  if (text.size() > 10) {
    if (text[10] != 'T' || !ParseFixedDigits(text, 11, 2, &t.hour) || text[13] != ':' ||
        !ParseFixedDigits(text, 14, 2, &t.minute) || text[16] != ':' ||
        !ParseFixedDigits(text, 17, 2, &t.second)) {
      return std::nullopt;
    }
    std::string_view rest = text.substr(19);
    if (rest.starts_with('.')) {
      rest.remove_prefix(1);
      while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
        rest.remove_prefix(1);
      }
    }
    if (rest != "Z") return std::nullopt;
  }
  return ToTimePoint(t);
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative glob match with backtracking to the last '*'.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<AccessPolicy> AccessPolicy::Parse(std::string_view json_text) {
  AccessPolicy policy;
  if (std::all_of(json_text.begin(), json_text.end(),
                  [](unsigned char c) { return std::isspace(c); })) {
    return policy;
  }
  boost::system::error_code ec;
  const json::value doc = json::parse(json_text, ec);
  if (ec || !doc.is_object()) return InvalidArgument("Policy is not a JSON object");
  const json::object& root = doc.get_object();
  for (const auto& [key, value] : root) {
    if (key == "Version") {
      if (!value.is_string() ||
          (value.get_string() != "2012-10-17" && value.get_string() != "2008-10-17")) {
        return InvalidArgument("Policy Version must be \"2012-10-17\" or \"2008-10-17\"");
      }
    } else if (key != "Id" && key != "Statement") {
      return InvalidArgument("Policy has an unsupported element " + std::string(key));
    }
  }
  const json::value* statements = root.if_contains("Statement");
  if (statements == nullptr) return InvalidArgument("Policy has no Statement");
  json::array list;
  if (statements->is_object()) {
    list.push_back(*statements);
  } else if (statements->is_array()) {
    list = statements->get_array();
  } else {
    return InvalidArgument("Policy Statement must be an object or a list of objects");
  }

  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "Policy Statement " + std::to_string(i) + ": ";
    if (!list[i].is_object()) return InvalidArgument(where + "not an object");
    const json::object& in = list[i].get_object();
    Statement statement;
    for (const auto& [key, value] : in) {
      if (key != "Sid" && key != "Effect" && key != "Principal" && key != "Action" &&
          key != "Resource" && key != "Condition") {
        return InvalidArgument(where + "unsupported element " + std::string(key));
      }
    }
    // Effect
    const json::value* effect = in.if_contains("Effect");
    if (effect == nullptr || !effect->is_string() ||
        (effect->get_string() != "Allow" && effect->get_string() != "Deny")) {
      return InvalidArgument(where + "Effect must be \"Allow\" or \"Deny\"");
    }
    statement.allow = effect->get_string() == "Allow";
    // Principal
    const json::value* principal = in.if_contains("Principal");
    if (principal == nullptr) return InvalidArgument(where + "Principal is required");
    if (principal->is_string() && principal->get_string() == "*") {
      statement.principals.push_back("*");
    } else if (principal->is_object()) {
      for (const auto& [kind, ids] : principal->get_object()) {
        auto values = StringList(ids);
        if (!values) return InvalidArgument(where + "Principal values must be strings");
        if (kind == "Service") continue;  // no AWS service calls roadsense-queue
        if (kind != "AWS") {
          return InvalidArgument(where + "unsupported Principal type " + std::string(kind));
        }
        for (std::string& id : *values) {
          if (IsAccountId(id)) id = "arn:aws:iam::" + id + ":root";
          if (id != "*" && !id.starts_with("arn:aws:iam::")) {
            return InvalidArgument(where + "Principal " + id +
                                   " is neither \"*\", an account id nor an IAM ARN");
          }
          statement.principals.push_back(std::move(id));
        }
      }
    } else {
      return InvalidArgument(where + "Principal must be \"*\" or {\"AWS\": ...}");
    }
    // Action
    const json::value* action = in.if_contains("Action");
    auto actions = action ? StringList(*action) : std::nullopt;
    if (!actions) return InvalidArgument(where + "Action must be a string or a list of strings");
    for (const std::string& a : *actions) {
      if (a != "*" && !Lower(a).starts_with("sqs:")) {
        return InvalidArgument(where + "Action " + a + " is not an sqs: action");
      }
      statement.actions.push_back(Lower(a));
    }
    // Resource
    if (const json::value* resource = in.if_contains("Resource")) {
      auto resources = StringList(*resource);
      if (!resources) {
        return InvalidArgument(where + "Resource must be a string or a list of strings");
      }
      statement.resources = std::move(*resources);
    }
    // Condition
    if (const json::value* condition = in.if_contains("Condition")) {
      if (!condition->is_object()) return InvalidArgument(where + "Condition must be an object");
      for (const auto& [op_name, block] : condition->get_object()) {
        static constexpr std::pair<std::string_view, Operator> kOperators[] = {
            {"IpAddress", Operator::kIpAddress},
            {"NotIpAddress", Operator::kNotIpAddress},
            {"Bool", Operator::kBool},
            {"DateGreaterThan", Operator::kDateGreaterThan},
            {"DateGreaterThanEquals", Operator::kDateGreaterThanEquals},
            {"DateLessThan", Operator::kDateLessThan},
            {"DateLessThanEquals", Operator::kDateLessThanEquals},
        };
        // A named copy: clang 14 cannot capture a structured binding in a lambda (C++20 P1091).
        const std::string_view op_key = op_name;
        const auto* found = std::find_if(std::begin(kOperators), std::end(kOperators),
                                         [&](const auto& entry) { return entry.first == op_key; });
        if (found == std::end(kOperators)) {
          return InvalidArgument(where + "unsupported Condition operator " + std::string(op_name));
        }
        const Operator op = found->second;
        const std::string_view expected_key =
            op == Operator::kIpAddress || op == Operator::kNotIpAddress ? "aws:sourceip"
            : op == Operator::kBool                                     ? "aws:securetransport"
                                                                        : "aws:currenttime";
        if (!block.is_object() || block.get_object().empty()) {
          return InvalidArgument(where + std::string(op_name) + " must map keys to values");
        }
        for (const auto& [cond_key, cond_values] : block.get_object()) {
          if (Lower(cond_key) != expected_key) {
            return InvalidArgument(where + "condition key " + std::string(cond_key) +
                                   " is not supported with " + std::string(op_name));
          }
          std::optional<std::vector<std::string>> values;
          if (cond_values.is_bool()) {
            values = std::vector<std::string>{cond_values.get_bool() ? "true" : "false"};
          } else {
            values = StringList(cond_values);
          }
          if (!values) return InvalidArgument(where + std::string(cond_key) + ": bad values");
          for (std::string& v : *values) {
            const bool ok = op == Operator::kIpAddress || op == Operator::kNotIpAddress
                                ? ParseCidr(v).has_value()
                            : op == Operator::kBool ? (v = Lower(v), v == "true" || v == "false")
                                                    : ParseIsoTime(v).has_value();
            if (!ok) {
              return InvalidArgument(where + std::string(cond_key) + ": bad value " + v);
            }
          }
          statement.conditions.push_back({op, std::move(*values)});
        }
      }
    }
    policy.statements_.push_back(std::move(statement));
  }
  return policy;
}

bool AccessPolicy::PrincipalMatches(const Statement& statement, const AuthenticatedCaller& caller) {
  for (const std::string& p : statement.principals) {
    if (p == "*") return true;
    if (caller.account_id.empty()) continue;
    if (p == "arn:aws:iam::" + caller.account_id + ":root") return true;
    if (p == caller.principal_arn) return true;
  }
  return false;
}

bool AccessPolicy::ConditionMatches(const Condition& condition, const RequestContext& context) {
  switch (condition.op) {
    case Operator::kIpAddress:
    case Operator::kNotIpAddress: {
      const auto source = ParseAddress(context.source_ip);
      bool in_any = false;
      for (const std::string& cidr : condition.values) {
        if (source && InNetwork(*source, *ParseCidr(cidr))) in_any = true;
      }
      // An unknown source address is in no network, and "not in" them only if it is known.
      return condition.op == Operator::kIpAddress ? in_any : (source && !in_any);
    }
    case Operator::kBool: {
      const std::string actual = context.secure_transport ? "true" : "false";
      return std::find(condition.values.begin(), condition.values.end(), actual) !=
             condition.values.end();
    }
    default: {
      for (const std::string& value : condition.values) {
        const auto t = *ParseIsoTime(value);
        const auto now = context.now;
        const bool match = condition.op == Operator::kDateGreaterThan         ? now > t
                           : condition.op == Operator::kDateGreaterThanEquals ? now >= t
                           : condition.op == Operator::kDateLessThan          ? now < t
                                                                              : now <= t;
        if (match) return true;
      }
      return false;
    }
  }
}

PolicyDecision AccessPolicy::Evaluate(const AuthenticatedCaller& caller, std::string_view action,
                                      std::string_view resource_arn,
                                      const RequestContext& context) const {
  const std::string qualified = "sqs:" + Lower(action);
  bool allowed = false;
  for (const Statement& statement : statements_) {
    if (!PrincipalMatches(statement, caller)) continue;
    if (std::none_of(statement.actions.begin(), statement.actions.end(),
                     [&](const std::string& p) { return WildcardMatch(p, qualified); })) {
      continue;
    }
    if (!statement.resources.empty() &&
        std::none_of(statement.resources.begin(), statement.resources.end(),
                     [&](const std::string& p) { return WildcardMatch(p, resource_arn); })) {
      continue;
    }
    if (!std::all_of(statement.conditions.begin(), statement.conditions.end(),
                     [&](const Condition& c) { return ConditionMatches(c, context); })) {
      continue;
    }
    if (!statement.allow) return PolicyDecision::kDeny;
    allowed = true;
  }
  return allowed ? PolicyDecision::kAllow : PolicyDecision::kNotApplicable;
}

}  // namespace roadsense::queue
