// AccessPolicy (queue Policy evaluation) and PolicyAuthorizer (the decision rules): one test per
// rule of queue/access_policy.md.
#include "queue/access_policy.h"

#include <gtest/gtest.h>

#include "queue/policy_authorizer.h"
#include "queue/sqs_error.h"

namespace roadsense::queue {
namespace {

constexpr char kOwner[] = "111111111111";
constexpr char kOther[] = "222222222222";
constexpr char kQueueArn[] = "arn:aws:sqs:us-east-1:111111111111:orders";

AuthenticatedCaller Caller(const std::string& account, const std::string& user = "alice") {
  return {"AK" + account, account, "arn:aws:iam::" + account + ":user/" + user};
}

RequestContext Context(std::string ip = "10.1.2.3", bool secure = false,
                       std::chrono::system_clock::time_point now =
                           std::chrono::system_clock::from_time_t(1'780'000'000)) {
  return {std::move(ip), secure, now};  // 1780000000 = 2026-05-28T20:26:40Z
}

std::string Policy(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

PolicyDecision Decide(const std::string& policy, const AuthenticatedCaller& caller,
                      const std::string& action = "SendMessage",
                      const RequestContext& context = Context(),
                      const std::string& resource = kQueueArn) {
  auto parsed = AccessPolicy::Parse(policy);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return PolicyDecision::kNotApplicable;
  return parsed->Evaluate(caller, action, resource, context);
}

std::string AllowOther(const std::string& extra = "") {
  return Policy(
      R"({"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sqs:SendMessage","Resource":")" +
      std::string(kQueueArn) + "\"" + extra + "}");
}

// ---- Parse ----

TEST(AccessPolicyTest, EmptyTextIsEmptyPolicy) {
  auto policy = AccessPolicy::Parse("  ");
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->statement_count(), 0u);
}

TEST(AccessPolicyTest, SingleStatementObjectIsAccepted) {
  auto policy =
      AccessPolicy::Parse(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*"}})");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->statement_count(), 1u);
}

TEST(AccessPolicyTest, UnsupportedElementsAreRefused) {
  for (const char* bad : {
           R"(not json)",
           R"({"Statement":[{"Effect":"Maybe","Principal":"*","Action":"sqs:*"}]})",
           R"({"Statement":[{"Effect":"Allow","Action":"sqs:*"}]})",
           R"({"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"sqs:*"}]})",
           R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]})",
           R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sqs:*"}]})",
           R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*",
               "Condition":{"StringEquals":{"aws:SourceArn":"x"}}}]})",
           R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*",
               "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}]})",
           R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*",
               "Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}]})",
           R"({"Version":"2020-01-01","Statement":[]})",
       }) {
    EXPECT_FALSE(AccessPolicy::Parse(bad).ok()) << bad;
  }
}

// ---- Evaluate: principals, actions, resources ----

TEST(AccessPolicyTest, AccountPrincipalMatchesEveryUserOfTheAccount) {
  EXPECT_EQ(Decide(AllowOther(), Caller(kOther, "bob")), PolicyDecision::kAllow);
  EXPECT_EQ(Decide(AllowOther(), Caller("333333333333")), PolicyDecision::kNotApplicable);
}

TEST(AccessPolicyTest, UserArnPrincipalMatchesOnlyThatUser) {
  const std::string policy = Policy(
      R"({"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:user/bob"]},"Action":"sqs:*"})");
  EXPECT_EQ(Decide(policy, Caller(kOther, "bob")), PolicyDecision::kAllow);
  EXPECT_EQ(Decide(policy, Caller(kOther, "carol")), PolicyDecision::kNotApplicable);
}

TEST(AccessPolicyTest, StarPrincipalMatchesEveryone) {
  const std::string policy = Policy(R"({"Effect":"Allow","Principal":"*","Action":"sqs:*"})");
  EXPECT_EQ(Decide(policy, Caller("333333333333")), PolicyDecision::kAllow);
  EXPECT_EQ(Decide(Policy(R"({"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*"})"),
                   Caller("333333333333")),
            PolicyDecision::kAllow);
}

TEST(AccessPolicyTest, ActionsMatchCaseInsensitivelyWithWildcardsAndLists) {
  const auto policy = [](const std::string& action) {
    return Policy(R"({"Effect":"Allow","Principal":"*","Action":)" + action + "}");
  };
  EXPECT_EQ(Decide(policy(R"("SQS:SendMessage")"), Caller(kOther)), PolicyDecision::kAllow);
  EXPECT_EQ(Decide(policy(R"("sqs:Send*")"), Caller(kOther), "SendMessageBatch"),
            PolicyDecision::kAllow);
  EXPECT_EQ(Decide(policy(R"("sqs:Send*")"), Caller(kOther), "DeleteMessage"),
            PolicyDecision::kNotApplicable);
  EXPECT_EQ(Decide(policy(R"(["sqs:ReceiveMessage","sqs:DeleteMessage"])"), Caller(kOther),
                   "DeleteMessage"),
            PolicyDecision::kAllow);
  EXPECT_EQ(Decide(policy(R"("sqs:*")"), Caller(kOther), "PurgeQueue"), PolicyDecision::kAllow);
}

TEST(AccessPolicyTest, ResourceWildcardsSelectQueues) {
  const std::string policy = Policy(
      R"({"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:*:111111111111:ord?rs*"})");
  EXPECT_EQ(Decide(policy, Caller(kOther)), PolicyDecision::kAllow);
  EXPECT_EQ(Decide(policy, Caller(kOther), "SendMessage", Context(),
                   "arn:aws:sqs:us-east-1:111111111111:invoices"),
            PolicyDecision::kNotApplicable);
}

// ---- Evaluate: conditions ----

TEST(AccessPolicyTest, IpAddressConditionMatchesCidr) {
  const std::string policy =
      AllowOther(R"(,"Condition":{"IpAddress":{"aws:SourceIp":["10.1.0.0/16","2001:db8::/32"]}})");
  EXPECT_EQ(Decide(policy, Caller(kOther), "SendMessage", Context("10.1.200.7")),
            PolicyDecision::kAllow);
  EXPECT_EQ(Decide(policy, Caller(kOther), "SendMessage", Context("10.2.0.1")),
            PolicyDecision::kNotApplicable);
  EXPECT_EQ(Decide(policy, Caller(kOther), "SendMessage", Context("2001:db8::5")),
            PolicyDecision::kAllow);
  EXPECT_EQ(Decide(policy, Caller(kOther), "SendMessage", Context("::ffff:10.1.0.9")),
            PolicyDecision::kAllow);
}

TEST(AccessPolicyTest, NotIpAddressConditionExcludesCidr) {
  const std::string policy =
      AllowOther(R"(,"Condition":{"NotIpAddress":{"aws:SourceIp":"192.168.0.0/24"}})");
  EXPECT_EQ(Decide(policy, Caller(kOther), "SendMessage", Context("192.168.0.9")),
            PolicyDecision::kNotApplicable);
  EXPECT_EQ(Decide(policy, Caller(kOther), "SendMessage", Context("192.168.1.9")),
            PolicyDecision::kAllow);
}

TEST(AccessPolicyTest, SecureTransportCondition) {
  const std::string policy = Policy(
      R"({"Effect":"Deny","Principal":"*","Action":"sqs:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}})");
  EXPECT_EQ(Decide(policy, Caller(kOwner), "SendMessage", Context("10.0.0.1", false)),
            PolicyDecision::kDeny);
  EXPECT_EQ(Decide(policy, Caller(kOwner), "SendMessage", Context("10.0.0.1", true)),
            PolicyDecision::kNotApplicable);
}

TEST(AccessPolicyTest, CurrentTimeConditions) {
  const std::string window = AllowOther(
      R"(,"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2026-05-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2026-06-01"}})");
  const auto at = [](const char* iso_day_time) {
    std::tm tm{};
    strptime(iso_day_time, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return Context("10.0.0.1", false, std::chrono::system_clock::from_time_t(timegm(&tm)));
  };
  EXPECT_EQ(Decide(window, Caller(kOther), "SendMessage", at("2026-05-28T12:00:00Z")),
            PolicyDecision::kAllow);
  EXPECT_EQ(Decide(window, Caller(kOther), "SendMessage", at("2026-04-30T23:59:59Z")),
            PolicyDecision::kNotApplicable);
  EXPECT_EQ(Decide(window, Caller(kOther), "SendMessage", at("2026-06-01T00:00:01Z")),
            PolicyDecision::kNotApplicable);
}

TEST(AccessPolicyTest, DenyWinsOverAllow) {
  const std::string policy = Policy(R"({"Effect":"Allow","Principal":"*","Action":"sqs:*"},
                {"Effect":"Deny","Principal":{"AWS":"222222222222"},"Action":"sqs:PurgeQueue"})");
  EXPECT_EQ(Decide(policy, Caller(kOther), "PurgeQueue"), PolicyDecision::kDeny);
  EXPECT_EQ(Decide(policy, Caller(kOther), "SendMessage"), PolicyDecision::kAllow);
}

TEST(WildcardMatchTest, StarAndQuestionMark) {
  EXPECT_TRUE(WildcardMatch("*", ""));
  EXPECT_TRUE(WildcardMatch("a*c", "abbbc"));
  EXPECT_TRUE(WildcardMatch("a?c", "abc"));
  EXPECT_FALSE(WildcardMatch("a?c", "ac"));
  EXPECT_FALSE(WildcardMatch("abc", "abcd"));
  EXPECT_TRUE(WildcardMatch("*:orders", "arn:aws:sqs:r:1:orders"));
}

// ---- PolicyAuthorizer: the decision rules ----

class PolicyAuthorizerTest : public ::testing::Test {
 protected:
  Status Authorize(const AuthenticatedCaller& caller, const std::string& policy,
                   const std::string& action = "SendMessage",
                   const std::string& queue_arn = kQueueArn) {
    return authorizer_.Authorize(caller, action, queue_arn, policy, Context());
  }
  static bool IsAccessDenied(const Status& status) {
    std::string message;
    return SqsErrorCodeOf(status, &message) == SqsErrorCode::kAccessDenied;
  }
  PolicyAuthorizer authorizer_{kOwner};
};

TEST_F(PolicyAuthorizerTest, OwnerAccountIsAllowedWithoutPolicy) {
  EXPECT_TRUE(Authorize(Caller(kOwner), "").ok());
}

TEST_F(PolicyAuthorizerTest, OtherAccountIsDeniedWithoutAllow) {
  const Status status = Authorize(Caller(kOther), "");
  EXPECT_TRUE(IsAccessDenied(status)) << status.ToString();
  EXPECT_NE(status.message().find("is not authorized to perform: sqs:SendMessage"),
            std::string::npos);
}

TEST_F(PolicyAuthorizerTest, OtherAccountIsAllowedByAllowStatement) {
  EXPECT_TRUE(Authorize(Caller(kOther), AllowOther()).ok());
  EXPECT_TRUE(IsAccessDenied(Authorize(Caller(kOther), AllowOther(), "PurgeQueue")));
}

TEST_F(PolicyAuthorizerTest, ExplicitDenyWinsEvenForOwner) {
  const std::string policy =
      Policy(R"({"Effect":"Deny","Principal":"*","Action":"sqs:DeleteQueue"})");
  EXPECT_TRUE(IsAccessDenied(Authorize(Caller(kOwner), policy, "DeleteQueue")));
  EXPECT_TRUE(Authorize(Caller(kOwner), policy, "SendMessage").ok());
}

TEST_F(PolicyAuthorizerTest, AccountLevelActionsBelongToTheServerAccount) {
  EXPECT_TRUE(Authorize(Caller(kOwner), "", "ListQueues", "").ok());
  EXPECT_TRUE(IsAccessDenied(Authorize(Caller(kOther), "", "CreateQueue", "")));
}

TEST_F(PolicyAuthorizerTest, AddPermissionStatementGrantsTheAccount) {
  // The statement AddPermission writes (Label, account, "SQS:<Action>").
  const std::string policy =
      R"({"Version":"2012-10-17","Id":"arn:aws:sqs:us-east-1:111111111111:orders/SQSDefaultPolicy",
          "Statement":[{"Sid":"grant","Effect":"Allow",
          "Principal":{"AWS":"arn:aws:iam::222222222222:root"},
          "Action":["SQS:SendMessage","SQS:ReceiveMessage"],"Resource":")" +
      std::string(kQueueArn) + "\"}]}";
  EXPECT_TRUE(Authorize(Caller(kOther), policy, "ReceiveMessage").ok());
  EXPECT_TRUE(IsAccessDenied(Authorize(Caller(kOther), policy, "DeleteMessage")));
}

}  // namespace
}  // namespace roadsense::queue
