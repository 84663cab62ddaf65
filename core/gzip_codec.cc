#include "core/gzip_codec.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>

namespace roadsense {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 15-bit window, gzip wrapper only
constexpr size_t kChunk = 64 << 10;

// zlib counts in uInt; feed it at most this much per call.
constexpr size_t kMaxZlibInput = 1u << 30;

}  // namespace

Result<std::string> GzipDecompress(std::string_view compressed, size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK) return Internal("inflateInit2 failed");
  if (compressed.size() > kMaxZlibInput) {
    inflateEnd(&zs);
    return Status(StatusCode::kResourceExhausted, "gzip body too large");
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());

  std::string out;
  Status status;
  for (;;) {
    // Grow the output by one chunk, but never past max_bytes + 1: one byte beyond the limit is
    // enough to know the limit was crossed.
    const size_t room = std::min(kChunk, max_bytes + 1 - out.size());
    const size_t old_size = out.size();
    out.resize(old_size + room);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(old_size + room - zs.avail_out);
    if (out.size() > max_bytes) {
      status = Status(StatusCode::kResourceExhausted,
                      "gzip body inflates to more than " + std::to_string(max_bytes) + " bytes");
      break;
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows.
      if (inflateReset(&zs) != Z_OK) {
        status = Internal("inflateReset failed");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      status = InvalidArgument("gzip body is truncated");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status = InvalidArgument(std::string("gzip body is corrupt: ") +
                               (zs.msg != nullptr ? zs.msg : "inflate failed"));
      break;
    }
  }
  inflateEnd(&zs);
  if (!status.ok()) return status;
  return out;
}

std::string GzipCompress(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace roadsense
