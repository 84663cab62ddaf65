#include "receiver/message_packer.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>

#include "core/base64.h"
#include "schema/roadsense.pb.h"

namespace roadsense::receiver {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

constexpr uint32_t kUploadTag = WireFormatLite::MakeTag(v1::QueuedUploads::kUploadsFieldNumber,
                                                        WireFormatLite::WIRETYPE_LENGTH_DELIMITED);

}  // namespace

size_t PackedUploadBytes(size_t serialized_bytes) {
  return CodedOutputStream::VarintSize32(kUploadTag) +
         CodedOutputStream::VarintSize64(serialized_bytes) + serialized_bytes;
}

size_t PackedBodyBytesAlone(size_t serialized_bytes) {
  return Base64EncodedSize(PackedUploadBytes(serialized_bytes));
}

void AppendPackedUpload(std::string_view serialized, std::string* packed) {
  uint8_t prefix[5 + 10];  // the longest varint tag and length
  uint8_t* end = CodedOutputStream::WriteVarint32ToArray(kUploadTag, prefix);
  end = CodedOutputStream::WriteVarint64ToArray(serialized.size(), end);
  packed->append(reinterpret_cast<const char*>(prefix), static_cast<size_t>(end - prefix));
  packed->append(serialized);
}

bool MessagePacker::Add(size_t serialized_bytes) {
  const size_t packed = PackedUploadBytes(serialized_bytes);
  if (!entries_.empty()) {
    Entry& last = entries_.back();
    const size_t before = Base64EncodedSize(last.packed_bytes);
    const size_t after = Base64EncodedSize(last.packed_bytes + packed);
    if (after <= limits_.max_message_bytes &&
        body_bytes_ - before + after <= limits_.max_batch_bytes) {
      ++last.uploads;
      last.packed_bytes += packed;
      ++uploads_;
      body_bytes_ += after - before;
      return true;
    }
  }
  const size_t alone = Base64EncodedSize(packed);
  if (entries_.size() == limits_.max_entries || body_bytes_ + alone > limits_.max_batch_bytes) {
    return false;
  }
  entries_.push_back({1, packed});
  ++uploads_;
  body_bytes_ += alone;
  return true;
}

}  // namespace roadsense::receiver
