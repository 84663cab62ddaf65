#include "queue/wal_body_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "queue/wal_reader.h"
#include "queue/wal_record.h"
#include "queue/wal_segment_name.h"

namespace roadsense::queue {

struct WalBodyReader::OpenFile {
  explicit OpenFile(int f) : fd(f) {}
  ~OpenFile() { ::close(fd); }
  const int fd;
};

Result<std::shared_ptr<WalBodyReader::OpenFile>> WalBodyReader::Open(uint64_t segment) {
  std::lock_guard lock(mu_);
  if (auto it = files_.find(segment); it != files_.end()) return it->second;
  const std::string path = dir_ + "/" + WalSegmentName(segment);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("open " + path + ": " + std::strerror(errno));
  // Readers still using a dropped descriptor keep it alive through their shared_ptr.
  if (files_.size() >= kMaxOpenSegments) files_.clear();
  auto file = std::make_shared<OpenFile>(fd);
  files_.emplace(segment, file);
  return file;
}

void WalBodyReader::Forget(uint64_t segment) {
  std::shared_ptr<OpenFile> closing;  // closed outside the lock
  std::lock_guard lock(mu_);
  if (auto it = files_.find(segment); it != files_.end()) {
    closing = std::move(it->second);
    files_.erase(it);
  }
}

Result<std::string> WalBodyReader::ReadBody(const WalLocation& location, const MessageId& id) {
  const std::string where = "WAL segment " + WalSegmentName(location.segment) + " at offset " +
                            std::to_string(location.offset);
  if (!location.known() || location.length < kWalHeaderBytes) {
    return Internal("no log location for the body of message " + id.ToString());
  }
  auto file = Open(location.segment);
  if (!file.ok()) return file.status();
  std::string data(location.length, '\0');
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pread((*file)->fd, data.data() + done, data.size() - done,
                              static_cast<off_t>(location.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("pread " + where + ": " + std::strerror(errno));
    if (n == 0) return Corruption(where + ": record runs past the end of the file");
    done += static_cast<size_t>(n);
  }
  std::string reason;
  if (WalReader::CheckRecord(data, 0, location.sequence, &reason) != WalReader::Check::kValid) {
    return Corruption(where + ": " + reason);
  }
  const auto type = static_cast<WalRecordType>(data[8]);
  if (type != WalRecordType::kSend && type != WalRecordType::kEncryptedSend) {
    return Corruption(where + ": record type " + std::to_string(static_cast<int>(type)) +
                      " is not a Send");
  }
  uint32_t length = 0;
  for (int i = 3; i >= 0; --i) length = (length << 8) | static_cast<uint8_t>(data[4 + i]);
  if (length + kWalHeaderBytes != location.length) {
    return Corruption(where + ": record length differs from the message's");
  }
  const std::string_view payload = std::string_view(data).substr(kWalHeaderBytes);
  auto record = DecodeWalPayload(type, payload, cipher_);
  if (!record.ok()) return Status(record.status().code(), where + ": " + record.status().message());
  auto* send = std::get_if<SendRecord>(&*record);
  if (send == nullptr || send->message_id != id) {
    return Corruption(where + ": the record is not message " + id.ToString() + "'s");
  }
  reads_.fetch_add(1, std::memory_order_relaxed);
  return std::move(send->body);
}

}  // namespace roadsense::queue
