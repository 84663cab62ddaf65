// HttpReportUploader: a ReportUploader that POSTs to <target>/v1/reports over one keep-alive
// net::HttpClient connection. Not thread-safe (one per sending thread).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "simulator/report_uploader.h"

namespace roadsense::net {
class HttpClient;
}

namespace roadsense::simulator {

class HttpReportUploader : public ReportUploader {
 public:
  // target: the receiver's base URL, "http://host:port[/prefix]". Only plain http.
  // authorization: the Authorization header value to send ("" sends none).
  static Result<ReportUploaderFactory> FactoryFor(const std::string& target,
                                                  const std::string& authorization = "");

  HttpReportUploader(std::string host, uint16_t port, std::string path,
                     std::string authorization = "");
  ~HttpReportUploader() override;

  Result<UploadReply> Upload(const std::string& body, const std::string& content_type,
                             std::chrono::milliseconds timeout) override;

 private:
  std::string path_;
  std::string authorization_;
  std::unique_ptr<net::HttpClient> client_;
};

}  // namespace roadsense::simulator
