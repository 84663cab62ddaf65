// MigrationRunner: brings a database's schema up to date at worker start-up.
//
// Applied versions are recorded in `schema_migrations` (version, name, sha256 of the SQL,
// applied_at). Each migration runs in its own transaction that first takes a transaction-level
// advisory lock, so several workers starting at once apply each migration exactly once and the
// others wait, then skip it. Running it again is a no-op. A migration whose recorded checksum
// differs from the embedded SQL is an error (migrations are immutable once applied).
// Not thread-safe per instance; use one connection per runner.
#pragma once

#include <pqxx/connection>
#include <vector>

#include "core/status.h"
#include "db/migration.h"

namespace roadsense::db {

class MigrationRunner {
 public:
  explicit MigrationRunner(std::vector<Migration> migrations = EmbeddedMigrations());

  // Applies every migration not yet recorded; returns how many this call applied.
  // Errors: kUnavailable (connection), kFailedPrecondition (checksum mismatch),
  // kInternal (a migration's SQL failed; its transaction is rolled back).
  Result<int> Apply(pqxx::connection_base& connection);

 private:
  std::vector<Migration> migrations_;
};

}  // namespace roadsense::db
