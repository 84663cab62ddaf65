#include "tests/support/test_postgres.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "tests/support/child_process.h"

namespace roadsense::testing {
namespace {

std::string ScriptPath() {
  if (const char* dir = std::getenv("ROADSENSE_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/scripts/pg-cluster";
  }
  return std::string(ROADSENSE_SOURCE_DIR) + "/scripts/pg-cluster";
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `pg-cluster args...`; returns its exit code, and its combined output in *output.
int RunScript(const std::string& args, std::string* output) {
  const std::string command = Quote(ScriptPath()) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("TestPostgres: popen failed for " + command);
  std::array<char, 4096> buf;
  size_t n;
  output->clear();
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) output->append(buf.data(), n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TestPostgres::TestPostgres() {
  std::string tmpl = "/tmp/roadsense-pg-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("TestPostgres: mkdtemp failed");
  dir_ = tmpl;
  try {
    Start();
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

TestPostgres::~TestPostgres() {
  if (running_) {
    // The data is deleted next, so skip the shutdown checkpoint.
    std::string output;
    RunScript("stop " + Quote(dir_) + " immediate", &output);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string TestPostgres::ConnectionString() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=roadsense user=roadsense";
}

void TestPostgres::Start() {
  if (running_) return;
  // FreePort can race with another process taking the port; a fresh port usually fixes that.
  std::string output;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = FreePort();
    if (RunScript("start " + Quote(dir_) + " " + std::to_string(port_), &output) == 0) {
      running_ = true;
      return;
    }
  }
  throw std::runtime_error("TestPostgres: pg-cluster start failed:\n" + output);
}

void TestPostgres::Stop(StopMode mode) {
  if (!running_) return;
  std::string output;
  const char* mode_arg = mode == StopMode::kImmediate ? " immediate" : " fast";
  if (RunScript("stop " + Quote(dir_) + mode_arg, &output) != 0) {
    throw std::runtime_error("TestPostgres: pg-cluster stop failed:\n" + output);
  }
  running_ = false;
}

}  // namespace roadsense::testing
