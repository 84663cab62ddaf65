// CredentialsFile: the parsed `--credentials-file` of roadsense-queue — which SigV4 access keys
// exist, their secrets, and the account and user each belongs to. Format: queue/credentials_file.md
// (one `access_key_id secret_access_key account_id user_name` per line).
//
// Immutable after Parse(); safe to share between threads. Secrets are kept in clear because
// SigV4 verification needs them (HMAC), which is why Load() warns about readable files.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace roadsense::queue {

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;  // 12 digits
  std::string user_name;   // IAM user name; the principal is arn:aws:iam::<account>:user/<name>

  std::string PrincipalArn() const;
};

class CredentialsFile {
 public:
  // kInvalidArgument naming the line and the problem when `text` is not a valid file.
  static Result<CredentialsFile> Parse(std::string_view text);
  // Reads and parses `path` (kIoError when unreadable). When the file is readable by others than
  // its owner (mode & 0004) *warning says so; the load still succeeds.
  static Result<CredentialsFile> Load(const std::string& path, std::string* warning = nullptr);

  // The key called `access_key_id`, or nullptr.
  const AccessKey* Find(std::string_view access_key_id) const;
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, AccessKey, std::less<>> keys_;
};

}  // namespace roadsense::queue
