// Compatibility of roadsense-queue with real SQS clients, and its authentication as a process.
//
// Each test starts a real roadsense-queue on a free port with a credentials file of two accounts
// (the queue owner's and another one), then runs one client against it:
//   - sdk_js_test.mjs: @aws-sdk/client-sqs (npm, pinned in package-lock.json), AWS JSON 1.0;
//   - boto3_test.py: Debian's python3-boto3 (botocore 1.29), Query protocol;
//   - awscli_session.sh: Debian's awscli (v2.9), Query protocol, a scripted session;
// and roadsense's own SqsClient for signing, reloads and the start-up safety check.
// A client that is not installed makes its test skip with the command that installs it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sqs/sqs_client.h"
#include "tests/support/child_process.h"

namespace roadsense {
namespace {

using testing::BinaryPath;
using testing::ChildProcess;
using testing::TempDir;

constexpr char kOwnerAccount[] = "111111111111";
constexpr char kOtherAccount[] = "222222222222";
constexpr char kSseKeyId[] = "compat-kms";  // a non-current key of the encryption keys file
constexpr char kOwnerKey[] = "AKIDOWNER0000001";
constexpr char kOwnerSecret[] = "owner/Secret+Key0123456789abcdefghijklmn";
constexpr char kOtherKey[] = "AKIDPARTNER00001";
constexpr char kOtherSecret[] = "partner-secret-0123456789";

std::filesystem::path SourceDir() {
  const char* dir = std::getenv("ROADSENSE_SOURCE_DIR");
  return dir ? dir : ROADSENSE_DEFAULT_SOURCE_DIR;
}

std::filesystem::path CompatDir() { return SourceDir() / "tests" / "compat"; }

// Runs argv to completion (at most `timeout`); its exit code, with its output in *log.
int RunToCompletion(const std::vector<std::string>& argv, const std::string& log_path,
                    std::string* log, std::chrono::seconds timeout = std::chrono::seconds(120)) {
  ChildProcess child;
  child.Start(argv, log_path);
  int code = child.Wait(timeout);
  if (code == -1) code = child.Stop(SIGKILL);
  *log = child.ReadLog();
  return code;
}

bool Succeeds(const std::vector<std::string>& argv) {
  std::string log;
  TempDir dir;
  return RunToCompletion(argv, dir.path() + "/probe.log", &log, std::chrono::seconds(30)) == 0;
}

class CompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    credentials_ = dir_.path() + "/credentials";
    WriteCredentials(std::string(kOwnerKey) + " " + kOwnerSecret + " " + kOwnerAccount +
                     " owner\n" + kOtherKey + " " + kOtherSecret + " " + kOtherAccount +
                     " partner\n");
  }

  // Keys for SSE queues: the scripts create queues with SqsManagedSseEnabled / KmsMasterKeyId.
  void WriteEncryptionKeys() {
    encryption_keys_ = dir_.path() + "/encryption-keys";
    std::ofstream(encryption_keys_)
        << "# key_id key [current]\n"
        << kSseKeyId << " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        << "compat-current ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8= current\n";
    ::chmod(encryption_keys_.c_str(), 0600);
  }

  void WriteCredentials(const std::string& text) {
    std::ofstream(credentials_) << "# access_key_id secret_access_key account_id user_name\n"
                                << text;
    ::chmod(credentials_.c_str(), 0600);
  }

  void StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {BinaryPath("roadsense-queue"),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--data-dir",
                                     dir_.path() + "/data",
                                     "--credentials-file",
                                     credentials_,
                                     "--account-id",
                                     kOwnerAccount,
                                     "--region",
                                     "us-east-1",
                                     "--log-level",
                                     "info"};
    WriteEncryptionKeys();
    argv.insert(argv.end(), {"--encryption-keys-file", encryption_keys_});
    argv.insert(argv.end(), extra.begin(), extra.end());
    server_.Start(argv, dir_.path() + "/server.log");
    ASSERT_TRUE(testing::WaitForPort(port_, std::chrono::seconds(10))) << server_.ReadLog();
  }

  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // `/usr/bin/env` with the endpoint and both keys in the environment, then `command`.
  std::vector<std::string> WithEnvironment(const std::vector<std::string>& command) const {
    std::vector<std::string> argv = {
        "/usr/bin/env", "SQS_ENDPOINT=" + Endpoint(), "AWS_REGION=us-east-1",
        "AWS_DEFAULT_REGION=us-east-1", std::string("OWNER_KEY=") + kOwnerKey,
        std::string("OWNER_SECRET=") + kOwnerSecret, std::string("OTHER_KEY=") + kOtherKey,
        std::string("OTHER_SECRET=") + kOtherSecret, std::string("OTHER_ACCOUNT=") + kOtherAccount,
        // No stray configuration of the machine's user.
        "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
        "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "DATA_DIR=" + dir_.path() + "/data",
        std::string("SSE_KEY_ID=") + kSseKeyId};
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }

  void RunClient(const std::vector<std::string>& command) {
    std::string log;
    const int code = RunToCompletion(WithEnvironment(command), dir_.path() + "/client.log", &log);
    std::cout << log;
    EXPECT_EQ(code, 0) << "client failed:\n" << log << "\nserver log:\n" << server_.ReadLog();
    EXPECT_NE(log.find("all ok"), std::string::npos);
  }

  sqs::SqsClient Client(const std::string& key, const std::string& secret) const {
    sqs::SqsClientOptions options;
    options.endpoint = Endpoint();
    options.region = "us-east-1";
    options.credentials = {key, secret, ""};
    options.max_attempts = 1;
    return sqs::SqsClient(options);
  }

  TempDir dir_;
  std::string credentials_;
  std::string encryption_keys_;
  int port_ = testing::FreePort();
  ChildProcess server_;
};

// ---- Real clients ----

TEST_F(CompatTest, AwsSdkForJavaScriptOverJson) {
  if (!std::filesystem::exists(CompatDir() / "node_modules" / "@aws-sdk" / "client-sqs")) {
    GTEST_SKIP() << "@aws-sdk/client-sqs is not installed: run scripts/setup (npm ci in "
                    "tests/compat)";
  }
  if (!Succeeds({"/usr/bin/env", "node", "--version"})) GTEST_SKIP() << "node is not installed";
  StartServer();
  RunClient({"node", (CompatDir() / "sdk_js_test.mjs").string()});
}

TEST_F(CompatTest, Boto3OverQuery) {
  if (!Succeeds({"/usr/bin/python3", "-c", "import boto3"})) {
    GTEST_SKIP() << "Debian's python3-boto3 is not installed: run scripts/setup "
                    "(scripts/packages/compat.list)";
  }
  StartServer();
  RunClient({"/usr/bin/python3", (CompatDir() / "boto3_test.py").string()});
}

TEST_F(CompatTest, AwsCliSessionOverQuery) {
  if (!std::filesystem::exists("/usr/bin/aws")) {
    GTEST_SKIP() << "Debian's awscli is not installed: run scripts/setup "
                    "(scripts/packages/compat.list)";
  }
  StartServer();
  RunClient({"/bin/bash", (CompatDir() / "awscli_session.sh").string()});
}

// ---- roadsense's own client and the server's authentication ----

TEST_F(CompatTest, SqsClientIsAuthenticated) {
  StartServer();
  auto owner = Client(kOwnerKey, kOwnerSecret);
  auto url = owner.CreateQueue("cpp-client");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ASSERT_TRUE(owner.SendMessage(*url, "signed").ok());

  const Status wrong = Client(kOwnerKey, "wrong-secret-123").SendMessage(*url, "x").status();
  EXPECT_EQ(wrong.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(wrong.message().starts_with("SignatureDoesNotMatch: ")) << wrong.ToString();

  const Status other = Client(kOtherKey, kOtherSecret).SendMessage(*url, "x").status();
  EXPECT_EQ(other.code(), StatusCode::kPermissionDenied) << other.ToString();
}

TEST_F(CompatTest, UnsignedRequestIsMissingAuthenticationToken) {
  StartServer();
  // The client's default credentials are a fixed local pair the file does not know.
  const Status status = Client("roadsense", "roadsense").GetQueueUrl("q").status();
  EXPECT_TRUE(status.message().starts_with("InvalidClientTokenId: ")) << status.ToString();
}

TEST_F(CompatTest, SighupReloadsCredentials) {
  StartServer();
  constexpr char kNewKey[] = "AKIDROTATED00001";
  constexpr char kNewSecret[] = "rotated-secret-0123456789";
  auto rotated = Client(kNewKey, kNewSecret);
  EXPECT_TRUE(
      rotated.CreateQueue("rotation").status().message().starts_with("InvalidClientTokenId: "));

  WriteCredentials(std::string(kNewKey) + " " + kNewSecret + " " + kOwnerAccount + " rotated\n");
  ASSERT_EQ(::kill(server_.pid(), SIGHUP), 0);
  Status status;
  for (int i = 0; i < 100; ++i) {  // the reload is asynchronous to this test
    status = rotated.CreateQueue("rotation").status();
    if (status.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << server_.ReadLog();
  // The old key is gone.
  EXPECT_EQ(Client(kOwnerKey, kOwnerSecret).CreateQueue("rotation").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_TRUE(server_.running());
}

TEST_F(CompatTest, WorldReadableCredentialsFileIsWarnedAbout) {
  ::chmod(credentials_.c_str(), 0644);
  StartServer();
  EXPECT_NE(server_.ReadLog().find("readable by every user"), std::string::npos)
      << server_.ReadLog();
}

TEST_F(CompatTest, NonLoopbackListenWithoutCredentialsRefusesToStart) {
  std::string log;
  const int code =
      RunToCompletion({BinaryPath("roadsense-queue"), "--listen",
                       "0.0.0.0:" + std::to_string(port_), "--data-dir", dir_.path() + "/data"},
                      dir_.path() + "/refused.log", &log, std::chrono::seconds(20));
  EXPECT_EQ(code, 2) << log;
  EXPECT_NE(log.find("--insecure"), std::string::npos) << log;
}

TEST_F(CompatTest, InsecureFlagAllowsNonLoopbackListenWithoutCredentials) {
  server_.Start({BinaryPath("roadsense-queue"), "--listen", "0.0.0.0:" + std::to_string(port_),
                 "--data-dir", dir_.path() + "/data", "--insecure"},
                dir_.path() + "/insecure.log");
  ASSERT_TRUE(testing::WaitForPort(port_, std::chrono::seconds(10))) << server_.ReadLog();
  EXPECT_TRUE(Client("roadsense", "roadsense").CreateQueue("open").ok());
}

}  // namespace
}  // namespace roadsense
