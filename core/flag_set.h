// FlagSet: the command-line parser every roadsense binary uses.
//
// Accepts `--name value`, `--name=value` and, for booleans, `--name` / `--name=false`.
// `--help` prints the usage (program summary, then every flag with its default and help text)
// and exits 0. Unknown flags, missing values and malformed numbers are errors that name the flag.
// Not thread-safe; use from main() before starting threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace roadsense {

class FlagSet {
 public:
  FlagSet(std::string program, std::string summary);

  // Each Add* registers a flag writing into *target; the target's current value is the default.
  void AddString(std::string name, std::string* target, std::string help);
  void AddInt(std::string name, int64_t* target, std::string help);
  void AddInt(std::string name, int* target, std::string help);
  void AddDouble(std::string name, double* target, std::string help);
  void AddBool(std::string name, bool* target, std::string help);

  // Parses argv[1..argc). Sets *help_requested when --help was seen (nothing else is parsed).
  Status Parse(int argc, const char* const* argv, bool* help_requested);

  // Parse for main(): prints usage and exits 0 on --help, prints the error and exits 2 on error.
  void ParseOrExit(int argc, char** argv);

  std::string Usage() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<Status(const std::string&)> set;
  };
  Flag* Find(const std::string& name);

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
};

}  // namespace roadsense
