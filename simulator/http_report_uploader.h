// HttpReportUploader: a ReportUploader that POSTs to <target>/v1/reports over one keep-alive
// net::HttpClient connection. Not thread-safe (one per sending thread).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "simulator/report_uploader.h"

namespace roadsense::net {
class HttpClient;
struct HttpUrl;
}  // namespace roadsense::net

namespace roadsense::simulator {

class HttpReportUploader : public ReportUploader {
 public:
  // target: the receiver's base URL, "http[s]://host:port[/prefix]". https verifies the
  // receiver's certificate against the system trust store (SSL_CERT_FILE names a private CA).
  // authorization: the Authorization header value to send ("" sends none).
  static Result<ReportUploaderFactory> FactoryFor(const std::string& target,
                                                  const std::string& authorization = "");

  // `url` is the receiver's base URL; `path` the request path on it.
  HttpReportUploader(const net::HttpUrl& url, std::string path, std::string authorization = "");
  ~HttpReportUploader() override;

  Result<UploadReply> Upload(const std::string& body, const std::string& content_type,
                             std::chrono::milliseconds timeout) override;

 private:
  std::string path_;
  std::string authorization_;
  std::unique_ptr<net::HttpClient> client_;
};

}  // namespace roadsense::simulator
