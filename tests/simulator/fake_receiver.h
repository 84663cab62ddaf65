// FakeReceiver: an in-process stand-in for roadsense-receiver for the simulator's integration
// tests. It serves POST /v1/reports on 127.0.0.1 (free port), decodes each upload (protobuf or
// JSON), and answers with whatever `policy` says for (batch, how often these exact bytes were seen
// before). Every distinct accepted batch is kept for the test to inspect. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "net/http_server.h"
#include "schema/roadsense.pb.h"

namespace roadsense::simulator {

class FakeReceiver {
 public:
  // Returns the HTTP status to answer with.
  using Policy = std::function<int(const roadsense::v1::ReportBatch& batch, int times_seen)>;
  // Called for each 2xx answer, with the decoded batch, before the answer is sent.
  using OnAccept = std::function<void(const roadsense::v1::ReportBatch& batch)>;

  explicit FakeReceiver(Policy policy, OnAccept on_accept = nullptr);
  ~FakeReceiver();

  std::string url() const;
  // Distinct accepted uploads, keyed by "pseudonym#sequence".
  std::map<std::string, roadsense::v1::ReportBatch> accepted() const;
  int64_t requests() const;
  std::vector<std::string> content_types() const;
  // The Authorization header of every decodable request ("" when absent), in arrival order.
  std::vector<std::string> authorizations() const;

 private:
  void Handle(net::HttpRequest&& req, net::Responder respond);

  Policy policy_;
  OnAccept on_accept_;
  mutable std::mutex mu_;
  std::map<std::string, int> seen_;  // body bytes → times seen
  std::map<std::string, roadsense::v1::ReportBatch> accepted_;
  std::vector<std::string> content_types_;
  std::vector<std::string> authorizations_;
  int64_t requests_ = 0;
  net::HttpServer server_;
};

}  // namespace roadsense::simulator
