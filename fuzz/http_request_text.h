// HttpRequestText: the fuzz input format of a whole HTTP request, in the shape of HTTP/1.1's
// text: "METHOD TARGET" on the first line, "Name: value" header lines, an empty line, the body.
// Lenient by design (it turns any bytes into some request, so the fuzzer's mutations stay
// meaningful): a missing method or target is empty, a header line without ':' is a header with
// an empty value, "\r" before "\n" is dropped. Header lines net/ could never deliver are skipped,
// as Boost.Beast's parser refuses them: a name that is not an RFC 9110 token, a value with a
// control character other than HTAB. This is the fuzzer's input encoding, not a parser
// of the product — roadsense parses HTTP with Boost.Beast in net/.
#pragma once

#include <string_view>

#include "net/http_message.h"

namespace roadsense::fuzz {

net::HttpRequest ParseHttpRequestText(std::string_view text);

}  // namespace roadsense::fuzz
