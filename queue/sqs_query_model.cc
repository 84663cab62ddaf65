// The SQS Query protocol's shapes: which request members are lists and maps, how each is
// flattened and what its wire name is. Derived from the sqs 2012-11-05 service model of botocore
// 1.29 (Debian 12's python3-botocore, the Query-era model), documentation dropped, plus the
// shapes added in 2023-2024 (StartMessageMoveTask, CancelMessageMoveTask, ListMessageMoveTasks,
// ReceiveMessage's MessageSystemAttributeNames). Format: see sqs_query_model.h.
#include "queue/sqs_query_model.h"

namespace roadsense::queue {
namespace {

// clang-format off
constexpr const char kModel[] = R"json(
{"operations":{
"AddPermission":["AddPermissionRequest",null],
"CancelMessageMoveTask":["CancelMessageMoveTaskRequest","CancelMessageMoveTaskResult"],
"ChangeMessageVisibility":["ChangeMessageVisibilityRequest",null],
"ChangeMessageVisibilityBatch":["ChangeMessageVisibilityBatchRequest","ChangeMessageVisibilityBatchResult"],
"CreateQueue":["CreateQueueRequest","CreateQueueResult"],
"DeleteMessage":["DeleteMessageRequest",null],
"DeleteMessageBatch":["DeleteMessageBatchRequest","DeleteMessageBatchResult"],
"DeleteQueue":["DeleteQueueRequest",null],
"GetQueueAttributes":["GetQueueAttributesRequest","GetQueueAttributesResult"],
"GetQueueUrl":["GetQueueUrlRequest","GetQueueUrlResult"],
"ListDeadLetterSourceQueues":["ListDeadLetterSourceQueuesRequest","ListDeadLetterSourceQueuesResult"],
"ListMessageMoveTasks":["ListMessageMoveTasksRequest","ListMessageMoveTasksResult"],
"ListQueueTags":["ListQueueTagsRequest","ListQueueTagsResult"],
"ListQueues":["ListQueuesRequest","ListQueuesResult"],
"PurgeQueue":["PurgeQueueRequest",null],
"ReceiveMessage":["ReceiveMessageRequest","ReceiveMessageResult"],
"RemovePermission":["RemovePermissionRequest",null],
"SendMessage":["SendMessageRequest","SendMessageResult"],
"SendMessageBatch":["SendMessageBatchRequest","SendMessageBatchResult"],
"SetQueueAttributes":["SetQueueAttributesRequest",null],
"StartMessageMoveTask":["StartMessageMoveTaskRequest","StartMessageMoveTaskResult"],
"TagQueue":["TagQueueRequest",null],
"UntagQueue":["UntagQueueRequest",null]
},"shapes":{
"AWSAccountIdList":{"t":"list","m":["String","AWSAccountId",0],"f":1,"l":""},
"ActionNameList":{"t":"list","m":["String","ActionName",0],"f":1,"l":""},
"AddPermissionRequest":{"t":"structure","m":[["QueueUrl","String","",0],["Label","String","",0],["AWSAccountIds","AWSAccountIdList","",0],["Actions","ActionNameList","",0]],"r":["QueueUrl","Label","AWSAccountIds","Actions"]},
"AttributeNameList":{"t":"list","m":["QueueAttributeName","AttributeName",0],"f":1,"l":""},
"BatchResultErrorEntry":{"t":"structure","m":[["Id","String","",0],["SenderFault","Boolean","",0],["Code","String","",0],["Message","String","",0]]},
"BatchResultErrorEntryList":{"t":"list","m":["BatchResultErrorEntry","BatchResultErrorEntry",0],"f":1,"l":""},
"Binary":{"t":"blob"},
"BinaryList":{"t":"list","m":["Binary","BinaryListValue",0],"f":0,"l":""},
"Boolean":{"t":"boolean"},
"BoxedInteger":{"t":"integer"},
"CancelMessageMoveTaskRequest":{"t":"structure","m":[["TaskHandle","String","",0]],"r":["TaskHandle"]},
"CancelMessageMoveTaskResult":{"t":"structure","m":[["ApproximateNumberOfMessagesMoved","Long","",0]]},
"ChangeMessageVisibilityBatchRequest":{"t":"structure","m":[["QueueUrl","String","",0],["Entries","ChangeMessageVisibilityBatchRequestEntryList","",0]],"r":["QueueUrl","Entries"]},
"ChangeMessageVisibilityBatchRequestEntry":{"t":"structure","m":[["Id","String","",0],["ReceiptHandle","String","",0],["VisibilityTimeout","Integer","",0]]},
"ChangeMessageVisibilityBatchRequestEntryList":{"t":"list","m":["ChangeMessageVisibilityBatchRequestEntry","ChangeMessageVisibilityBatchRequestEntry",0],"f":1,"l":""},
"ChangeMessageVisibilityBatchResult":{"t":"structure","m":[["Successful","ChangeMessageVisibilityBatchResultEntryList","",0],["Failed","BatchResultErrorEntryList","",0]]},
"ChangeMessageVisibilityBatchResultEntry":{"t":"structure","m":[["Id","String","",0]]},
"ChangeMessageVisibilityBatchResultEntryList":{"t":"list","m":["ChangeMessageVisibilityBatchResultEntry","ChangeMessageVisibilityBatchResultEntry",0],"f":1,"l":""},
"ChangeMessageVisibilityRequest":{"t":"structure","m":[["QueueUrl","String","",0],["ReceiptHandle","String","",0],["VisibilityTimeout","Integer","",0]],"r":["QueueUrl","ReceiptHandle","VisibilityTimeout"]},
"CreateQueueRequest":{"t":"structure","m":[["QueueName","String","",0],["Attributes","QueueAttributeMap","Attribute",0],["tags","TagMap","Tag",0]],"r":["QueueName"]},
"CreateQueueResult":{"t":"structure","m":[["QueueUrl","String","",0]]},
"DeleteMessageBatchRequest":{"t":"structure","m":[["QueueUrl","String","",0],["Entries","DeleteMessageBatchRequestEntryList","",0]],"r":["QueueUrl","Entries"]},
"DeleteMessageBatchRequestEntry":{"t":"structure","m":[["Id","String","",0],["ReceiptHandle","String","",0]]},
"DeleteMessageBatchRequestEntryList":{"t":"list","m":["DeleteMessageBatchRequestEntry","DeleteMessageBatchRequestEntry",0],"f":1,"l":""},
"DeleteMessageBatchResult":{"t":"structure","m":[["Successful","DeleteMessageBatchResultEntryList","",0],["Failed","BatchResultErrorEntryList","",0]]},
"DeleteMessageBatchResultEntry":{"t":"structure","m":[["Id","String","",0]]},
"DeleteMessageBatchResultEntryList":{"t":"list","m":["DeleteMessageBatchResultEntry","DeleteMessageBatchResultEntry",0],"f":1,"l":""},
"DeleteMessageRequest":{"t":"structure","m":[["QueueUrl","String","",0],["ReceiptHandle","String","",0]],"r":["QueueUrl","ReceiptHandle"]},
"DeleteQueueRequest":{"t":"structure","m":[["QueueUrl","String","",0]],"r":["QueueUrl"]},
"GetQueueAttributesRequest":{"t":"structure","m":[["QueueUrl","String","",0],["AttributeNames","AttributeNameList","",0]],"r":["QueueUrl"]},
"GetQueueAttributesResult":{"t":"structure","m":[["Attributes","QueueAttributeMap","Attribute",0]]},
"GetQueueUrlRequest":{"t":"structure","m":[["QueueName","String","",0],["QueueOwnerAWSAccountId","String","",0]],"r":["QueueName"]},
"GetQueueUrlResult":{"t":"structure","m":[["QueueUrl","String","",0]]},
"Integer":{"t":"integer"},
"ListDeadLetterSourceQueuesRequest":{"t":"structure","m":[["QueueUrl","String","",0],["NextToken","Token","",0],["MaxResults","BoxedInteger","",0]],"r":["QueueUrl"]},
"ListDeadLetterSourceQueuesResult":{"t":"structure","m":[["queueUrls","QueueUrlList","",0],["NextToken","Token","",0]]},
"ListMessageMoveTasksRequest":{"t":"structure","m":[["SourceArn","String","",0],["MaxResults","NullableInteger","",0]],"r":["SourceArn"]},
"ListMessageMoveTasksResult":{"t":"structure","m":[["Results","ListMessageMoveTasksResultEntryList","ListMessageMoveTasksResultEntry",0]]},
"ListMessageMoveTasksResultEntry":{"t":"structure","m":[["TaskHandle","String","",0],["Status","String","",0],["SourceArn","String","",0],["DestinationArn","String","",0],["MaxNumberOfMessagesPerSecond","NullableInteger","",0],["ApproximateNumberOfMessagesMoved","Long","",0],["ApproximateNumberOfMessagesToMove","NullableLong","",0],["FailureReason","String","",0],["StartedTimestamp","Long","",0]]},
"ListMessageMoveTasksResultEntryList":{"t":"list","m":["ListMessageMoveTasksResultEntry","ListMessageMoveTasksResultEntry",0],"f":1,"l":""},
"ListQueueTagsRequest":{"t":"structure","m":[["QueueUrl","String","",0]],"r":["QueueUrl"]},
"ListQueueTagsResult":{"t":"structure","m":[["Tags","TagMap","Tag",0]]},
"ListQueuesRequest":{"t":"structure","m":[["QueueNamePrefix","String","",0],["NextToken","Token","",0],["MaxResults","BoxedInteger","",0]]},
"ListQueuesResult":{"t":"structure","m":[["QueueUrls","QueueUrlList","",0],["NextToken","Token","",0]]},
"Long":{"t":"long"},
"Message":{"t":"structure","m":[["MessageId","String","",0],["ReceiptHandle","String","",0],["MD5OfBody","String","",0],["Body","String","",0],["Attributes","MessageSystemAttributeMap","Attribute",0],["MD5OfMessageAttributes","String","",0],["MessageAttributes","MessageBodyAttributeMap","MessageAttribute",0]]},
"MessageAttributeName":{"t":"string"},
"MessageAttributeNameList":{"t":"list","m":["MessageAttributeName","MessageAttributeName",0],"f":1,"l":""},
"MessageAttributeValue":{"t":"structure","m":[["StringValue","String","",0],["BinaryValue","Binary","",0],["StringListValues","StringList","StringListValue",1],["BinaryListValues","BinaryList","BinaryListValue",1],["DataType","String","",0]]},
"MessageBodyAttributeMap":{"t":"map","k":["String","Name",0],"v":["MessageAttributeValue","Value",0],"f":1,"l":""},
"MessageBodySystemAttributeMap":{"t":"map","k":["MessageSystemAttributeNameForSends","Name",0],"v":["MessageSystemAttributeValue","Value",0],"f":1,"l":""},
"MessageList":{"t":"list","m":["Message","Message",0],"f":1,"l":""},
"MessageSystemAttributeList":{"t":"list","m":["MessageSystemAttributeName","AttributeName",0],"f":1,"l":""},
"MessageSystemAttributeMap":{"t":"map","k":["MessageSystemAttributeName","Name",0],"v":["String","Value",0],"f":1,"l":"Attribute"},
"MessageSystemAttributeName":{"t":"string"},
"MessageSystemAttributeNameForSends":{"t":"string"},
"MessageSystemAttributeValue":{"t":"structure","m":[["StringValue","String","",0],["BinaryValue","Binary","",0],["StringListValues","StringList","StringListValue",1],["BinaryListValues","BinaryList","BinaryListValue",1],["DataType","String","",0]]},
"NullableInteger":{"t":"integer"},
"NullableLong":{"t":"long"},
"PurgeQueueRequest":{"t":"structure","m":[["QueueUrl","String","",0]],"r":["QueueUrl"]},
"QueueAttributeMap":{"t":"map","k":["QueueAttributeName","Name",0],"v":["String","Value",0],"f":1,"l":"Attribute"},
"QueueAttributeName":{"t":"string"},
"QueueUrlList":{"t":"list","m":["String","QueueUrl",0],"f":1,"l":""},
"ReceiveMessageRequest":{"t":"structure","m":[["QueueUrl","String","",0],["AttributeNames","AttributeNameList","",0],["MessageSystemAttributeNames","MessageSystemAttributeList","",0],["MessageAttributeNames","MessageAttributeNameList","",0],["MaxNumberOfMessages","Integer","",0],["VisibilityTimeout","Integer","",0],["WaitTimeSeconds","Integer","",0],["ReceiveRequestAttemptId","String","",0]],"r":["QueueUrl"]},
"ReceiveMessageResult":{"t":"structure","m":[["Messages","MessageList","",0]]},
"RemovePermissionRequest":{"t":"structure","m":[["QueueUrl","String","",0],["Label","String","",0]],"r":["QueueUrl","Label"]},
"SendMessageBatchRequest":{"t":"structure","m":[["QueueUrl","String","",0],["Entries","SendMessageBatchRequestEntryList","",0]],"r":["QueueUrl","Entries"]},
"SendMessageBatchRequestEntry":{"t":"structure","m":[["Id","String","",0],["MessageBody","String","",0],["DelaySeconds","Integer","",0],["MessageAttributes","MessageBodyAttributeMap","MessageAttribute",0],["MessageSystemAttributes","MessageBodySystemAttributeMap","MessageSystemAttribute",0],["MessageDeduplicationId","String","",0],["MessageGroupId","String","",0]]},
"SendMessageBatchRequestEntryList":{"t":"list","m":["SendMessageBatchRequestEntry","SendMessageBatchRequestEntry",0],"f":1,"l":""},
"SendMessageBatchResult":{"t":"structure","m":[["Successful","SendMessageBatchResultEntryList","",0],["Failed","BatchResultErrorEntryList","",0]]},
"SendMessageBatchResultEntry":{"t":"structure","m":[["Id","String","",0],["MessageId","String","",0],["MD5OfMessageBody","String","",0],["MD5OfMessageAttributes","String","",0],["MD5OfMessageSystemAttributes","String","",0],["SequenceNumber","String","",0]]},
"SendMessageBatchResultEntryList":{"t":"list","m":["SendMessageBatchResultEntry","SendMessageBatchResultEntry",0],"f":1,"l":""},
"SendMessageRequest":{"t":"structure","m":[["QueueUrl","String","",0],["MessageBody","String","",0],["DelaySeconds","Integer","",0],["MessageAttributes","MessageBodyAttributeMap","MessageAttribute",0],["MessageSystemAttributes","MessageBodySystemAttributeMap","MessageSystemAttribute",0],["MessageDeduplicationId","String","",0],["MessageGroupId","String","",0]],"r":["QueueUrl","MessageBody"]},
"SendMessageResult":{"t":"structure","m":[["MD5OfMessageBody","String","",0],["MD5OfMessageAttributes","String","",0],["MD5OfMessageSystemAttributes","String","",0],["MessageId","String","",0],["SequenceNumber","String","",0]]},
"SetQueueAttributesRequest":{"t":"structure","m":[["QueueUrl","String","",0],["Attributes","QueueAttributeMap","Attribute",0]],"r":["QueueUrl","Attributes"]},
"StartMessageMoveTaskRequest":{"t":"structure","m":[["SourceArn","String","",0],["DestinationArn","String","",0],["MaxNumberOfMessagesPerSecond","NullableInteger","",0]],"r":["SourceArn"]},
"StartMessageMoveTaskResult":{"t":"structure","m":[["TaskHandle","String","",0]]},
"String":{"t":"string"},
"StringList":{"t":"list","m":["String","StringListValue",0],"f":0,"l":""},
"TagKey":{"t":"string"},
"TagKeyList":{"t":"list","m":["TagKey","TagKey",0],"f":1,"l":""},
"TagMap":{"t":"map","k":["TagKey","Key",0],"v":["TagValue","Value",0],"f":1,"l":"Tag"},
"TagQueueRequest":{"t":"structure","m":[["QueueUrl","String","",0],["Tags","TagMap","",0]],"r":["QueueUrl","Tags"]},
"TagValue":{"t":"string"},
"Token":{"t":"string"},
"UntagQueueRequest":{"t":"structure","m":[["QueueUrl","String","",0],["TagKeys","TagKeyList","",0]],"r":["QueueUrl","TagKeys"]}
}}
)json";
// clang-format on

}  // namespace

const boost::json::object& SqsQueryModel() {
  static const boost::json::object model = boost::json::parse(kModel).as_object();
  return model;
}

}  // namespace roadsense::queue
