#include "core/flag_set.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace roadsense
