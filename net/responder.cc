#include "net/responder.h"

#include <mutex>

namespace roadsense::net {
namespace {

// The stream of a Responder without a connection behind it: chunks are collected and answered
// as one whole response at End(), so handlers that stream are testable with a plain callable.
class BufferedStream : public ResponseStream {
 public:
  BufferedStream(Responder::RespondFn respond, HttpResponse head)
      : respond_(std::move(respond)), response_(std::move(head)) {
    response_.body.clear();
  }

  bool Write(std::string chunk) override {
    std::lock_guard lock(mu_);
    if (ended_) return false;
    response_.body += chunk;
    return true;
  }

  void End() override {
    std::function<void()> callback;
    {
      std::lock_guard lock(mu_);
      if (ended_) return;
      ended_ = true;
      callback = std::move(on_close_);
    }
    respond_(std::move(response_));
    if (callback) callback();
  }

  bool closed() const override {
    std::lock_guard lock(mu_);
    return ended_;
  }

  void OnClose(std::function<void()> callback) override {
    {
      std::lock_guard lock(mu_);
      if (!ended_) {
        on_close_ = std::move(callback);
        return;
      }
    }
    callback();
  }

 private:
  mutable std::mutex mu_;
  Responder::RespondFn respond_;
  HttpResponse response_;
  bool ended_ = false;
  std::function<void()> on_close_;
};

}  // namespace

std::shared_ptr<ResponseStream> Responder::Stream(HttpResponse head) const {
  if (target_) return target_->RespondStreamed(request_, std::move(head));
  if (stream_) return stream_(std::move(head));
  return std::make_shared<BufferedStream>(respond_, std::move(head));
}

}  // namespace roadsense::net
