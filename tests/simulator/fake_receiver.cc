#include "tests/simulator/fake_receiver.h"

#include <google/protobuf/util/json_util.h>

#include <stdexcept>

namespace roadsense::simulator {

FakeReceiver::FakeReceiver(Policy policy, OnAccept on_accept)
    : policy_(std::move(policy)),
      on_accept_(std::move(on_accept)),
      server_(net::HttpServerOptions{.listen = "127.0.0.1:0", .threads = 2},
              [this](net::HttpRequest&& req, net::Responder respond) {
                Handle(std::move(req), std::move(respond));
              }) {
  if (Status s = server_.Start(); !s.ok()) throw std::runtime_error(s.ToString());
}

FakeReceiver::~FakeReceiver() { server_.Stop(); }

std::string FakeReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(server_.port());
}

std::map<std::string, roadsense::v1::ReportBatch> FakeReceiver::accepted() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

int64_t FakeReceiver::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<std::string> FakeReceiver::content_types() const {
  std::lock_guard lock(mu_);
  return content_types_;
}

std::vector<std::string> FakeReceiver::authorizations() const {
  std::lock_guard lock(mu_);
  return authorizations_;
}

void FakeReceiver::Handle(net::HttpRequest&& req, net::Responder respond) {
  if (req.method != "POST" || req.Path() != "/v1/reports") {
    respond(net::HttpResponse::Text(404, "not found"));
    return;
  }
  roadsense::v1::ReportBatch batch;
  const std::string content_type(req.Header("Content-Type"));
  const bool parsed = content_type == "application/json"
                          ? google::protobuf::util::JsonStringToMessage(req.body, &batch).ok()
                          : batch.ParseFromString(req.body);
  if (!parsed) {
    respond(net::HttpResponse::Text(400, "undecodable"));
    return;
  }
  int times_seen = 0;
  {
    std::lock_guard lock(mu_);
    ++requests_;
    times_seen = seen_[req.body]++;
    content_types_.push_back(content_type);
    authorizations_.emplace_back(req.Header("Authorization"));
  }
  const int status = policy_(batch, times_seen);
  if (status >= 200 && status < 300) {
    const std::string key = batch.envelope().vehicle_pseudonym() + "#" +
                            std::to_string(batch.envelope().batch_sequence());
    bool first = false;
    {
      std::lock_guard lock(mu_);
      first = accepted_.emplace(key, batch).second;
    }
    // Like the real pipeline, a replayed idempotency key changes nothing.
    if (first && on_accept_) on_accept_(batch);
  }
  net::HttpResponse resp = net::HttpResponse::Json(status, "{}");
  if (status == 503) resp.SetHeader("Retry-After", "0");
  respond(std::move(resp));
}

}  // namespace roadsense::simulator
