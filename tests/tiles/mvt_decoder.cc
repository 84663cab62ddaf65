#include "tests/tiles/mvt_decoder.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace roadsense::tiles {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }
  bool Varint(uint64_t* out) {
    *out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      *out |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool Bytes(std::string_view* out) {
    uint64_t n = 0;
    if (!Varint(&n) || n > data_.size() - pos_) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Fixed(size_t n, uint64_t* out) {
    if (data_.size() - pos_ < n) return false;
    *out = 0;
    std::memcpy(out, data_.data() + pos_, n);  // little-endian host
    pos_ += n;
    return true;
  }
  // Skips a field of `wire_type`.
  bool Skip(int wire_type) {
    uint64_t v = 0;
    std::string_view s;
    switch (wire_type) {
      case 0:
        return Varint(&v);
      case 1:
        return Fixed(8, &v);
      case 2:
        return Bytes(&s);
      case 5:
        return Fixed(4, &v);
      default:
        return false;
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

int64_t ZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

bool Packed(std::string_view bytes, std::vector<uint64_t>* out) {
  Reader r(bytes);
  while (!r.done()) {
    uint64_t v = 0;
    if (!r.Varint(&v)) return false;
    out->push_back(v);
  }
  return true;
}

bool DecodeValue(std::string_view bytes, MvtValue* value) {
  Reader r(bytes);
  while (!r.done()) {
    uint64_t tag = 0, v = 0;
    if (!r.Varint(&tag)) return false;
    const int field = static_cast<int>(tag >> 3);
    if (field == 1) {
      std::string_view s;
      if (!r.Bytes(&s)) return false;
      value->is_string = true;
      value->text = std::string(s);
    } else if (field == 2) {
      if (!r.Fixed(4, &v)) return false;
      float f;
      uint32_t u = static_cast<uint32_t>(v);
      std::memcpy(&f, &u, 4);
      value->number = f;
    } else if (field == 3) {
      if (!r.Fixed(8, &v)) return false;
      double d;
      std::memcpy(&d, &v, 8);
      value->number = d;
    } else if (field == 4 || field == 5 || field == 7) {
      if (!r.Varint(&v)) return false;
      value->number =
          field == 5 ? static_cast<double>(v) : static_cast<double>(static_cast<int64_t>(v));
    } else if (field == 6) {
      if (!r.Varint(&v)) return false;
      value->number = static_cast<double>(ZigZag(v));
    } else if (!r.Skip(static_cast<int>(tag & 7))) {
      return false;
    }
  }
  return true;
}

}  // namespace

double MvtFeature::Number(const std::string& key) const {
  auto it = properties.find(key);
  if (it == properties.end() || it->second.is_string)
    return std::numeric_limits<double>::quiet_NaN();
  return it->second.number;
}

std::string MvtFeature::Text(const std::string& key) const {
  auto it = properties.find(key);
  return it == properties.end() || !it->second.is_string ? "" : it->second.text;
}

Result<std::map<std::string, MvtLayer>> DecodeMvt(std::string_view bytes) {
  std::map<std::string, MvtLayer> layers;
  Reader tile(bytes);
  while (!tile.done()) {
    uint64_t tag = 0;
    if (!tile.Varint(&tag)) return InvalidArgument("bad tile tag");
    if (tag >> 3 != 3) {
      if (!tile.Skip(static_cast<int>(tag & 7))) return InvalidArgument("bad tile field");
      continue;
    }
    std::string_view layer_bytes;
    if (!tile.Bytes(&layer_bytes)) return InvalidArgument("bad layer");
    MvtLayer layer;
    std::vector<std::string> keys;
    std::vector<MvtValue> values;
    std::vector<std::string_view> feature_bytes;
    Reader lr(layer_bytes);
    while (!lr.done()) {
      uint64_t ltag = 0, v = 0;
      std::string_view s;
      if (!lr.Varint(&ltag)) return InvalidArgument("bad layer tag");
      switch (ltag >> 3) {
        case 1:
          if (!lr.Bytes(&s)) return InvalidArgument("bad layer name");
          layer.name = std::string(s);
          break;
        case 2:
          if (!lr.Bytes(&s)) return InvalidArgument("bad feature");
          feature_bytes.push_back(s);
          break;
        case 3:
          if (!lr.Bytes(&s)) return InvalidArgument("bad key");
          keys.emplace_back(s);
          break;
        case 4: {
          if (!lr.Bytes(&s)) return InvalidArgument("bad value");
          MvtValue value;
          if (!DecodeValue(s, &value)) return InvalidArgument("bad value body");
          values.push_back(value);
          break;
        }
        case 5:
          if (!lr.Varint(&v)) return InvalidArgument("bad extent");
          layer.extent = static_cast<uint32_t>(v);
          break;
        default:
          if (!lr.Skip(static_cast<int>(ltag & 7))) return InvalidArgument("bad layer field");
      }
    }
    for (std::string_view fb : feature_bytes) {
      MvtFeature feature;
      Reader fr(fb);
      while (!fr.done()) {
        uint64_t ftag = 0, v = 0;
        std::string_view s;
        if (!fr.Varint(&ftag)) return InvalidArgument("bad feature tag");
        const uint64_t field = ftag >> 3;
        if (field == 2 || field == 4) {
          std::vector<uint64_t> ints;
          if (!fr.Bytes(&s) || !Packed(s, &ints)) return InvalidArgument("bad packed field");
          if (field == 2) {
            if (ints.size() % 2 != 0) return InvalidArgument("odd tag count");
            for (size_t i = 0; i < ints.size(); i += 2) {
              if (ints[i] >= keys.size() || ints[i + 1] >= values.size()) {
                return InvalidArgument("tag index out of range");
              }
              feature.properties[keys[ints[i]]] = values[ints[i + 1]];
            }
          } else {
            int64_t x = 0, y = 0;
            for (size_t i = 0; i < ints.size();) {
              const uint64_t command = ints[i] & 7, count = ints[i] >> 3;
              ++i;
              if (command == 7) continue;  // ClosePath
              if (command != 1 && command != 2) return InvalidArgument("bad geometry command");
              for (uint64_t k = 0; k < count; ++k) {
                if (i + 1 >= ints.size()) return InvalidArgument("truncated geometry");
                x += ZigZag(ints[i]);
                y += ZigZag(ints[i + 1]);
                i += 2;
                feature.vertices.emplace_back(x, y);
              }
            }
          }
        } else if (field == 3) {
          if (!fr.Varint(&v)) return InvalidArgument("bad feature type");
          feature.type = static_cast<int>(v);
        } else if (!fr.Skip(static_cast<int>(ftag & 7))) {
          return InvalidArgument("bad feature field");
        }
      }
      layer.features.push_back(std::move(feature));
    }
    std::string name = layer.name;
    layers[name] = std::move(layer);
  }
  return layers;
}

}  // namespace roadsense::tiles
