// HttpReportUploader: a ReportUploader that POSTs to <target>/v1/reports over keep-alive
// net::HttpClient connections. Not thread-safe (one per sending thread).
//
// Several targets (receivers behind no load balancer): each uploader starts at the next target
// in turn (the factory hands them out round-robin, so the sending threads spread over the
// receivers) and, like a client-side load balancer, moves on to the next target after an
// attempt that got no HTTP answer or a 5xx — so the retry of an upload a dead or failing receiver
// did not acknowledge goes to another receiver, with the same bytes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "simulator/report_uploader.h"

namespace roadsense::net {
class HttpClient;
struct HttpUrl;
}  // namespace roadsense::net

namespace roadsense::simulator {

class HttpReportUploader : public ReportUploader {
 public:
  // targets: one or more receiver base URLs, comma-separated, "http[s]://host:port[/prefix]".
  // https verifies the receiver's certificate against the system trust store (SSL_CERT_FILE
  // names a private CA). authorization: the Authorization header value to send ("" sends none).
  static Result<ReportUploaderFactory> FactoryFor(const std::string& targets,
                                                  const std::string& authorization = "");

  // `urls` are the receivers' base URLs (at least one); `paths[i]` the request path on urls[i];
  // the first attempt goes to urls[first % urls.size()].
  HttpReportUploader(const std::vector<net::HttpUrl>& urls, std::vector<std::string> paths,
                     std::string authorization = "", size_t first = 0);
  ~HttpReportUploader() override;

  Result<UploadReply> Upload(const std::string& body, const std::string& content_type,
                             std::chrono::milliseconds timeout) override;

 private:
  std::vector<std::string> paths_;
  std::string authorization_;
  std::vector<std::unique_ptr<net::HttpClient>> clients_;
  size_t current_ = 0;
};

}  // namespace roadsense::simulator
