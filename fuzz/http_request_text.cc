#include "fuzz/http_request_text.h"

#include <string>

namespace roadsense::fuzz {
namespace {

// The next line of *text (without "\r\n" / "\n"), consuming it; `found` false at the end.
std::string_view NextLine(std::string_view* text, bool* found) {
  const size_t end = text->find('\n');
  *found = end != std::string_view::npos;
  std::string_view line = text->substr(0, end);
  text->remove_prefix(*found ? end + 1 : text->size());
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsToken(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsFieldValue(std::string_view value) {
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

net::HttpRequest ParseHttpRequestText(std::string_view text) {
  net::HttpRequest request;
  bool found = false;
  const std::string_view first = NextLine(&text, &found);
  const size_t space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  if (space != std::string_view::npos) request.target = std::string(Trim(first.substr(space + 1)));
  while (found) {
    const std::string_view line = NextLine(&text, &found);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    const std::string_view value =
        colon == std::string_view::npos ? std::string_view() : Trim(line.substr(colon + 1));
    if (IsToken(name) && IsFieldValue(value)) {
      request.headers.emplace_back(std::string(name), std::string(value));
    }
  }
  request.body = std::string(text);
  return request;
}

}  // namespace roadsense::fuzz
