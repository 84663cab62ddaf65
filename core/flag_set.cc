#include "core/flag_set.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace roadsense {
namespace {

template <typename T>
Status ParseNumber(const std::string& flag, const std::string& text, T* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return InvalidArgument("flag --" + flag + ": '" + text + "' is not a valid number");
  }
  return Status::Ok();
}

}  // namespace

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void FlagSet::AddString(std::string name, std::string* target, std::string help) {
  flags_.push_back({std::move(name), std::move(help), "\"" + *target + "\"", false,
                    [target](const std::string& v) {
                      *target = v;
                      return Status::Ok();
                    }});
}

void FlagSet::AddInt(std::string name, int64_t* target, std::string help) {
  std::string n = name;
  flags_.push_back({std::move(name), std::move(help), std::to_string(*target), false,
                    [n, target](const std::string& v) { return ParseNumber(n, v, target); }});
}

void FlagSet::AddInt(std::string name, int* target, std::string help) {
  std::string n = name;
  flags_.push_back({std::move(name), std::move(help), std::to_string(*target), false,
                    [n, target](const std::string& v) { return ParseNumber(n, v, target); }});
}

void FlagSet::AddDouble(std::string name, double* target, std::string help) {
  std::string n = name;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", *target);
  flags_.push_back({std::move(name), std::move(help), buf, false,
                    [n, target](const std::string& v) { return ParseNumber(n, v, target); }});
}

void FlagSet::AddBool(std::string name, bool* target, std::string help) {
  std::string n = name;
  flags_.push_back({std::move(name), std::move(help), *target ? "true" : "false", true,
                    [n, target](const std::string& v) {
                      if (v == "true" || v == "1" || v == "yes") {
                        *target = true;
                      } else if (v == "false" || v == "0" || v == "no") {
                        *target = false;
                      } else {
                        return InvalidArgument("flag --" + n + ": '" + v + "' is not a boolean");
                      }
                      return Status::Ok();
                    }});
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status FlagSet::Parse(int argc, const char* const* argv, bool* help_requested) {
  *help_requested = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help_requested = true;
      return Status::Ok();
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
    Flag* flag = Find(name);
    if (flag == nullptr) return InvalidArgument("unknown flag --" + name);
    if (!has_value) {
      if (flag->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return InvalidArgument("flag --" + name + " needs a value");
      }
    }
    RS_RETURN_IF_ERROR(flag->set(value));
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
}

std::string FlagSet::Usage() const {
  std::string out = "Usage: " + program_ + " [flags]\n\n" + summary_ + "\n\nFlags:\n";
  for (const auto& f : flags_) {
    out += "  --" + f.name + (f.is_bool ? "" : " VALUE") + "\n      " + f.help +
           " (default: " + f.default_text + ")\n";
  }
  out += "  --help\n      Print this help and exit.\n";
  return out;
}

}  // namespace roadsense
