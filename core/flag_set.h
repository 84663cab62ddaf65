// FlagSet: the command-line and configuration parser every roadsense binary uses.
//
// Every flag can be set in four places; the first that sets it wins:
//   1. the command line: `--name value`, `--name=value` and, for booleans, `--name` /
//      `--name=false`;
//   2. the environment: ROADSENSE_<NAME> with the name upper-cased and '-' as '_'
//      (--log-level ← ROADSENSE_LOG_LEVEL); set-but-empty counts as set;
//   3. a TOML config file named by `--config FILE` (or ROADSENSE_CONFIG): flat `name = value`
//      pairs, the flag's name as key ('_' may stand for '-'); keys that are no flag, tables and
//      arrays are errors naming the file, line and key;
//   4. the default (the target's value when the flag was added).
// `--help` prints the usage and exits 0; `--print-config` prints the effective configuration as
// a TOML file (each line commented with where its value came from; libpq `password=` values
// redacted) and exits 0. Unknown flags, missing values and malformed numbers are errors that
// name the flag and where it was set. Secrets never go in flags (visible in `ps`): flags name
// files that hold them (--keys-file, --api-key-file). See README.md, "Configuration".
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

  // Lets the command line end with `-- ARG...`: those arguments are not parsed but kept for
  // trailing_arguments() (e.g. flags a controller passes on to the processes it starts).
  // Without this call `--` is an error. `usage` names them in the usage line.
  void AcceptTrailingArguments(std::string usage);
  const std::vector<std::string>& trailing_arguments() const { return trailing_; }

  // Parses argv[1..argc), then the environment and the config file, applying the precedence
  // above. Sets *help_requested when --help was seen (nothing else is parsed).
  Status Parse(int argc, const char* const* argv, bool* help_requested);
  // True after Parse when --print-config was given.
  bool print_config_requested() const { return print_config_; }

  // Parse for main(): prints usage and exits 0 on --help, prints the effective configuration and
  // exits 0 on --print-config, prints the error and exits 2 on error.
  void ParseOrExit(int argc, char** argv);

  std::string Usage() const;
  // The current value of every flag as a TOML file that --config accepts, each line annotated
  // with its source (flag, environment variable, config file:line, default).
  std::string EffectiveConfig() const;

  // ROADSENSE_<NAME> for a flag name ("log-level" → "ROADSENSE_LOG_LEVEL").
  static std::string EnvironmentVariable(const std::string& flag_name);

 private:
  enum class Kind { kString, kInt, kDouble, kBool };
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    Kind kind = Kind::kString;
    // Parses and stores a value; the error says what is wrong with the value only (the caller
    // names the flag and where it came from).
    std::function<Status(const std::string&)> set;
    std::function<std::string()> get;  // current value as TOML
    std::string source = "default";
  };
  Flag* Find(const std::string& name);
  void Add(std::string name, Kind kind, std::string help, std::string default_text,
           std::function<Status(const std::string&)> set, std::function<std::string()> get);
  static Status Apply(Flag* flag, const std::string& value, const std::string& where,
                      std::string source);
  Status ApplyConfigFile(const std::string& path);
  Status ApplyEnvironment();

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
  bool accepts_trailing_ = false;
  std::string trailing_usage_;
  std::vector<std::string> trailing_;
  bool print_config_ = false;
  std::string config_path_;
};

}  // namespace roadsense
