#include "db/migration_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <pqxx/except>
#include <pqxx/transaction>
#include <stdexcept>

#include "core/digest.h"

namespace roadsense::db {
namespace {

// Arbitrary constant shared by every roadsense process: "rsmigr" in ASCII.
constexpr int64_t kMigrationLockKey = 0x72736d696772;

struct ChecksumMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void LockMigrations(pqxx::work& txn) {
  txn.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
}

// Runs one migration unless it is recorded. Throws pqxx exceptions; returns whether it ran.
bool ApplyOne(pqxx::connection_base& connection, const Migration& m) {
  const std::string checksum = Sha256Hex(m.sql);
  pqxx::work txn(connection, "migration");
  LockMigrations(txn);
  auto recorded =
      txn.exec_params("SELECT checksum FROM schema_migrations WHERE version = $1", m.version);
  if (!recorded.empty()) {
    if (recorded[0][0].as<std::string>() != checksum) {
      throw ChecksumMismatch("migration " + std::to_string(m.version) + "_" + m.name +
                             " was changed after it was applied");
    }
    return false;
  }
  txn.exec(m.sql);
  txn.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                  m.version, m.name, checksum);
  txn.commit();
  return true;
}

}  // namespace

MigrationRunner::MigrationRunner(std::vector<Migration> migrations)
    : migrations_(std::move(migrations)) {
  std::sort(migrations_.begin(), migrations_.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
}

Result<int> MigrationRunner::Apply(pqxx::connection_base& connection) {
  int applied = 0;
  try {
    {
      // Under the lock: concurrent CREATE TABLE IF NOT EXISTS can still collide in pg_type.
      pqxx::work txn(connection, "schema_migrations");
      LockMigrations(txn);
      txn.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY,"
          " name text NOT NULL,"
          " checksum text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
      txn.commit();
    }
    for (const Migration& m : migrations_) {
      if (ApplyOne(connection, m)) {
        spdlog::info("applied migration {:04d}_{}", m.version, m.name);
        ++applied;
      }
    }
  } catch (const pqxx::broken_connection& e) {
    return Unavailable(std::string("migrations: connection lost: ") + e.what());
  } catch (const ChecksumMismatch& e) {
    return Status(StatusCode::kFailedPrecondition, std::string("migrations: ") + e.what());
  } catch (const std::exception& e) {
    return Internal(std::string("migrations: ") + e.what());
  }
  return applied;
}

}  // namespace roadsense::db
