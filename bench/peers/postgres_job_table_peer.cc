#include "bench/peers/postgres_job_table_peer.h"

#include <optional>
#include <pqxx/pqxx>
#include <thread>

namespace roadsense::bench {
namespace {

constexpr int kBatch = 10;  // the prepared INSERT takes exactly this many rows

Status FromException(const std::exception& e) {
  return Unavailable(std::string("postgres: ") + e.what());
}

class PostgresConnection : public PeerConnection {
 public:
  PostgresConnection(const std::string& connection_string, const std::string& table)
      : conn_(connection_string), table_(table) {
    std::string insert = "INSERT INTO " + table + " (body) VALUES ";
    for (int i = 1; i <= kBatch; ++i) insert += (i > 1 ? ",($" : "($") + std::to_string(i) + ")";
    conn_.prepare("send", insert);
    conn_.prepare("receive",
                  "SELECT id, body FROM " + table + " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED");
    conn_.prepare("delete", "DELETE FROM " + table + " WHERE id = ANY($1::bigint[])");
  }

  Status SendBatch(const std::vector<std::string>& bodies) override {
    try {
      pqxx::nontransaction tx(conn_);  // one statement, one implicit transaction, one commit
      if (bodies.size() == kBatch) {
        tx.exec_prepared("send", bodies[0], bodies[1], bodies[2], bodies[3], bodies[4], bodies[5],
                         bodies[6], bodies[7], bodies[8], bodies[9]);
      } else {
        std::string sql = "INSERT INTO " + table_ + " (body) VALUES ";
        for (size_t i = 0; i < bodies.size(); ++i) {
          sql += (i ? ",(" : "(") + tx.quote(bodies[i]) + ")";
        }
        tx.exec0(sql);
      }
      return Status::Ok();
    } catch (const std::exception& e) {
      return FromException(e);
    }
  }

  Result<std::vector<PeerMessage>> Receive(int max, std::chrono::milliseconds wait) override {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    try {
      std::vector<PeerMessage> messages;
      while (true) {
        txn_.emplace(conn_);
        const pqxx::result rows = txn_->exec_prepared("receive", max);
        for (const auto& row : rows) {
          messages.push_back({row[1].c_str(), row[0].c_str()});
        }
        if (!messages.empty()) return messages;  // the transaction stays open until Delete
        txn_->abort();
        txn_.reset();
        if (std::chrono::steady_clock::now() >= deadline) return messages;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    } catch (const std::exception& e) {
      txn_.reset();
      return FromException(e);
    }
  }

  Status Delete(const std::vector<PeerMessage>& messages) override {
    if (!txn_) return Internal("postgres: Delete without a Receive");
    try {
      std::string ids = "{";
      for (size_t i = 0; i < messages.size(); ++i) ids += (i ? "," : "") + messages[i].handle;
      ids += "}";
      txn_->exec_prepared("delete", ids);
      txn_->commit();
      txn_.reset();
      return Status::Ok();
    } catch (const std::exception& e) {
      txn_.reset();
      return FromException(e);
    }
  }

 private:
  pqxx::connection conn_;
  const std::string table_;
  std::optional<pqxx::work> txn_;  // open between Receive and Delete
};

}  // namespace

struct PostgresJobTablePeer::Control {
  explicit Control(const std::string& connection_string) : conn(connection_string) {}
  pqxx::connection conn;
};

PostgresJobTablePeer::PostgresJobTablePeer(std::string connection_string)
    : connection_string_(std::move(connection_string)) {}

PostgresJobTablePeer::~PostgresJobTablePeer() = default;

Status PostgresJobTablePeer::Exec(const std::string& sql) {
  try {
    if (!control_) control_ = std::make_unique<Control>(connection_string_);
    pqxx::nontransaction tx(control_->conn);
    tx.exec(sql);
    return Status::Ok();
  } catch (const std::exception& e) {
    control_.reset();
    return FromException(e);
  }
}

Status PostgresJobTablePeer::CreateQueue(const std::string& queue) {
  table_ = queue;
  RS_RETURN_IF_ERROR(Exec("DROP TABLE IF EXISTS " + table_));
  return Exec("CREATE TABLE " + table_ + " (id bigserial PRIMARY KEY, body text NOT NULL)");
}

Result<std::unique_ptr<PeerConnection>> PostgresJobTablePeer::Connect() {
  try {
    return std::unique_ptr<PeerConnection>(
        std::make_unique<PostgresConnection>(connection_string_, table_));
  } catch (const std::exception& e) {
    return FromException(e);
  }
}

Status PostgresJobTablePeer::DropQueue() { return Exec("DROP TABLE IF EXISTS " + table_); }

std::optional<uint64_t> PostgresJobTablePeer::NativeFsyncs() {
  try {
    if (!control_) control_ = std::make_unique<Control>(connection_string_);
    pqxx::nontransaction tx(control_->conn);
    return tx.exec1("SELECT wal_sync FROM pg_stat_wal")[0].as<uint64_t>();
  } catch (const std::exception&) {
    control_.reset();
    return std::nullopt;
  }
}

}  // namespace roadsense::bench
