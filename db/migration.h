// Migration: one versioned schema change, and the set embedded into the binary at build time
// from db/migrations/NNNN_name.sql (by db/embed_migrations.cmake).
#pragma once

#include <string>
#include <vector>

namespace roadsense::db {

struct Migration {
  int version = 0;   // NNNN from the file name; applied in ascending order
  std::string name;  // the file name's _name part, e.g. "tile_stats"
  std::string sql;   // the whole file; may hold several statements
};

// Every migration in db/migrations/, sorted by version. Thread-safe.
const std::vector<Migration>& EmbeddedMigrations();

}  // namespace roadsense::db
