// TileChangeNotifier: announces, inside the ingest transaction, which tiles it changed, on the
// PostgreSQL channel `tiles_changed` (LISTEN tiles_changed). PostgreSQL delivers notifications
// only when (and if) the transaction commits. Payload format: db/tiles_changed.md — one line
// per layer, zoom and bucket, split so that every payload stays below 8000 bytes.
//
// Prepare() must have run on the transaction's connection. Thread-safe (stateless).
#pragma once

#include <cstddef>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "db/map_delta.h"
#include "db/statement_batch.h"

namespace roadsense::db {

class TileChangeNotifier {
 public:
  static constexpr char kChannel[] = "tiles_changed";
  static constexpr size_t kMaxPayloadBytes = 7900;  // PostgreSQL's limit is 8000

  static void Prepare(pqxx::connection_base& connection);

  // The payloads announcing `delta` (empty when it changes nothing).
  static std::vector<std::string> Payloads(const MapDelta& delta);

  // Queues the NOTIFY of the payloads on `batch` (sent when the caller runs it; delivered when the
  // transaction commits); returns how many payloads.
  static size_t Notify(StatementBatch& batch, const MapDelta& delta);
};

}  // namespace roadsense::db
