// PostgresJobTablePeer: the job-table queue many teams use instead of a broker, through libpqxx.
// A batch is one 10-row INSERT (its own transaction, committed with synchronous_commit = on, so
// the WAL is flushed before the answer); receive opens a transaction and takes rows with
// SELECT … ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED; delete removes them with DELETE … WHERE
// id = ANY(…) and commits the same transaction. PostgreSQL has no blocking receive: an empty
// SELECT ends the transaction and polls again every millisecond until the wait is over.
#pragma once

#include <memory>
#include <string>

#include "bench/peers/peer_system.h"

namespace roadsense::bench {

class PostgresJobTablePeer : public PeerSystem {
 public:
  // `connection_string` is a libpq string, e.g. "host=127.0.0.1 port=5432 dbname=roadsense
  // user=roadsense".
  explicit PostgresJobTablePeer(std::string connection_string);
  ~PostgresJobTablePeer() override;
  std::string name() const override { return "postgres"; }
  std::string durability() const override {
    return "INSERT, SELECT+DELETE: commit waits for the WAL fsync (synchronous_commit = on)";
  }
  // CREATE TABLE queue (id bigserial PRIMARY KEY, body text NOT NULL), dropping an old one.
  Status CreateQueue(const std::string& queue) override;
  Result<std::unique_ptr<PeerConnection>> Connect() override;
  Status DropQueue() override;
  // wal_sync of pg_stat_wal (the server's WAL fsyncs, all backends and the WAL writer).
  std::optional<uint64_t> NativeFsyncs() override;

 private:
  struct Control;  // the driver's own pqxx connection
  Status Exec(const std::string& sql);

  const std::string connection_string_;
  std::unique_ptr<Control> control_;
  std::string table_;
};

}  // namespace roadsense::bench
