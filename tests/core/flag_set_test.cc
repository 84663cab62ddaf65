#include "core/flag_set.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace roadsense {
namespace {

struct Flags {
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  int64_t limit = 10;
  double rate = 1.5;
  bool verify = false;
};

Status ParseInto(Flags* f, std::vector<const char*> args, bool* help) {
  FlagSet set("prog", "test");
  set.AddString("listen", &f->listen, "address");
  set.AddInt("threads", &f->threads, "threads");
  set.AddInt("limit", &f->limit, "limit");
  set.AddDouble("rate", &f->rate, "rate");
  set.AddBool("verify", &f->verify, "verify");
  args.insert(args.begin(), "prog");
  return set.Parse(static_cast<int>(args.size()), args.data(), help);
}

TEST(FlagSet, ParsesSpaceAndEqualsForms) {
  Flags f;
  bool help = false;
  ASSERT_TRUE(
      ParseInto(&f,
                {"--listen", "0.0.0.0:1", "--threads=4", "--limit", "-3", "--rate=2.5", "--verify"},
                &help)
          .ok());
  EXPECT_EQ(f.listen, "0.0.0.0:1");
  EXPECT_EQ(f.threads, 4);
  EXPECT_EQ(f.limit, -3);
  EXPECT_DOUBLE_EQ(f.rate, 2.5);
  EXPECT_TRUE(f.verify);
  EXPECT_FALSE(help);
}

TEST(FlagSet, DefaultsStayWhenNotGiven) {
  Flags f;
  bool help = false;
  ASSERT_TRUE(ParseInto(&f, {}, &help).ok());
  EXPECT_EQ(f.threads, 2);
  EXPECT_FALSE(f.verify);
}

TEST(FlagSet, UnknownFlagIsNamedInError) {
  Flags f;
  bool help = false;
  Status s = ParseInto(&f, {"--nope", "1"}, &help);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--nope"), std::string::npos);
}

TEST(FlagSet, MalformedNumberIsNamedInError) {
  Flags f;
  bool help = false;
  Status s = ParseInto(&f, {"--threads", "4x"}, &help);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--threads"), std::string::npos);
}

TEST(FlagSet, MissingValueIsAnError) {
  Flags f;
  bool help = false;
  EXPECT_FALSE(ParseInto(&f, {"--listen"}, &help).ok());
}

TEST(FlagSet, BoolAcceptsExplicitFalse) {
  Flags f;
  f.verify = true;
  bool help = false;
  ASSERT_TRUE(ParseInto(&f, {"--verify=false"}, &help).ok());
  EXPECT_FALSE(f.verify);
}

TEST(FlagSet, HelpIsReported) {
  Flags f;
  bool help = false;
  ASSERT_TRUE(ParseInto(&f, {"--help"}, &help).ok());
  EXPECT_TRUE(help);
}

TEST(FlagSet, UsageListsFlagsWithDefaults) {
  Flags f;
  FlagSet set("prog", "summary text");
  set.AddInt("threads", &f.threads, "how many threads");
  std::string usage = set.Usage();
  EXPECT_NE(usage.find("--threads"), std::string::npos);
  EXPECT_NE(usage.find("how many threads"), std::string::npos);
  EXPECT_NE(usage.find("default: 2"), std::string::npos);
  EXPECT_NE(usage.find("summary text"), std::string::npos);
}

// A config file in the test's temp dir; the environment variables a test sets are removed again.
class FlagSetConfig : public ::testing::Test {
 protected:
  ~FlagSetConfig() override {
    for (const auto& var : vars_) unsetenv(var.c_str());
    std::remove(path_.c_str());
  }
  std::string WriteConfig(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }
  void SetEnv(const std::string& var, const std::string& value) {
    setenv(var.c_str(), value.c_str(), 1);
    vars_.push_back(var);
  }
  Status Parse(std::vector<const char*> args) {
    set_.AddString("listen", &f_.listen, "address");
    set_.AddInt("threads", &f_.threads, "threads");
    set_.AddInt("limit", &f_.limit, "limit");
    set_.AddDouble("rate", &f_.rate, "rate");
    set_.AddBool("verify", &f_.verify, "verify");
    args.insert(args.begin(), "prog");
    bool help = false;
    return set_.Parse(static_cast<int>(args.size()), args.data(), &help);
  }

  std::string path_ = ::testing::TempDir() + "flag_set_test_" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml";
  std::vector<std::string> vars_;
  FlagSet set_{"prog", "test"};
  Flags f_;
};

TEST_F(FlagSetConfig, ConfigFileSetsEveryKind) {
  const std::string path = WriteConfig(
      "# comment\nlisten = \"0.0.0.0:9\"\nthreads = 7\nlimit = -4\nrate = 0.25\nverify = "
      "true\n");
  ASSERT_TRUE(Parse({"--config", path.c_str()}).ok());
  EXPECT_EQ(f_.listen, "0.0.0.0:9");
  EXPECT_EQ(f_.threads, 7);
  EXPECT_EQ(f_.limit, -4);
  EXPECT_DOUBLE_EQ(f_.rate, 0.25);
  EXPECT_TRUE(f_.verify);
}

TEST_F(FlagSetConfig, UnderscoreKeysNameDashedFlags) {
  FlagSet set("prog", "test");
  std::string level = "info";
  set.AddString("log-level", &level, "level");
  const std::string path = WriteConfig("log_level = \"debug\"\n");
  const char* args[] = {"prog", "--config", path.c_str()};
  bool help = false;
  ASSERT_TRUE(set.Parse(3, args, &help).ok());
  EXPECT_EQ(level, "debug");
}

TEST_F(FlagSetConfig, UnknownKeyIsNamedWithItsLine) {
  const std::string path = WriteConfig("threads = 3\n\nthreadz = 4\n");
  Status s = Parse({"--config", path.c_str()});
  ASSERT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(path + ":3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("'threadz'"), std::string::npos) << s.message();
}

TEST_F(FlagSetConfig, TablesAreRejected) {
  const std::string path = WriteConfig("[worker]\nthreads = 3\n");
  Status s = Parse({"--config", path.c_str()});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'worker'"), std::string::npos) << s.message();
}

TEST_F(FlagSetConfig, BadValueInFileNamesLineAndKey) {
  const std::string path = WriteConfig("listen = \"x\"\nthreads = \"many\"\n");
  Status s = Parse({"--config", path.c_str()});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path + ":2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("threads"), std::string::npos) << s.message();
}

TEST_F(FlagSetConfig, SyntaxErrorNamesTheFile) {
  const std::string path = WriteConfig("threads = \n");
  Status s = Parse({"--config", path.c_str()});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
}

TEST_F(FlagSetConfig, MissingConfigFileIsAnError) {
  EXPECT_FALSE(Parse({"--config", "/nonexistent/roadsense.toml"}).ok());
}

TEST_F(FlagSetConfig, EnvironmentSetsFlag) {
  SetEnv("ROADSENSE_THREADS", "5");
  SetEnv("ROADSENSE_VERIFY", "yes");
  ASSERT_TRUE(Parse({}).ok());
  EXPECT_EQ(f_.threads, 5);
  EXPECT_TRUE(f_.verify);
}

TEST_F(FlagSetConfig, BadEnvironmentValueNamesTheVariable) {
  SetEnv("ROADSENSE_LIMIT", "lots");
  Status s = Parse({});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("ROADSENSE_LIMIT"), std::string::npos) << s.message();
}

TEST_F(FlagSetConfig, FlagsBeatEnvironmentBeatsFileBeatsDefault) {
  const std::string path = WriteConfig("listen = \"file\"\nthreads = 3\nlimit = 30\n");
  SetEnv("ROADSENSE_THREADS", "4");
  SetEnv("ROADSENSE_LIMIT", "40");
  ASSERT_TRUE(Parse({"--config", path.c_str(), "--limit", "50"}).ok());
  EXPECT_EQ(f_.listen, "file");  // file over default
  EXPECT_EQ(f_.threads, 4);      // environment over file
  EXPECT_EQ(f_.limit, 50);       // flag over environment
  EXPECT_DOUBLE_EQ(f_.rate, 1.5);
}

TEST_F(FlagSetConfig, ConfigFileFromEnvironment) {
  SetEnv("ROADSENSE_CONFIG", WriteConfig("threads = 9\n"));
  ASSERT_TRUE(Parse({}).ok());
  EXPECT_EQ(f_.threads, 9);
}

TEST_F(FlagSetConfig, EffectiveConfigShowsSourcesAndReadsBack) {
  const std::string path = WriteConfig("threads = 3\n");
  SetEnv("ROADSENSE_RATE", "2");
  ASSERT_TRUE(Parse({"--config", path.c_str(), "--listen", "a\"b", "--print-config"}).ok());
  EXPECT_TRUE(set_.print_config_requested());
  const std::string config = set_.EffectiveConfig();
  EXPECT_NE(config.find("threads = 3  # " + path + ":1"), std::string::npos) << config;
  EXPECT_NE(config.find("rate = 2.0  # ROADSENSE_RATE"), std::string::npos) << config;
  EXPECT_NE(config.find("listen = \"a\\\"b\"  # flag --listen"), std::string::npos) << config;
  EXPECT_NE(config.find("limit = 10  # default"), std::string::npos) << config;

  // What --print-config prints is itself a valid config file with the same values.
  Flags again;
  FlagSet reread("prog", "test");
  reread.AddString("listen", &again.listen, "");
  reread.AddInt("threads", &again.threads, "");
  reread.AddInt("limit", &again.limit, "");
  reread.AddDouble("rate", &again.rate, "");
  reread.AddBool("verify", &again.verify, "");
  const std::string printed = WriteConfig(config);
  const char* args[] = {"prog", "--config", printed.c_str()};
  bool help = false;
  ASSERT_TRUE(reread.Parse(3, args, &help).ok());
  EXPECT_EQ(again.listen, "a\"b");
  EXPECT_EQ(again.threads, 3);
  EXPECT_DOUBLE_EQ(again.rate, 2.0);
}

TEST_F(FlagSetConfig, EffectiveConfigRedactsPasswords) {
  FlagSet set("prog", "test");
  std::string db;
  set.AddString("db", &db, "");
  const char* args[] = {"prog", "--db", "host=h password=s3cret user=u"};
  bool help = false;
  ASSERT_TRUE(set.Parse(3, args, &help).ok());
  const std::string config = set.EffectiveConfig();
  EXPECT_EQ(config.find("s3cret"), std::string::npos) << config;
  EXPECT_NE(config.find("password=<redacted> user=u"), std::string::npos) << config;
}

TEST(FlagSet, TrailingArgumentsAfterDoubleDashWhenAccepted) {
  FlagSet set("prog", "test");
  int threads = 1;
  set.AddInt("threads", &threads, "");
  set.AcceptTrailingArguments("WORKER-FLAGS");
  const char* args[] = {"prog", "--threads", "2", "--", "--db", "x y", "--threads=8"};
  bool help = false;
  ASSERT_TRUE(set.Parse(7, args, &help).ok());
  EXPECT_EQ(threads, 2);
  EXPECT_EQ(set.trailing_arguments(), (std::vector<std::string>{"--db", "x y", "--threads=8"}));
}

TEST(FlagSet, DoubleDashIsAnErrorUnlessAccepted) {
  Flags f;
  bool help = false;
  EXPECT_FALSE(ParseInto(&f, {"--", "--x"}, &help).ok());
}

TEST(FlagSet, EnvironmentVariableNames) {
  EXPECT_EQ(FlagSet::EnvironmentVariable("log-level"), "ROADSENSE_LOG_LEVEL");
  EXPECT_EQ(FlagSet::EnvironmentVariable("queue-url"), "ROADSENSE_QUEUE_URL");
}

}  // namespace
}  // namespace roadsense
