#include "db/pg_array.h"

#include <bit>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace roadsense::db {
namespace {

template <typename T, typename Append>
std::string Join(const std::vector<T>& values, Append append) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append(values[i], &out);
  }
  out += '}';
  return out;
}

template <typename N>
void AppendNumber(N value, std::string* out) {
  char buf[32];
  // std::to_chars gives the shortest text that parses back to the same double.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, end);
}

// Built-in type OIDs (pg_type.dat; fixed since forever): the element type array_recv checks.
constexpr uint32_t kInt2Oid = 21;
constexpr uint32_t kInt4Oid = 23;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kFloat8Oid = 701;
constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kTextOid = 25;

void AppendBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    *out += static_cast<char>((value >> shift) & 0xff);
  }
}

void AppendInt32(int64_t value, std::string* out) {
  AppendBigEndian(static_cast<uint32_t>(static_cast<int32_t>(value)), 4, out);
}

// Header of a one-dimensional array of `n` elements (array_send's layout): ndim, has-nulls flag,
// element type, then per dimension its length and lower bound. An empty array has no dimensions.
std::string BinaryArrayHeader(size_t n, bool has_null, uint32_t element_oid, size_t element_bytes) {
  std::string out;
  out.reserve(20 + n * (4 + element_bytes));
  AppendInt32(n == 0 ? 0 : 1, &out);
  AppendInt32(has_null ? 1 : 0, &out);
  AppendBigEndian(element_oid, 4, &out);
  if (n > 0) {
    if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      throw std::out_of_range("PgBinaryArray: too many elements");
    }
    AppendInt32(static_cast<int64_t>(n), &out);
    AppendInt32(1, &out);
  }
  return out;
}

struct IntLayout {
  uint32_t oid;
  int bytes;
  int64_t min;
  int64_t max;
};

IntLayout LayoutOf(PgIntType type) {
  switch (type) {
    case PgIntType::kSmallint:
      return {kInt2Oid, 2, std::numeric_limits<int16_t>::min(),
              std::numeric_limits<int16_t>::max()};
    case PgIntType::kInteger:
      return {kInt4Oid, 4, std::numeric_limits<int32_t>::min(),
              std::numeric_limits<int32_t>::max()};
    case PgIntType::kBigint:
      break;
  }
  return {kInt8Oid, 8, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
}

void AppendInt(int64_t value, const IntLayout& layout, std::string* out) {
  if (value < layout.min || value > layout.max) {
    throw std::out_of_range("PgBinaryArray: " + std::to_string(value) + " out of range");
  }
  AppendInt32(layout.bytes, out);
  AppendBigEndian(static_cast<uint64_t>(value), layout.bytes, out);
}

// Elements as length + raw bytes: bytea and text (textrecv reads the bytes as they are, in the
// client encoding, and checks them). `Element` is std::string or std::optional<std::string>.
const std::string* BytesOf(const std::string& v) { return &v; }
const std::string* BytesOf(const std::optional<std::string>& v) { return v ? &*v : nullptr; }

template <typename Element>
std::string BinaryVarlenaArray(const std::vector<Element>& values, uint32_t element_oid) {
  bool has_null = false;
  size_t bytes = 0;
  for (const auto& v : values) {
    const std::string* b = BytesOf(v);
    has_null = has_null || b == nullptr;
    if (b != nullptr) bytes += b->size();
  }
  std::string out = BinaryArrayHeader(values.size(), has_null, element_oid, 0);
  out.reserve(out.size() + 4 * values.size() + bytes);
  for (const auto& v : values) {
    const std::string* b = BytesOf(v);
    if (b == nullptr) {
      AppendInt32(-1, &out);
      continue;
    }
    if (b->size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      throw std::out_of_range("PgBinaryArray: element too large");
    }
    AppendInt32(static_cast<int64_t>(b->size()), &out);
    out += *b;
  }
  return out;
}

}  // namespace

std::string PgBinaryArray(const std::vector<int64_t>& values, PgIntType type) {
  const IntLayout layout = LayoutOf(type);
  std::string out = BinaryArrayHeader(values.size(), false, layout.oid, layout.bytes);
  for (int64_t v : values) AppendInt(v, layout, &out);
  return out;
}

std::string PgBinaryArray(const std::vector<std::optional<int64_t>>& values, PgIntType type) {
  const IntLayout layout = LayoutOf(type);
  bool has_null = false;
  for (const auto& v : values) has_null = has_null || !v;
  std::string out = BinaryArrayHeader(values.size(), has_null, layout.oid, layout.bytes);
  for (const auto& v : values) {
    if (v) {
      AppendInt(*v, layout, &out);
    } else {
      AppendInt32(-1, &out);  // NULL: length -1, no data
    }
  }
  return out;
}

std::string PgBinaryArray(const std::vector<double>& values) {
  std::string out = BinaryArrayHeader(values.size(), false, kFloat8Oid, 8);
  for (double v : values) {
    AppendInt32(8, &out);
    AppendBigEndian(std::bit_cast<uint64_t>(v), 8, &out);  // float8recv: the IEEE bits
  }
  return out;
}

std::string PgBinaryByteaArray(const std::vector<std::optional<std::string>>& values) {
  return BinaryVarlenaArray(values, kByteaOid);
}

std::string PgBinaryTextArray(const std::vector<std::string>& values) {
  return BinaryVarlenaArray(values, kTextOid);
}

std::string PgArrayLiteral(const std::vector<int64_t>& values) {
  return Join(values, [](int64_t v, std::string* out) { AppendNumber(v, out); });
}

std::string PgArrayLiteral(const std::vector<std::optional<int64_t>>& values) {
  return Join(values, [](const std::optional<int64_t>& v, std::string* out) {
    if (v) {
      AppendNumber(*v, out);
    } else {
      *out += "NULL";
    }
  });
}

std::string PgArrayLiteral(const std::vector<double>& values) {
  return Join(values, [](double v, std::string* out) { AppendNumber(v, out); });
}

std::string PgArrayLiteral(const std::vector<std::string>& values) {
  return Join(values, [](const std::string& v, std::string* out) {
    // Quoted elements are never NULL; inside quotes only " and \ need a backslash.
    *out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') *out += '\\';
      *out += c;
    }
    *out += '"';
  });
}

std::string PgHexBytes(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

}  // namespace roadsense::db
