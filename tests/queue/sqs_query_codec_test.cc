// SqsQueryCodec on its own: the flattened encodings botocore's Query serializer produces, decoded
// into the JSON protocol's shapes, and outputs encoded as botocore's Query parser reads them.
#include "queue/sqs_query_codec.h"

#include <gtest/gtest.h>

namespace roadsense::queue {
namespace {

namespace json = boost::json;

FormParams Form(const std::string& text) {
  FormParams params;
  EXPECT_TRUE(ParseFormParams(text, &params).ok());
  return params;
}

TEST(FormParams, PercentDecodesAndTreatsPlusAsSpace) {
  auto p = Form("Action=SendMessage&MessageBody=a+b%20c%26d%3D&Empty=&Flag");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[1].second, "a b c&d=");
  EXPECT_EQ(p[2].second, "");
  EXPECT_EQ(p[3].first, "Flag");
  FormParams bad;
  EXPECT_FALSE(ParseFormParams("a=%zz", &bad).ok());
  EXPECT_FALSE(ParseFormParams("a=%4", &bad).ok());
}

TEST(SqsQueryCodec, DecodesBatchEntriesWithNestedAttributeMapsAndLists) {
  auto input = DecodeQueryInput(
      "SendMessageBatch",
      Form("Action=SendMessageBatch&Version=2012-11-05&QueueUrl=u"
           "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x"
           "&SendMessageBatchRequestEntry.1.DelaySeconds=5"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.2.Name=l"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.DataType=String"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.StringListValue.1=p"
           "&SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.StringListValue.2=q"
           "&SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Name=AWSTraceHeader"
           "&SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Value.DataType=String"
           "&SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Value.StringValue=t"
           "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=y"));
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  EXPECT_EQ(
      json::serialize(*input),
      R"({"QueueUrl":"u","Entries":[{"Id":"a","MessageBody":"x","DelaySeconds":5,)"
      R"("MessageAttributes":{"n":{"StringValue":"v","DataType":"String"},)"
      R"("l":{"StringListValues":["p","q"],"DataType":"String"}},)"
      R"("MessageSystemAttributes":{"AWSTraceHeader":{"StringValue":"t","DataType":"String"}}},)"
      R"({"Id":"b","MessageBody":"y"}]})");
}

TEST(SqsQueryCodec, DecodesAttributeNamesForBothReceiveMembers) {
  auto input = DecodeQueryInput("ReceiveMessage",
                                Form("QueueUrl=u&AttributeName.1=All&MessageAttributeName.1=a.*"
                                     "&MaxNumberOfMessages=10&WaitTimeSeconds=20"));
  ASSERT_TRUE(input.ok());
  EXPECT_EQ(json::serialize(*input),
            R"({"QueueUrl":"u","AttributeNames":["All"],"MessageSystemAttributeNames":["All"],)"
            R"("MessageAttributeNames":["a.*"],"MaxNumberOfMessages":10,"WaitTimeSeconds":20})");
}

TEST(SqsQueryCodec, DecodesTagsTagKeysAndPermissionLists) {
  auto create = DecodeQueryInput("CreateQueue", Form("QueueName=q&Attribute.1.Name=DelaySeconds"
                                                     "&Attribute.1.Value=1&Tag.1.Key=k"
                                                     "&Tag.1.Value=v"));
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(json::serialize(*create),
            R"({"QueueName":"q","Attributes":{"DelaySeconds":"1"},"tags":{"k":"v"}})");
  auto untag = DecodeQueryInput("UntagQueue", Form("QueueUrl=u&TagKey.1=a&TagKey.2=b"));
  ASSERT_TRUE(untag.ok());
  EXPECT_EQ(json::serialize(*untag), R"({"QueueUrl":"u","TagKeys":["a","b"]})");
  auto add = DecodeQueryInput("AddPermission", Form("QueueUrl=u&Label=l&AWSAccountId.1=1"
                                                    "&ActionName.1=SendMessage"));
  ASSERT_TRUE(add.ok());
  EXPECT_EQ(json::serialize(*add),
            R"({"QueueUrl":"u","Label":"l","AWSAccountIds":["1"],"Actions":["SendMessage"]})");
}

TEST(SqsQueryCodec, ListIndicesNeedNotBeContiguous) {
  auto input = DecodeQueryInput("UntagQueue", Form("QueueUrl=u&TagKey.3=c&TagKey.1=a"));
  ASSERT_TRUE(input.ok());
  EXPECT_EQ(json::serialize(*input), R"({"QueueUrl":"u","TagKeys":["a","c"]})");
}

TEST(SqsQueryCodec, MalformedNumberIsInvalidParameterValue) {
  auto input = DecodeQueryInput("ReceiveMessage", Form("QueueUrl=u&MaxNumberOfMessages=1x"));
  std::string message;
  EXPECT_EQ(SqsErrorCodeOf(input.status(), &message), SqsErrorCode::kInvalidParameterValue);
}

TEST(SqsQueryCodec, MapEntryWithoutKeyIsMissingParameter) {
  auto input = DecodeQueryInput("SetQueueAttributes", Form("QueueUrl=u&Attribute.1.Value=1"));
  std::string message;
  EXPECT_EQ(SqsErrorCodeOf(input.status(), &message), SqsErrorCode::kMissingParameter);
}

TEST(SqsQueryCodec, EncodesReceiveMessageAsBotocoreReadsIt) {
  auto output =
      json::parse(R"({"Messages":[{"MessageId":"m","ReceiptHandle":"r","MD5OfBody":"d",)"
                  R"("Body":"a<b\r","Attributes":{"SenderId":"s"},"MD5OfMessageAttributes":"e",)"
                  R"("MessageAttributes":{"n":{"DataType":"String","StringValue":"v"}}}]})")
          .as_object();
  EXPECT_EQ(EncodeQueryResponse("ReceiveMessage", output, "id"),
            "<?xml version=\"1.0\"?><ReceiveMessageResponse "
            "xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><ReceiveMessageResult><Message>"
            "<MessageId>m</MessageId><ReceiptHandle>r</ReceiptHandle><MD5OfBody>d</MD5OfBody>"
            "<Body>a&lt;b&#xD;</Body><Attribute><Name>SenderId</Name><Value>s</Value></Attribute>"
            "<MD5OfMessageAttributes>e</MD5OfMessageAttributes><MessageAttribute><Name>n</Name>"
            "<Value><StringValue>v</StringValue><DataType>String</DataType></Value>"
            "</MessageAttribute></Message></ReceiveMessageResult><ResponseMetadata><RequestId>id"
            "</RequestId></ResponseMetadata></ReceiveMessageResponse>");
}

TEST(SqsQueryCodec, ActionWithoutOutputHasNoResultElement) {
  EXPECT_EQ(EncodeQueryResponse("DeleteQueue", {}, "id"),
            "<?xml version=\"1.0\"?><DeleteQueueResponse "
            "xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><ResponseMetadata><RequestId>id"
            "</RequestId></ResponseMetadata></DeleteQueueResponse>");
}

TEST(SqsQueryCodec, ErrorCarriesTypeLegacyCodeMessageAndRequestId) {
  EXPECT_EQ(EncodeQueryError(InfoOf(SqsErrorCode::kQueueDoesNotExist), "gone", "id"),
            "<?xml version=\"1.0\"?><ErrorResponse "
            "xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>Sender</Type>"
            "<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>gone</Message><Detail/>"
            "</Error><RequestId>id</RequestId></ErrorResponse>");
  EXPECT_NE(EncodeQueryError(InfoOf(SqsErrorCode::kInternalFailure), "x", "id")
                .find("<Type>Receiver</Type>"),
            std::string::npos);
}

TEST(SqsQueryCodec, KnowsWhichMembersAreRequired) {
  EXPECT_EQ(MissingRequiredMember("SendMessage", json::parse(R"({"QueueUrl":"u"})").as_object()),
            "MessageBody");
  EXPECT_EQ(MissingRequiredMember(
                "SendMessage", json::parse(R"({"QueueUrl":"u","MessageBody":null})").as_object()),
            "MessageBody");
  EXPECT_EQ(MissingRequiredMember("SendMessage",
                                  json::parse(R"({"QueueUrl":"u","MessageBody":"x"})").as_object()),
            "");
  EXPECT_EQ(MissingRequiredMember("StartMessageMoveTask", {}), "SourceArn");
  EXPECT_EQ(MissingRequiredMember("ListQueues", {}), "");
}

TEST(SqsQueryCodec, KnowsAll23Actions) {
  int n = 0;
  for (const char* a : {"AddPermission",
                        "CancelMessageMoveTask",
                        "ChangeMessageVisibility",
                        "ChangeMessageVisibilityBatch",
                        "CreateQueue",
                        "DeleteMessage",
                        "DeleteMessageBatch",
                        "DeleteQueue",
                        "GetQueueAttributes",
                        "GetQueueUrl",
                        "ListDeadLetterSourceQueues",
                        "ListMessageMoveTasks",
                        "ListQueues",
                        "ListQueueTags",
                        "PurgeQueue",
                        "ReceiveMessage",
                        "RemovePermission",
                        "SendMessage",
                        "SendMessageBatch",
                        "SetQueueAttributes",
                        "StartMessageMoveTask",
                        "TagQueue",
                        "UntagQueue"}) {
    EXPECT_TRUE(IsSqsAction(a)) << a;
    ++n;
  }
  EXPECT_EQ(n, 23);
  EXPECT_FALSE(IsSqsAction("Frobnicate"));
}

}  // namespace
}  // namespace roadsense::queue
