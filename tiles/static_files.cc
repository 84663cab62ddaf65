#include "tiles/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace roadsense::tiles {
namespace {

constexpr std::string_view kMapLibreDist = "node_modules/maplibre-gl/dist/";

bool SafeRelativePath(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return false;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string_view::npos) slash = rel.size();
    const std::string_view segment = rel.substr(start, slash - start);
    if (segment.empty() || segment.front() == '.' || segment.find('\\') != std::string_view::npos ||
        segment.find('\0') != std::string_view::npos) {
      return false;
    }
    start = slash + 1;
  }
  return true;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view path) {
  auto ends = [path](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json") || ends(".map")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::string root) {
  if (root.empty()) return;
  std::error_code ec;
  auto canonical = std::filesystem::canonical(root, ec);
  root_ = ec ? root : canonical.string();
}

std::optional<net::HttpResponse> StaticFiles::Serve(std::string_view path) const {
  if (root_.empty() || path.empty() || path.front() != '/') return std::nullopt;
  std::string_view rel = path.substr(1);
  if (rel.empty()) rel = "index.html";
  if (!SafeRelativePath(rel)) return std::nullopt;
  const bool own_file = rel.find('/') == std::string_view::npos;
  const bool maplibre = rel.substr(0, kMapLibreDist.size()) == kMapLibreDist &&
                        rel.find('/', kMapLibreDist.size()) == std::string_view::npos;
  if (!own_file && !maplibre) return std::nullopt;

  std::error_code ec;
  const std::filesystem::path file = std::filesystem::canonical(root_ + "/" + std::string(rel), ec);
  if (ec || file.string().rfind(root_ + "/", 0) != 0 ||
      !std::filesystem::is_regular_file(file, ec)) {
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  net::HttpResponse res;
  res.status = 200;
  res.body = body.str();
  res.SetHeader("Content-Type", std::string(ContentTypeFor(rel)));
  // The page changes with the code; the pinned library only with package-lock.json.
  res.SetHeader("Cache-Control", maplibre ? "public, max-age=3600" : "no-cache");
  return res;
}

}  // namespace roadsense::tiles
