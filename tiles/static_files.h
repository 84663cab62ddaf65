// StaticFiles: serves the web map (web/) from a directory: GET / is index.html; other paths map
// to files below the root. Only the root's own files and the MapLibre GL JS distribution
// (node_modules/maplibre-gl/dist/) are served — never the rest of node_modules, never a path with
// "..", a hidden segment or a symlink out of the root. Files are read on every request (the page
// is small and a developer may edit it while the server runs).
// Thread-safe (no mutable state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "net/http_message.h"

namespace roadsense::tiles {

class StaticFiles {
 public:
  // Empty root: nothing is served.
  explicit StaticFiles(std::string root);

  // The response for GET `path`, or nullopt when the path is not a servable file (404).
  std::optional<net::HttpResponse> Serve(std::string_view path) const;
  bool enabled() const { return !root_.empty(); }

 private:
  std::string root_;  // canonical absolute path
};

// Content-Type by file extension (".js" → "text/javascript; charset=utf-8", ...).
std::string_view ContentTypeFor(std::string_view path);

}  // namespace roadsense::tiles
