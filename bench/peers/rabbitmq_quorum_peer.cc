#include "bench/peers/rabbitmq_quorum_peer.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <algorithm>
#include <deque>
#include <set>

namespace roadsense::bench {
namespace {

constexpr amqp_channel_t kPublish = 1;
constexpr amqp_channel_t kConsume = 2;

Status RpcStatus(const amqp_rpc_reply_t& reply, const std::string& what) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return Status::Ok();
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return Unavailable("rabbitmq " + what + ": " + amqp_error_string2(reply.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
        return Internal(
            "rabbitmq " + what + ": channel closed: " +
            std::string(static_cast<const char*>(close->reply_text.bytes), close->reply_text.len));
      }
      return Internal("rabbitmq " + what + ": server exception");
    default:
      return Internal("rabbitmq " + what + ": no reply");
  }
}

// An open, logged-in connection; nullptr-safe owner.
struct Conn {
  amqp_connection_state_t state = nullptr;
  ~Conn() {
    if (state != nullptr) {
      amqp_connection_close(state, AMQP_REPLY_SUCCESS);
      amqp_destroy_connection(state);
    }
  }
};

Status Open(Conn& conn, const std::string& host, int port) {
  conn.state = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn.state);
  if (socket == nullptr) return Internal("rabbitmq: cannot create a socket");
  if (amqp_socket_open(socket, host.c_str(), port) != AMQP_STATUS_OK) {
    return Unavailable("rabbitmq: cannot connect to " + host + ":" + std::to_string(port));
  }
  return RpcStatus(
      amqp_login(conn.state, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"), "login");
}

Status OpenChannel(amqp_connection_state_t state, amqp_channel_t channel) {
  amqp_channel_open(state, channel);
  return RpcStatus(amqp_get_rpc_reply(state), "channel.open");
}

class RabbitConnection : public PeerConnection {
 public:
  RabbitConnection(std::unique_ptr<Conn> conn, std::string queue)
      : conn_(std::move(conn)), queue_(std::move(queue)) {}

  Status SendBatch(const std::vector<std::string>& bodies) override {
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = 2;  // persistent
    for (const std::string& body : bodies) {
      const int rc = amqp_basic_publish(state(), kPublish, amqp_empty_bytes,
                                        amqp_cstring_bytes(queue_.c_str()), 0, 0, &props,
                                        amqp_bytes_t{body.size(), const_cast<char*>(body.data())});
      if (rc != AMQP_STATUS_OK)
        return Unavailable(std::string("rabbitmq publish: ") + amqp_error_string2(rc));
      outstanding_.insert(++published_);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!outstanding_.empty()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return {StatusCode::kDeadlineExceeded, "rabbitmq: publisher confirms timed out"};
      }
      RS_RETURN_IF_ERROR(Pump(std::chrono::milliseconds(1000)));
    }
    return Status::Ok();
  }

  Result<std::vector<PeerMessage>> Receive(int max, std::chrono::milliseconds wait) override {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (deliveries_.empty()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      RS_RETURN_IF_ERROR(Pump(left));
    }
    // Take what already arrived, without waiting for more.
    while (static_cast<int>(deliveries_.size()) < max &&
           (amqp_frames_enqueued(state()) || amqp_data_in_buffer(state()))) {
      RS_RETURN_IF_ERROR(Pump(std::chrono::milliseconds(0)));
    }
    std::vector<PeerMessage> messages;
    while (!deliveries_.empty() && static_cast<int>(messages.size()) < max) {
      messages.push_back(std::move(deliveries_.front()));
      deliveries_.pop_front();
    }
    return messages;
  }

  Status Delete(const std::vector<PeerMessage>& messages) override {
    if (messages.empty()) return Status::Ok();
    // Deliveries on one channel arrive in tag order and are taken in order, so one
    // multiple=true ack for the last covers exactly these.
    const uint64_t last = std::stoull(messages.back().handle);
    const int rc = amqp_basic_ack(state(), kConsume, last, 1);
    if (rc != AMQP_STATUS_OK) {
      return Unavailable(std::string("rabbitmq ack: ") + amqp_error_string2(rc));
    }
    return Status::Ok();
  }

 private:
  amqp_connection_state_t state() { return conn_->state; }

  // Reads one frame (waiting up to `timeout`) and files it: confirms leave outstanding_,
  // deliveries go to deliveries_.
  Status Pump(std::chrono::milliseconds timeout) {
    amqp_maybe_release_buffers(state());
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    amqp_frame_t frame;
    const int rc = amqp_simple_wait_frame_noblock(state(), &frame, &tv);
    if (rc == AMQP_STATUS_TIMEOUT) return Status::Ok();
    if (rc != AMQP_STATUS_OK) {
      return Unavailable(std::string("rabbitmq: ") + amqp_error_string2(rc));
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) return Status::Ok();
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
        // Confirms may cover many (multiple) or one, in any order.
        if (ack->multiple) {
          outstanding_.erase(outstanding_.begin(), outstanding_.upper_bound(ack->delivery_tag));
        } else {
          outstanding_.erase(ack->delivery_tag);
        }
        return Status::Ok();
      }
      case AMQP_BASIC_NACK_METHOD:
        return Internal("rabbitmq: the broker nacked a publish");
      case AMQP_BASIC_DELIVER_METHOD: {
        const auto* deliver =
            static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded);
        const uint64_t tag = deliver->delivery_tag;
        amqp_message_t message;
        RS_RETURN_IF_ERROR(
            RpcStatus(amqp_read_message(state(), frame.channel, &message, 0), "read message"));
        deliveries_.push_back(
            {std::string(static_cast<const char*>(message.body.bytes), message.body.len),
             std::to_string(tag)});
        amqp_destroy_message(&message);
        return Status::Ok();
      }
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        return Internal("rabbitmq: the broker closed the channel or connection");
      default:
        return Status::Ok();
    }
  }

  std::unique_ptr<Conn> conn_;
  const std::string queue_;
  uint64_t published_ = 0;          // publish sequence numbers start at 1
  std::set<uint64_t> outstanding_;  // published, not yet confirmed
  std::deque<PeerMessage> deliveries_;
};

// Runs `declare_or_delete` on a fresh connection's channel 1.
template <typename Fn>
Status OnControlChannel(const std::string& host, int port, Fn fn) {
  Conn conn;
  RS_RETURN_IF_ERROR(Open(conn, host, port));
  RS_RETURN_IF_ERROR(OpenChannel(conn.state, 1));
  fn(conn.state);
  return RpcStatus(amqp_get_rpc_reply(conn.state), "queue declare/delete");
}

}  // namespace

RabbitMqQuorumPeer::RabbitMqQuorumPeer(std::string host, int port, int prefetch)
    : host_(std::move(host)), port_(port), prefetch_(prefetch) {}

Status RabbitMqQuorumPeer::CreateQueue(const std::string& queue) {
  queue_ = queue;
  return OnControlChannel(host_, port_, [&](amqp_connection_state_t state) {
    amqp_table_entry_t type;
    type.key = amqp_cstring_bytes("x-queue-type");
    type.value.kind = AMQP_FIELD_KIND_UTF8;
    type.value.value.bytes = amqp_cstring_bytes("quorum");
    const amqp_table_t arguments{1, &type};
    amqp_queue_declare(state, 1, amqp_cstring_bytes(queue_.c_str()), /*passive=*/0,
                       /*durable=*/1, /*exclusive=*/0, /*auto_delete=*/0, arguments);
  });
}

Result<std::unique_ptr<PeerConnection>> RabbitMqQuorumPeer::Connect() {
  auto conn = std::make_unique<Conn>();
  RS_RETURN_IF_ERROR(Open(*conn, host_, port_));
  RS_RETURN_IF_ERROR(OpenChannel(conn->state, kPublish));
  amqp_confirm_select(conn->state, kPublish);
  RS_RETURN_IF_ERROR(RpcStatus(amqp_get_rpc_reply(conn->state), "confirm.select"));
  RS_RETURN_IF_ERROR(OpenChannel(conn->state, kConsume));
  amqp_basic_qos(conn->state, kConsume, 0, static_cast<uint16_t>(prefetch_), 0);
  RS_RETURN_IF_ERROR(RpcStatus(amqp_get_rpc_reply(conn->state), "basic.qos"));
  amqp_basic_consume(conn->state, kConsume, amqp_cstring_bytes(queue_.c_str()), amqp_empty_bytes,
                     /*no_local=*/0, /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  RS_RETURN_IF_ERROR(RpcStatus(amqp_get_rpc_reply(conn->state), "basic.consume"));
  return std::unique_ptr<PeerConnection>(
      std::make_unique<RabbitConnection>(std::move(conn), queue_));
}

Status RabbitMqQuorumPeer::DropQueue() {
  return OnControlChannel(host_, port_, [&](amqp_connection_state_t state) {
    amqp_queue_delete(state, 1, amqp_cstring_bytes(queue_.c_str()), 0, 0);
  });
}

}  // namespace roadsense::bench
