// PostgreSQL array literals ("{1,2,NULL}", "{\"a\",\"b\"}") for passing whole columns as one
// parameter, e.g. `unnest($1::bigint[])`. libpqxx 6.4 has no array parameters of its own.
//
// PgBinaryArray* give the same arrays in PostgreSQL's binary form (what array_recv reads), to send
// as a binary parameter (pqxx::binarystring) of a statement that casts it, e.g. `$1::bigint[]`:
// the server then reads fixed-size big-endian integers instead of parsing text (array_in +
// int4in per element). Always one dimension, lower bound 1; the element type must match the
// cast exactly or the server rejects the parameter ("wrong element type").
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/binarystring>
#include <string>
#include <string_view>
#include <vector>

// SQL text turning an epoch-milliseconds bigint expression into a timestamptz, for splicing into
// constant statements: "SELECT " RS_MS_TO_TIMESTAMPTZ("b") " FROM unnest($1::bigint[]) AS b".
#define RS_MS_TO_TIMESTAMPTZ(col) "(timestamptz 'epoch' + " col " * interval '1 millisecond')"

namespace roadsense::db {

std::string PgArrayLiteral(const std::vector<int64_t>& values);
std::string PgArrayLiteral(const std::vector<std::optional<int64_t>>& values);  // nullopt: NULL
std::string PgArrayLiteral(const std::vector<double>& values);       // round-trips exactly
std::string PgArrayLiteral(const std::vector<std::string>& values);  // every element quoted

// Element types of PgBinaryArray: smallint, integer, bigint.
enum class PgIntType { kSmallint, kInteger, kBigint };

// Throws std::out_of_range when a value does not fit `type` (the text form would fail on the
// server instead; binary must not wrap silently). nullopt: NULL.
std::string PgBinaryArray(const std::vector<int64_t>& values, PgIntType type);
std::string PgBinaryArray(const std::vector<std::optional<int64_t>>& values, PgIntType type);
std::string PgBinaryArray(const std::vector<double>& values);  // double precision[], exact
// bytea[]: raw bytes, no escaping; nullopt: NULL.
std::string PgBinaryByteaArray(const std::vector<std::optional<std::string>>& values);
// text[]: the strings' bytes as they are (the server checks they are valid in its encoding).
std::string PgBinaryTextArray(const std::vector<std::string>& values);

// A PgBinaryArray* result as a binary statement parameter.
inline pqxx::binarystring PgBinaryParam(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

// Lower-case hex of raw bytes, for `decode($1, 'hex')` (bytea inside arrays without escaping).
std::string PgHexBytes(std::string_view bytes);

}  // namespace roadsense::db
