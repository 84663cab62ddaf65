// StatementBatch: runs several prepared statements of one transaction in ONE round trip, as
// "EXECUTE name('arg', ...); EXECUTE ...". The statements run in the order added (so the lock
// order of the writers is kept) and share the transaction; the first error aborts the rest and
// surfaces as the libpqxx exception of Run(). Protocol-level prepared statements
// (connection.prepare) and SQL EXECUTE share one namespace; libpqxx prepares lazily, so
// AddPrepared() makes sure the statement exists on the server (prepare_now).
//
// Why: the ingest transaction writes up to three layers and a NOTIFY; with round trips of a few
// hundred µs on a loaded machine, one trip instead of four is most of the cost of the new layers.
// Not thread-safe; lives within one transaction.
#pragma once

#include <pqxx/transaction>
#include <string>
#include <vector>

namespace roadsense::db {

class StatementBatch {
 public:
  explicit StatementBatch(pqxx::work& txn) : txn_(txn) {}

  // Queues EXECUTE statement(args...); every argument is sent as a quoted text literal, which
  // PostgreSQL coerces to the statement's parameter type.
  void AddPrepared(const char* statement, const std::vector<std::string>& args);

  // Sends everything queued in one round trip; a no-op when nothing is queued.
  void Run();

 private:
  pqxx::work& txn_;
  std::string sql_;
};

}  // namespace roadsense::db
