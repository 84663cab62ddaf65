// XmlTree: a minimal XML reader for tests of the SQS Query protocol's responses — elements,
// character data and the five entities plus numeric references; attributes are skipped. Enough
// to parse back what SqsQueryCodec writes, the way botocore's parser reads it.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace roadsense::queue::testing {

struct XmlNode {
  std::string name;
  std::string text;  // character data directly inside (unescaped)
  std::vector<XmlNode> children;

  // The first child called `n`; throws when there is none (a failed test, not a crash).
  const XmlNode& operator[](std::string_view n) const {
    for (const auto& c : children) {
      if (c.name == n) return c;
    }
    throw std::runtime_error("no <" + std::string(n) + "> in <" + name + ">");
  }
  bool Has(std::string_view n) const {
    for (const auto& c : children) {
      if (c.name == n) return true;
    }
    return false;
  }
  std::vector<const XmlNode*> All(std::string_view n) const {
    std::vector<const XmlNode*> out;
    for (const auto& c : children) {
      if (c.name == n) out.push_back(&c);
    }
    return out;
  }
};

class XmlReader {
 public:
  static XmlNode Parse(std::string_view text) {
    XmlReader r(text);
    r.SkipProlog();
    return r.Element();
  }

 private:
  explicit XmlReader(std::string_view in) : in_(in) {}

  void SkipProlog() {
    SkipSpace();
    if (in_.substr(pos_, 5) == "<?xml") pos_ = in_.find("?>", pos_) + 2;
    SkipSpace();
  }
  void SkipSpace() {
    while (pos_ < in_.size() && isspace(static_cast<unsigned char>(in_[pos_]))) ++pos_;
  }
  void Expect(char c) {
    if (pos_ >= in_.size() || in_[pos_] != c) {
      throw std::runtime_error("XML: expected '" + std::string(1, c) + "' at " +
                               std::to_string(pos_));
    }
    ++pos_;
  }
  XmlNode Element() {
    Expect('<');
    XmlNode node;
    while (pos_ < in_.size() && !isspace(static_cast<unsigned char>(in_[pos_])) &&
           in_[pos_] != '>' && in_[pos_] != '/') {
      node.name.push_back(in_[pos_++]);
    }
    const size_t end = in_.find('>', pos_);
    if (end == std::string_view::npos) throw std::runtime_error("XML: unterminated tag");
    const bool self_closing = in_[end - 1] == '/';
    pos_ = end + 1;
    if (self_closing) return node;
    for (;;) {
      if (pos_ >= in_.size()) throw std::runtime_error("XML: unterminated <" + node.name + ">");
      if (in_.substr(pos_, 2) == "</") {
        const size_t close = in_.find('>', pos_);
        if (in_.substr(pos_ + 2, close - pos_ - 2) != node.name) {
          throw std::runtime_error("XML: mismatched </...> for <" + node.name + ">");
        }
        pos_ = close + 1;
        return node;
      }
      if (in_[pos_] == '<') {
        node.children.push_back(Element());
      } else {
        const size_t next = in_.find('<', pos_);
        node.text += Unescape(in_.substr(pos_, next - pos_));
        pos_ = next;
      }
    }
  }
  static std::string Unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '&') {
        out.push_back(s[i]);
        continue;
      }
      const size_t semi = s.find(';', i);
      const std::string_view e = s.substr(i + 1, semi - i - 1);
      if (e == "amp")
        out += '&';
      else if (e == "lt")
        out += '<';
      else if (e == "gt")
        out += '>';
      else if (e == "quot")
        out += '"';
      else if (e == "apos")
        out += '\'';
      else if (e.starts_with("#x"))
        out += static_cast<char>(std::stoi(std::string(e.substr(2)), nullptr, 16));
      else if (e.starts_with("#"))
        out += static_cast<char>(std::stoi(std::string(e.substr(1))));
      else
        throw std::runtime_error("XML: unknown entity " + std::string(e));
      i = semi;
    }
    return out;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace roadsense::queue::testing
