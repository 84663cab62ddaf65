#include "queue/sqs_error.h"

#include <array>
#include <string_view>

namespace roadsense::queue {
namespace {

constexpr std::array<SqsErrorInfo, 32> kInfos = {{
    {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400, true},
    {"QueueNameExists", "QueueAlreadyExists", 400, true},
    {"PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403, true},
    {"BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, true},
    {"EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400, true},
    {"TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
     true},
    {"InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400, true},
    {"BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400, true},
    {"MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400, true},
    {"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400, true},
    {"ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404, true},
    {"InvalidAttributeName", "InvalidAttributeName", 400, true},
    {"InvalidAttributeValue", "InvalidAttributeValue", 400, true},
    {"InvalidIdFormat", "InvalidIdFormat", 400, true},
    {"InvalidMessageContents", "InvalidMessageContents", 400, true},
    {"OverLimit", "OverLimit", 403, true},
    {"InvalidParameterValue", "InvalidParameterValue", 400, true},
    {"MissingParameter", "MissingParameter", 400, true},
    {"InvalidAction", "InvalidAction", 400, true},
    {"InternalFailure", "InternalFailure", 500, false},
    {"ServiceUnavailable", "ServiceUnavailable", 503, false},
    {"QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", 400, true},
    {"RequestThrottled", "RequestThrottled", 403, true},
    {"InvalidSecurity", "InvalidSecurity", 403, true},
    {"ThrottlingException", "ThrottlingException", 400, true},
    {"ResourceNotFoundException", "ResourceNotFoundException", 404, true},
    {"AccessDenied", "AccessDenied", 403, true},
    {"InvalidClientTokenId", "InvalidClientTokenId", 403, true},
    {"SignatureDoesNotMatch", "SignatureDoesNotMatch", 403, true},
    {"IncompleteSignature", "IncompleteSignature", 400, true},
    {"RequestExpired", "RequestExpired", 400, true},
    {"MissingAuthenticationToken", "MissingAuthenticationToken", 403, true},
}};

StatusCode StatusCodeFor(SqsErrorCode code) {
  switch (code) {
    case SqsErrorCode::kQueueDoesNotExist:
      return StatusCode::kNotFound;
    case SqsErrorCode::kQueueNameExists:
      return StatusCode::kAlreadyExists;
    case SqsErrorCode::kPurgeQueueInProgress:
    case SqsErrorCode::kOverLimit:
    case SqsErrorCode::kRequestThrottled:
    case SqsErrorCode::kThrottling:
      return StatusCode::kResourceExhausted;
    case SqsErrorCode::kResourceNotFound:
      return StatusCode::kNotFound;
    case SqsErrorCode::kAccessDenied:
    case SqsErrorCode::kInvalidSecurity:
      return StatusCode::kPermissionDenied;
    case SqsErrorCode::kInvalidClientTokenId:
    case SqsErrorCode::kSignatureDoesNotMatch:
    case SqsErrorCode::kIncompleteSignature:
    case SqsErrorCode::kRequestExpired:
    case SqsErrorCode::kMissingAuthenticationToken:
      return StatusCode::kUnauthenticated;
    case SqsErrorCode::kMessageNotInflight:
      return StatusCode::kFailedPrecondition;
    case SqsErrorCode::kInternalFailure:
      return StatusCode::kInternal;
    case SqsErrorCode::kServiceUnavailable:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInvalidArgument;
  }
}

}  // namespace

const SqsErrorInfo& InfoOf(SqsErrorCode code) { return kInfos[static_cast<size_t>(code)]; }

Status SqsError(SqsErrorCode code, const std::string& message) {
  return Status(StatusCodeFor(code), std::string(InfoOf(code).shape) + ": " + message);
}

SqsErrorCode SqsErrorCodeOf(const Status& status, std::string* message) {
  const std::string_view text = status.message();
  const size_t colon = text.find(": ");
  if (colon != std::string_view::npos) {
    const std::string_view shape = text.substr(0, colon);
    for (size_t i = 0; i < kInfos.size(); ++i) {
      if (shape == kInfos[i].shape) {
        *message = std::string(text.substr(colon + 2));
        return static_cast<SqsErrorCode>(i);
      }
    }
  }
  *message = std::string(text);
  return status.code() == StatusCode::kUnavailable ? SqsErrorCode::kServiceUnavailable
                                                   : SqsErrorCode::kInternalFailure;
}

}  // namespace roadsense::queue
