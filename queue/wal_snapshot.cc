#include "queue/wal_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/digest.h"
#include "queue/wal_format.h"
#include "queue/wal_segment_name.h"
#include "queue/wal_writer.h"

namespace roadsense::queue {
namespace {

constexpr std::string_view kMagic = "RSQSNAP2";

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    const auto b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t LoadFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("write " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<WalSnapshot> Decode(const std::string& path, std::string_view data) {
  auto bad = [&](const std::string& why) { return Corruption("snapshot " + path + ": " + why); };
  if (data.size() < kMagic.size() + 8 || data.substr(0, kMagic.size()) != kMagic) {
    return bad("bad header");
  }
  const uint32_t crc = LoadFixed32(data.data() + kMagic.size());
  const uint32_t length = LoadFixed32(data.data() + kMagic.size() + 4);
  std::string_view payload = data.substr(kMagic.size() + 8);
  if (payload.size() != length) return bad("length mismatch");
  if (MaskCrc(Crc32c(payload.data(), payload.size())) != crc) return bad("checksum mismatch");
  WalSnapshot snapshot;
  uint64_t count = 0;
  if (!GetVarint(&payload, &snapshot.sequence) || !GetVarint(&payload, &count)) {
    return bad("malformed payload");
  }
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t n = 0, modified = 0;
    if (!GetVarint(&payload, &n) || n > payload.size()) return bad("malformed queue");
    auto record = DecodeWalPayload(WalRecordType::kCreateQueue, payload.substr(0, n));
    payload.remove_prefix(n);
    if (!record.ok() || !GetVarint(&payload, &modified)) return bad("malformed queue");
    snapshot.queues.push_back(
        {std::get<CreateQueueRecord>(std::move(*record)), static_cast<int64_t>(modified)});
  }
  if (!payload.empty()) return bad("trailing bytes");
  return snapshot;
}

}  // namespace

Status WriteWalSnapshot(const std::string& dir, const WalSnapshot& snapshot) {
  std::string payload;
  PutVarint(&payload, snapshot.sequence);
  PutVarint(&payload, snapshot.queues.size());
  std::string create;
  for (const QueueDefinition& q : snapshot.queues) {
    create.clear();
    EncodeWalPayload(q.create, &create);
    PutVarint(&payload, create.size());
    payload += create;
    PutVarint(&payload, static_cast<uint64_t>(q.modified_ms));
  }
  std::string data(kMagic);
  PutFixed32(&data, MaskCrc(Crc32c(payload.data(), payload.size())));
  PutFixed32(&data, static_cast<uint32_t>(payload.size()));
  data += payload;

  const std::string path = dir + "/" + WalSnapshotName(snapshot.sequence);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("open " + tmp + ": " + std::strerror(errno));
  Status s = WriteAll(fd, data, tmp);
  if (s.ok() && ::fdatasync(fd) != 0) s = IoError("fdatasync " + tmp + ": " + std::strerror(errno));
  ::close(fd);
  if (!s.ok()) return s;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return IoError("rename " + tmp + ": " + std::strerror(errno));
  }
  return SyncDirectory(dir);
}

Result<std::optional<WalSnapshot>> ReadLatestWalSnapshot(const std::string& dir) {
  std::optional<uint64_t> latest;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (auto n = ParseWalSnapshotName(entry.path().filename().string())) {
      if (!latest || *n > *latest) latest = n;
    }
  }
  if (ec) return IoError("list " + dir + ": " + ec.message());
  if (!latest) return std::optional<WalSnapshot>();
  const std::string path = dir + "/" + WalSnapshotName(*latest);
  std::string data;
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError("open " + path + ": " + std::strerror(errno));
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return IoError("read " + path + ": " + std::strerror(errno));
      }
      if (n == 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
  }
  auto snapshot = Decode(path, data);
  if (!snapshot.ok()) return snapshot.status();
  if (snapshot->sequence != *latest) return Corruption("snapshot " + path + ": sequence mismatch");
  return std::optional<WalSnapshot>(std::move(*snapshot));
}

Status RemoveWalSnapshotsBefore(const std::string& dir, uint64_t sequence) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (auto n = ParseWalSnapshotName(entry.path().filename().string()); n && *n < sequence) {
      std::filesystem::remove(entry.path(), ec);
      if (ec) return IoError("remove " + entry.path().string() + ": " + ec.message());
    }
  }
  if (ec) return IoError("list " + dir + ": " + ec.message());
  return Status::Ok();
}

}  // namespace roadsense::queue
