#include "queue/credentials_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/text_lines.h"

namespace roadsense::queue {
namespace {

// Blank-separated fields; a field starting with '#' starts a comment (a '#' inside a secret is
// kept).
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields = SplitFields(line);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].front() == '#') {
      fields.resize(i);
      break;
    }
  }
  return fields;
}

bool AllOf(std::string_view text, bool (*ok)(char)) {
  for (char c : text) {
    if (!ok(c)) return false;
  }
  return true;
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsKeyIdChar(char c) { return IsAlnum(c) || c == '_' || c == '-'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsPrintable(char c) { return c > ' ' && c < 127; }
// IAM user names: alphanumerics and +=,.@_-
bool IsUserNameChar(char c) {
  return IsAlnum(c) || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' ||
         c == '-';
}

// Empty when `fields` make a valid key, else what is wrong.
std::string Problem(const std::vector<std::string_view>& fields) {
  if (fields.size() != 4) {
    return "expected `access_key_id secret_access_key account_id user_name`, got " +
           std::to_string(fields.size()) + " fields";
  }
  const std::string_view id = fields[0], secret = fields[1], account = fields[2], user = fields[3];
  if (id.size() < 3 || id.size() > 128 || !AllOf(id, IsKeyIdChar)) {
    return "access key id must be 3..128 characters of [A-Za-z0-9_-]";
  }
  if (secret.size() < 8 || secret.size() > 256 || !AllOf(secret, IsPrintable)) {
    return "secret access key must be 8..256 printable ASCII characters without spaces";
  }
  if (account.size() != 12 || !AllOf(account, IsDigit)) return "account id must be 12 digits";
  if (user.empty() || user.size() > 64 || !AllOf(user, IsUserNameChar)) {
    return "user name must be 1..64 characters of [A-Za-z0-9+=,.@_-]";
  }
  return "";
}

}  // namespace

std::string AccessKey::PrincipalArn() const {
  return "arn:aws:iam::" + account_id + ":user/" + user_name;
}

Result<CredentialsFile> CredentialsFile::Parse(std::string_view text) {
  CredentialsFile file;
  RS_RETURN_IF_ERROR(ForEachLine(text, [&file](size_t line_no, std::string_view line) {
    const std::vector<std::string_view> fields = Fields(line);
    if (fields.empty()) return Status::Ok();
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (std::string problem = Problem(fields); !problem.empty()) {
      return InvalidArgument(where + problem);
    }
    AccessKey key{std::string(fields[0]), std::string(fields[1]), std::string(fields[2]),
                  std::string(fields[3])};
    if (file.keys_.contains(key.access_key_id)) {
      return InvalidArgument(where + "access key id " + key.access_key_id + " appears twice");
    }
    file.keys_.emplace(key.access_key_id, std::move(key));
    return Status::Ok();
  }));
  return file;
}

Result<CredentialsFile> CredentialsFile::Load(const std::string& path, std::string* warning) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  auto file = Parse(text.str());
  if (!file.ok()) return InvalidArgument(path + ": " + file.status().message());
  struct stat st {};
  if (warning != nullptr && ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
    *warning = path + " holds secret keys but is readable by every user (mode " +
               std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
               std::to_string(st.st_mode & 7) + "); chmod 600 it";
  }
  return file;
}

const AccessKey* CredentialsFile::Find(std::string_view access_key_id) const {
  const auto it = keys_.find(access_key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace roadsense::queue
