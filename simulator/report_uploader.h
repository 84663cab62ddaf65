// ReportUploader: sends one encoded ReportBatch to the receiver and returns its answer.
//
// The seam between the LoadRunner and the network: HttpReportUploader is the real one, tests use
// a scripted fake. One uploader per sending thread; implementations need not be thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"

namespace roadsense::simulator {

struct UploadReply {
  int status = 0;  // HTTP status code
  // The server's Retry-After (delay-seconds form), when it sent one.
  std::optional<std::chrono::milliseconds> retry_after;
  std::string body;  // kept short: for the log when an upload is rejected
};

class ReportUploader {
 public:
  virtual ~ReportUploader() = default;
  // Errors (no HTTP answer): kUnavailable (connect/reset), kDeadlineExceeded (timeout).
  virtual Result<UploadReply> Upload(const std::string& body, const std::string& content_type,
                                     std::chrono::milliseconds timeout) = 0;
};

using ReportUploaderFactory = std::function<std::unique_ptr<ReportUploader>()>;

}  // namespace roadsense::simulator
