// SqsErrorCode: the SQS errors roadsense-queue returns, with their wire identity (shape name for
// `__type`, legacy code for `x-amzn-query-error`, HTTP status) from /work/shared/ref/sqs-api.md.
//
// Inside the server they travel as a roadsense::Status whose message starts with the shape name
// ("QueueDoesNotExist: The specified queue does not exist.") — the same convention SqsClient uses
// on the client side — so every layer keeps returning Status/Result<T>.
#pragma once

#include <string>

#include "core/status.h"

namespace roadsense::queue {

enum class SqsErrorCode {
  kQueueDoesNotExist,
  kQueueNameExists,
  kPurgeQueueInProgress,
  kBatchEntryIdsNotDistinct,
  kEmptyBatchRequest,
  kTooManyEntriesInBatchRequest,
  kInvalidBatchEntryId,
  kBatchRequestTooLong,
  kMessageNotInflight,
  kUnsupportedOperation,
  kReceiptHandleIsInvalid,
  kInvalidAttributeName,
  kInvalidAttributeValue,
  kInvalidIdFormat,
  kInvalidMessageContents,
  kOverLimit,
  kInvalidParameterValue,
  kMissingParameter,
  kInvalidAction,
  kInternalFailure,
  kServiceUnavailable,
  kQueueDeletedRecently,
  kRequestThrottled,
  kInvalidSecurity,
  kThrottling,
  kResourceNotFound,
  // Authentication and authorization (SigV4, queue policies).
  kAccessDenied,
  kInvalidClientTokenId,
  kSignatureDoesNotMatch,
  kIncompleteSignature,
  kRequestExpired,
  kMissingAuthenticationToken,
};

struct SqsErrorInfo {
  const char* shape;        // "QueueDoesNotExist": `__type` is "com.amazonaws.sqs#" + shape
  const char* legacy_code;  // "AWS.SimpleQueueService.NonExistentQueue"
  int http_status;
  bool sender_fault;  // ";Sender" vs ";Receiver" in x-amzn-query-error
};

const SqsErrorInfo& InfoOf(SqsErrorCode code);

// A Status carrying `code`: "<Shape>: <message>".
Status SqsError(SqsErrorCode code, const std::string& message);

// The SQS error a Status stands for: the shape prefix when there is one, else InternalFailure
// (kUnavailable: ServiceUnavailable). *message receives the text after the prefix.
SqsErrorCode SqsErrorCodeOf(const Status& status, std::string* message);

}  // namespace roadsense::queue
