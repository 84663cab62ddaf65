// WriteRequestHead: the bytes of an HTTP/1.1 request before its body — request line and header
// block — as HttpClient sends them. Exactly what Boost.Beast's serializer produced for the same
// request built field by field (the client's wire format before it wrote heads itself; pinned by
// net_http_client_test): values trimmed of spaces and tabs; a repeated header name
// (case-insensitive) placed right after the last field of that name; Host (`default_host`) and
// Content-Length (for a body, or any POST/PUT) appended when absent; nothing added for
// keep-alive (HTTP/1.1's default).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "net/http_message.h"

namespace roadsense::net {

// Replaces `*out` with the head of `request` (its method, target — "/" when empty —, headers and
// body size). kInvalidArgument for a method, target, header name or value that would break the
// framing (CR, LF or NUL; a space in the method or target; an empty method or name; a name with
// ':'), or a name or value over 65,533 bytes. `out` keeps its capacity.
Status WriteRequestHead(const HttpRequest& request, std::string_view default_host,
                        std::string* out);

}  // namespace roadsense::net
