#include "simulator/http_report_uploader.h"

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

Result<ReportUploaderFactory> HttpReportUploader::FactoryFor(const std::string& target,
                                                             const std::string& authorization) {
  Result<net::HttpUrl> url = net::ParseHttpUrl(target);
  if (!url.ok()) return url.status();
  if (url->scheme != "http" && url->scheme != "https") {
    return InvalidArgument("--target must be an http:// or https:// URL: " + target);
  }
  std::string path = url->path;
  if (path.empty() || path.back() != '/') path += '/';
  path += "v1/reports";
  ReportUploaderFactory factory = [url = *url, path, authorization]() {
    return std::make_unique<HttpReportUploader>(url, path, authorization);
  };
  return factory;
}

HttpReportUploader::HttpReportUploader(const net::HttpUrl& url, std::string path,
                                       std::string authorization)
    : path_(std::move(path)),
      authorization_(std::move(authorization)),
      client_(std::make_unique<net::HttpClient>(url)) {}

HttpReportUploader::~HttpReportUploader() = default;

Result<UploadReply> HttpReportUploader::Upload(const std::string& body,
                                               const std::string& content_type,
                                               std::chrono::milliseconds timeout) {
  net::HttpRequest req;
  req.method = "POST";
  req.target = path_;
  req.headers = {{"Content-Type", content_type}};
  if (!authorization_.empty()) req.headers.emplace_back("Authorization", authorization_);
  req.body = body;
  Result<net::HttpResponse> resp = client_->RoundTrip(req, timeout);
  if (!resp.ok()) return resp.status();
  UploadReply reply;
  reply.status = resp->status;
  reply.retry_after = ParseRetryAfter(resp->Header("Retry-After"));
  reply.body = resp->body.substr(0, kMaxBodyKept);
  return reply;
}

}  // namespace roadsense::simulator
