#include "tiles/change_listener.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/notification>

namespace roadsense::tiles {
namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const ChangeListener::OnPayload& on_payload)
      : pqxx::notification_receiver(c, "tiles_changed"), on_payload_(on_payload) {}
  void operator()(const std::string& payload, int /*backend_pid*/) override {
    on_payload_(payload);
  }

 private:
  const ChangeListener::OnPayload& on_payload_;
};

}  // namespace

ChangeListener::ChangeListener(std::string conninfo, OnPayload on_payload, OnResync on_resync)
    : conninfo_(std::move(conninfo)),
      on_payload_(std::move(on_payload)),
      on_resync_(std::move(on_resync)),
      thread_([this] { Run(); }) {}

ChangeListener::~ChangeListener() {
  stop_ = true;
  thread_.join();
}

void ChangeListener::Run() {
  bool logged_failure = false;
  while (!stop_) {
    try {
      pqxx::connection connection(conninfo_);
      Receiver receiver(connection, on_payload_);
      // The LISTEN is issued by the receiver; a round trip makes sure it is active before we
      // declare the cache consistent.
      pqxx::nontransaction(connection).exec("SELECT 1");
      on_resync_();
      listening_ = true;
      if (logged_failure) spdlog::info("listening on tiles_changed again");
      logged_failure = false;
      while (!stop_) connection.await_notification(0, 200'000);
    } catch (const std::exception& e) {
      listening_ = false;
      if (!logged_failure) spdlog::warn("LISTEN tiles_changed: {}; retrying", e.what());
      logged_failure = true;
      for (int i = 0; i < 10 && !stop_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  listening_ = false;
}

}  // namespace roadsense::tiles
