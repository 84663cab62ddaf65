#include "db/ingest_ledger.h"

#include <algorithm>
#include <numeric>
#include <pqxx/result>
#include <set>

#include "db/pg_array.h"

namespace roadsense::db {
namespace {

constexpr char kClaimSkippingExisting[] = "ingest_ledger_claim";
constexpr char kClaimExpectingNew[] = "ingest_ledger_claim_new";

// Both statements share everything but the conflict clause.
#define RS_LEDGER_INSERT \
  "INSERT INTO ingest_ledger (vehicle_pseudonym, batch_sequence, batch_time, message_id) " \
  "SELECT p, s, " RS_MS_TO_TIMESTAMPTZ("t") ", m "                                        \
  "FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) "                       \
  "  WITH ORDINALITY AS u(p, s, t, m, i) "                                                 \
  "WHERE NOT EXISTS (SELECT 1 FROM ingest_ledger_legacy l "                                \
  "                  WHERE l.vehicle_pseudonym = u.p AND l.batch_sequence = u.s) "         \
  "ORDER BY i "

}  // namespace

void IngestLedger::Prepare(pqxx::connection_base& connection) {
  // Binary array parameters (PgBinaryArray, PgBinaryTextArray): no array_in / int8in per element.
  // WITH ORDINALITY + ORDER BY keeps the caller's (sorted) order, which is the lock order.
  // The partition key batch_time is part of the primary key and the same for every copy of a
  // batch, so ON CONFLICT finds an earlier copy in whichever partition it lives.
  // A plain INSERT waits for an uncommitted copy of a key just as ON CONFLICT does, then fails
  // with unique_violation if that copy committed (and goes on if it aborted).
  connection.prepare(kClaimSkippingExisting, RS_LEDGER_INSERT
                     "ON CONFLICT DO NOTHING "
                     "RETURNING vehicle_pseudonym, batch_sequence");
  connection.prepare(kClaimExpectingNew,
                     RS_LEDGER_INSERT "RETURNING vehicle_pseudonym, batch_sequence");
}
#undef RS_LEDGER_INSERT

std::vector<bool> IngestLedger::Claim(pqxx::work& txn, const std::vector<LedgerEntry>& entries,
                                      ClaimMode mode) {
  std::vector<size_t> order(entries.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return entries[a].key < entries[b].key; });

  std::vector<std::string> pseudonyms, message_ids;
  std::vector<int64_t> sequences, batch_times;
  for (size_t i : order) {
    pseudonyms.push_back(entries[i].key.vehicle_pseudonym);
    sequences.push_back(entries[i].key.batch_sequence);
    batch_times.push_back(entries[i].batch_time_ms);
    message_ids.push_back(entries[i].message_id);
  }
  std::vector<bool> claimed(entries.size(), false);
  if (entries.empty()) return claimed;

  using enum PgIntType;
  const char* statement =
      mode == ClaimMode::kExpectNew ? kClaimExpectingNew : kClaimSkippingExisting;
  const pqxx::result rows =
      txn.exec_prepared(statement, PgBinaryParam(PgBinaryTextArray(pseudonyms)),
                        PgBinaryParam(PgBinaryArray(sequences, kBigint)),
                        PgBinaryParam(PgBinaryArray(batch_times, kBigint)),
                        PgBinaryParam(PgBinaryTextArray(message_ids)));
  // Keys are distinct, so as many rows as entries means every one was inserted: the common case,
  // without a set of 4,000-odd keys built only to be looked up.
  if (rows.size() == entries.size()) return std::vector<bool>(entries.size(), true);
  std::set<BatchKey> inserted;
  for (const auto& row : rows) {
    inserted.insert({row[0].as<std::string>(), row[1].as<int64_t>()});
  }
  for (size_t i = 0; i < entries.size(); ++i) claimed[i] = inserted.count(entries[i].key) > 0;
  return claimed;
}

}  // namespace roadsense::db
