#include "queue/wal_keyring.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "core/base64.h"
#include "core/text_lines.h"

namespace roadsense::queue {
namespace {

bool IsKeyIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 64 hex digits or padded base64, either of exactly 32 bytes.
std::optional<std::string> DecodeKey(std::string_view text) {
  if (text.size() == 2 * WalKeyring::kKeyBytes) {
    std::string key;
    for (size_t i = 0; i < text.size(); i += 2) {
      const int hi = HexValue(text[i]), lo = HexValue(text[i + 1]);
      if (hi < 0 || lo < 0) {
        key.clear();
        break;
      }
      key.push_back(static_cast<char>(hi * 16 + lo));
    }
    if (key.size() == WalKeyring::kKeyBytes) return key;
  }
  auto key = Base64Decode(text);
  if (key && key->size() == WalKeyring::kKeyBytes) return key;
  return std::nullopt;
}

}  // namespace

Result<WalKeyring> WalKeyring::Parse(std::string_view text) {
  WalKeyring ring;
  RS_RETURN_IF_ERROR(ForEachLine(text, [&ring](size_t line_no, std::string_view line) {
    std::vector<std::string_view> fields = SplitFields(line);
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].front() == '#') {
        fields.resize(i);
        break;
      }
    }
    if (fields.empty()) return Status::Ok();
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (fields.size() < 2 || fields.size() > 3 || (fields.size() == 3 && fields[2] != "current")) {
      return InvalidArgument(where + "expected `key_id key [current]`");
    }
    const std::string_view id = fields[0];
    bool id_ok = !id.empty() && id.size() <= 64;
    for (char c : id) id_ok = id_ok && IsKeyIdChar(c);
    if (!id_ok) return InvalidArgument(where + "key id must be 1..64 characters of [A-Za-z0-9_.-]");
    auto key = DecodeKey(fields[1]);
    if (!key) {
      return InvalidArgument(where + "key must be 32 bytes: 64 hex digits or padded base64");
    }
    if (ring.keys_.contains(id)) {
      return InvalidArgument(where + "key id " + std::string(id) + " appears twice");
    }
    if (fields.size() == 3) {
      if (!ring.current_.empty()) {
        return InvalidArgument(where + "more than one key is marked current");
      }
      ring.current_ = std::string(id);
    }
    ring.keys_.emplace(std::string(id), std::move(*key));
    return Status::Ok();
  }));
  if (ring.keys_.empty()) return InvalidArgument("no keys");
  if (ring.current_.empty()) return InvalidArgument("no key is marked current");
  return ring;
}

Result<WalKeyring> WalKeyring::Load(const std::string& path, std::string* warning) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  auto ring = Parse(text.str());
  if (!ring.ok()) return InvalidArgument(path + ": " + ring.status().message());
  struct stat st {};
  if (warning != nullptr && ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
    *warning = path + " holds encryption keys but is readable by every user; chmod 600 it";
  }
  return ring;
}

const std::string* WalKeyring::Find(std::string_view key_id) const {
  const auto it = keys_.find(key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace roadsense::queue
