#include "simulator/http_report_uploader.h"

#include <atomic>
#include <charconv>

#include "net/http_client.h"
#include "net/http_message.h"

namespace roadsense::simulator {
namespace {

constexpr size_t kMaxBodyKept = 512;

// Retry-After in its delay-seconds form; the HTTP-date form is not used by our receiver.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view v) {
  int64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || seconds < 0) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(seconds * 1000);
}

}  // namespace

Result<ReportUploaderFactory> HttpReportUploader::FactoryFor(const std::string& targets,
                                                             const std::string& authorization) {
  std::vector<net::HttpUrl> urls;
  std::vector<std::string> paths;
  size_t begin = 0;
  while (true) {
    const size_t comma = targets.find(',', begin);
    const std::string target =
        targets.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    Result<net::HttpUrl> url = net::ParseHttpUrl(target);
    if (!url.ok()) return url.status();
    if (url->scheme != "http" && url->scheme != "https") {
      return InvalidArgument("--target must be an http:// or https:// URL: " + target);
    }
    std::string path = url->path;
    if (path.empty() || path.back() != '/') path += '/';
    paths.push_back(path + "v1/reports");
    urls.push_back(std::move(*url));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  // Shared by the factory's copies: the n-th uploader made starts at target n mod size.
  auto next = std::make_shared<std::atomic<size_t>>(0);
  ReportUploaderFactory factory = [urls, paths, authorization, next]() {
    return std::make_unique<HttpReportUploader>(urls, paths, authorization, next->fetch_add(1));
  };
  return factory;
}

HttpReportUploader::HttpReportUploader(const std::vector<net::HttpUrl>& urls,
                                       std::vector<std::string> paths, std::string authorization,
                                       size_t first)
    : paths_(std::move(paths)), authorization_(std::move(authorization)) {
  for (const net::HttpUrl& url : urls) clients_.push_back(std::make_unique<net::HttpClient>(url));
  current_ = clients_.empty() ? 0 : first % clients_.size();
}

HttpReportUploader::~HttpReportUploader() = default;

Result<UploadReply> HttpReportUploader::Upload(const std::string& body,
                                               const std::string& content_type,
                                               std::chrono::milliseconds timeout) {
  net::HttpRequest req;
  req.method = "POST";
  req.target = paths_[current_];
  req.headers = {{"Content-Type", content_type}};
  if (!authorization_.empty()) req.headers.emplace_back("Authorization", authorization_);
  req.body = body;
  Result<net::HttpResponse> resp = clients_[current_]->RoundTrip(req, timeout);
  // No answer or a server error: the next attempt (a retry, or the next upload) tries the next
  // receiver. With one target this changes nothing.
  if (!resp.ok() || resp->status >= 500) current_ = (current_ + 1) % clients_.size();
  if (!resp.ok()) return resp.status();
  UploadReply reply;
  reply.status = resp->status;
  reply.retry_after = ParseRetryAfter(resp->Header("Retry-After"));
  reply.body = resp->body.substr(0, kMaxBodyKept);
  return reply;
}

}  // namespace roadsense::simulator
