#include "queue/sigv4_authenticator.h"

#include <utility>

#include "queue/sqs_error.h"

namespace roadsense::queue {
namespace {

sqs::SigV4VerifierOptions VerifierOptions(std::string region) {
  sqs::SigV4VerifierOptions options;
  options.region = std::move(region);
  options.service = "sqs";
  return options;
}

}  // namespace

SigV4Authenticator::SigV4Authenticator(std::string credentials_path, std::string region)
    : credentials_path_(std::move(credentials_path)),
      verifier_(VerifierOptions(std::move(region))),
      keys_(std::make_shared<const CredentialsFile>()) {}

Status SigV4Authenticator::Reload(std::string* warning) {
  auto file = CredentialsFile::Load(credentials_path_, warning);
  if (!file.ok()) return file.status();
  keys_.store(std::make_shared<const CredentialsFile>(std::move(file).value()));
  return Status::Ok();
}

size_t SigV4Authenticator::key_count() const { return keys_.load()->size(); }

Result<AuthenticatedCaller> SigV4Authenticator::Authenticate(
    const net::HttpRequest& request, std::chrono::system_clock::time_point now) const {
  // The verifier's statuses already carry the SQS error shape ("SignatureDoesNotMatch: ...").
  auto claim = verifier_.Parse(request);
  if (!claim.ok()) return claim.status();
  const std::shared_ptr<const CredentialsFile> keys = keys_.load();
  const AccessKey* key = keys->Find(claim->access_key_id);
  if (key == nullptr) {
    return SqsError(SqsErrorCode::kInvalidClientTokenId,
                    "The security token included in the request is invalid.");
  }
  RS_RETURN_IF_ERROR(verifier_.Verify(request, *claim, key->secret_access_key, now));
  return AuthenticatedCaller{key->access_key_id, key->account_id, key->PrincipalArn()};
}

}  // namespace roadsense::queue
