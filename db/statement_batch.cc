#include "db/statement_batch.h"

namespace roadsense::db {

void StatementBatch::AddPrepared(const char* statement, const std::vector<std::string>& args) {
  // libpqxx prepares on first use; EXECUTE needs it on the server already (a no-op once done).
  txn_.conn().prepare_now(statement);
  sql_ += "EXECUTE ";
  sql_ += statement;
  sql_ += '(';
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) sql_ += ',';
    sql_ += txn_.quote(args[i]);
  }
  sql_ += ");\n";
}

void StatementBatch::Run() {
  if (sql_.empty()) return;
  txn_.exec(sql_);
  sql_.clear();
}

}  // namespace roadsense::db
