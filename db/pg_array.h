// PostgreSQL array literals ("{1,2,NULL}", "{\"a\",\"b\"}") for passing whole columns as one
// parameter, e.g. `unnest($1::bigint[])`. libpqxx 6.4 has no array parameters of its own.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
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

// Lower-case hex of raw bytes, for `decode($1, 'hex')` (bytea inside arrays without escaping).
std::string PgHexBytes(std::string_view bytes);

}  // namespace roadsense::db
