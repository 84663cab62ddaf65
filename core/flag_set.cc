#include "core/flag_set.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <toml.hpp>

namespace roadsense {
namespace {

template <typename T>
Status ParseNumber(const std::string& text, T* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return InvalidArgument("'" + text + "' is not a valid number");
  }
  return Status::Ok();
}

std::string DoubleText(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string text(buf, ec == std::errc() ? end : buf);
  // TOML needs a '.' or an exponent to read a float back as a float.
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

// A TOML basic string.
std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// libpq connection strings may carry `password=...`; --print-config output ends up in logs and
// tickets, so the value is masked.
std::string Redacted(std::string s) {
  constexpr std::string_view kKey = "password=";
  for (size_t at = s.find(kKey); at != std::string::npos; at = s.find(kKey, at + 1)) {
    const size_t begin = at + kKey.size();
    const size_t end = std::min(s.find(' ', begin), s.size());
    s.replace(begin, end - begin, "<redacted>");
  }
  return s;
}

// The value of a TOML scalar as the text a flag parses.
Result<std::string> ScalarText(const toml::value& v) {
  switch (v.type()) {
    case toml::value_t::string:
      return std::string(v.as_string().str);
    case toml::value_t::integer:
      return std::to_string(v.as_integer());
    case toml::value_t::floating:
      return DoubleText(v.as_floating());
    case toml::value_t::boolean:
      return std::string(v.as_boolean() ? "true" : "false");
    default:
      return InvalidArgument("must be a string, number or boolean (tables and arrays are not " +
                             std::string("flags)"));
  }
}

}  // namespace

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void FlagSet::Add(std::string name, Kind kind, std::string help, std::string default_text,
                  std::function<Status(const std::string&)> set, std::function<std::string()> get) {
  Flag flag;
  flag.name = std::move(name);
  flag.help = std::move(help);
  flag.default_text = std::move(default_text);
  flag.kind = kind;
  flag.set = std::move(set);
  flag.get = std::move(get);
  flags_.push_back(std::move(flag));
}

void FlagSet::AddString(std::string name, std::string* target, std::string help) {
  Add(
      std::move(name), Kind::kString, std::move(help), "\"" + *target + "\"",
      [target](const std::string& v) {
        *target = v;
        return Status::Ok();
      },
      [target] { return Quoted(Redacted(*target)); });
}

void FlagSet::AddInt(std::string name, int64_t* target, std::string help) {
  Add(
      std::move(name), Kind::kInt, std::move(help), std::to_string(*target),
      [target](const std::string& v) { return ParseNumber(v, target); },
      [target] { return std::to_string(*target); });
}

void FlagSet::AddInt(std::string name, int* target, std::string help) {
  Add(
      std::move(name), Kind::kInt, std::move(help), std::to_string(*target),
      [target](const std::string& v) { return ParseNumber(v, target); },
      [target] { return std::to_string(*target); });
}

void FlagSet::AddDouble(std::string name, double* target, std::string help) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", *target);
  Add(
      std::move(name), Kind::kDouble, std::move(help), buf,
      [target](const std::string& v) { return ParseNumber(v, target); },
      [target] { return DoubleText(*target); });
}

void FlagSet::AddBool(std::string name, bool* target, std::string help) {
  Add(
      std::move(name), Kind::kBool, std::move(help), *target ? "true" : "false",
      [target](const std::string& v) {
        if (v == "true" || v == "1" || v == "yes") {
          *target = true;
        } else if (v == "false" || v == "0" || v == "no") {
          *target = false;
        } else {
          return InvalidArgument("'" + v + "' is not a boolean");
        }
        return Status::Ok();
      },
      [target] { return std::string(*target ? "true" : "false"); });
}

void FlagSet::AcceptTrailingArguments(std::string usage) {
  accepts_trailing_ = true;
  trailing_usage_ = std::move(usage);
}

std::string FlagSet::EnvironmentVariable(const std::string& flag_name) {
  std::string var = "ROADSENSE_";
  for (char c : flag_name) {
    var += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return var;
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status FlagSet::Apply(Flag* flag, const std::string& value, const std::string& where,
                      std::string source) {
  if (Status s = flag->set(value); !s.ok()) return InvalidArgument(where + ": " + s.message());
  flag->source = std::move(source);
  return Status::Ok();
}

Status FlagSet::ApplyConfigFile(const std::string& path) {
  toml::value root;
  try {
    root = toml::parse(path);
  } catch (const std::exception& e) {
    // toml11's syntax errors already name the file and show the offending line.
    return InvalidArgument("config file " + path + ": " + e.what());
  }
  // Apply in file order, so that the first bad line is the one reported.
  std::vector<std::pair<std::string, const toml::value*>> entries;
  for (const auto& [key, value] : root.as_table()) entries.emplace_back(key, &value);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.second->location().line() < b.second->location().line();
  });
  for (const auto& [key, value] : entries) {
    const std::string where = path + ":" + std::to_string(value->location().line());
    std::string name = key;
    std::replace(name.begin(), name.end(), '_', '-');
    Flag* flag = Find(name);
    if (flag == nullptr) {
      return InvalidArgument(where + ": unknown key '" + key + "' (" + program_ +
                             " has no flag --" + name + "; see --help)");
    }
    Result<std::string> text = ScalarText(*value);
    if (!text.ok()) {
      return InvalidArgument(where + ": key '" + key + "' " + text.status().message());
    }
    RS_RETURN_IF_ERROR(Apply(flag, *text, where + ": key '" + key + "'", where));
  }
  return Status::Ok();
}

Status FlagSet::ApplyEnvironment() {
  for (auto& flag : flags_) {
    const std::string var = EnvironmentVariable(flag.name);
    if (const char* value = std::getenv(var.c_str())) {
      RS_RETURN_IF_ERROR(Apply(&flag, value, "environment variable " + var, var));
    }
  }
  return Status::Ok();
}

Status FlagSet::Parse(int argc, const char* const* argv, bool* help_requested) {
  *help_requested = false;
  print_config_ = false;
  trailing_.clear();
  // First collect the command line (it names the config file), then apply the sources from the
  // lowest precedence up, so that later ones overwrite earlier ones.
  std::vector<std::pair<Flag*, std::string>> assignments;
  std::string config_path;
  if (const char* env = std::getenv("ROADSENSE_CONFIG")) config_path = env;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help_requested = true;
      return Status::Ok();
    }
    if (arg == "--" && accepts_trailing_) {
      trailing_.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg.rfind("--", 0) != 0) {
      return InvalidArgument("unexpected argument '" + arg + "' (flags start with --)");
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "print-config" && !has_value) {
      print_config_ = true;
      continue;
    }
    Flag* flag = Find(name);
    if (flag == nullptr && name != "config") return InvalidArgument("unknown flag --" + name);
    if (!has_value) {
      if (flag != nullptr && flag->kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return InvalidArgument("flag --" + name + " needs a value");
      }
    }
    if (flag == nullptr) {
      config_path = value;
    } else {
      assignments.emplace_back(flag, value);
    }
  }
  config_path_ = config_path;
  if (!config_path.empty()) RS_RETURN_IF_ERROR(ApplyConfigFile(config_path));
  RS_RETURN_IF_ERROR(ApplyEnvironment());
  for (auto& [flag, value] : assignments) {
    RS_RETURN_IF_ERROR(Apply(flag, value, "flag --" + flag->name, "flag --" + flag->name));
  }
  return Status::Ok();
}

void FlagSet::ParseOrExit(int argc, char** argv) {
  bool help = false;
  Status s = Parse(argc, argv, &help);
  if (help) {
    std::cout << Usage();
    std::exit(0);
  }
  if (!s.ok()) {
    std::cerr << program_ << ": " << s.message() << "\n\n" << Usage();
    std::exit(2);
  }
  if (print_config_) {
    std::cout << EffectiveConfig();
    std::exit(0);
  }
}

std::string FlagSet::Usage() const {
  std::string out = "Usage: " + program_ + " [flags]" +
                    (accepts_trailing_ ? " [-- " + trailing_usage_ + "]" : "") + "\n\n" + summary_ +
                    "\n\nFlags:\n";
  for (const auto& f : flags_) {
    out += "  --" + f.name + (f.kind == Kind::kBool ? "" : " VALUE") + "\n      " + f.help +
           " (default: " + f.default_text + "; env " + EnvironmentVariable(f.name) + ")\n";
  }
  out +=
      "  --config FILE\n"
      "      TOML file of `flag-name = value` lines (env ROADSENSE_CONFIG). Precedence: flags >\n"
      "      environment > config file > defaults.\n"
      "  --print-config\n"
      "      Print the effective configuration (TOML, with each value's source) and exit.\n"
      "  --help\n      Print this help and exit.\n";
  return out;
}

std::string FlagSet::EffectiveConfig() const {
  std::string out =
      "# " + program_ + " effective configuration (flags > environment > config file > defaults)\n";
  if (!config_path_.empty()) out += "# config file: " + config_path_ + "\n";
  for (const auto& f : flags_) {
    out += f.name + " = " + f.get() + "  # " + f.source + "\n";
  }
  return out;
}

}  // namespace roadsense
