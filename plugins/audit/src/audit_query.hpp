#pragma once
// The filtered, paginated read behind GET /api/admin/audit-logs. Every filter value is
// checked here and bound as a parameter; nothing from the caller is pasted into SQL except
// integers this code produced.
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/audit/contract.hpp>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cc::audit {

/// A WHERE clause (with `?` placeholders, or empty) and its parameters, in order.
struct SqlFilter {
  std::string where;
  std::vector<std::string> params;
};

/// Checks every filter and bounds limit to [1, maxLimit]; from/to become the stored format
/// (2025-01-15T00:00:00.000Z). Throws std::invalid_argument with a message for the caller.
AuditQuery validateQuery(AuditQuery query, int maxLimit);

/// "2025-01-15", "2025-01-15T10:00:00Z", "2025-01-15T10:00:00.5+02:00" -> "2025-01-15T08:00:00.500Z".
/// Throws std::invalid_argument for anything else.
std::string normalizeTimestamp(const std::string& text, const std::string& name);

/// from/to resolved to ids: createdAt never decreases with id, so [from, to) is the id range
/// [first, last] (two index seeks), which every index can use.
struct IdBounds {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

/// How a dimension filter's column (action, severity, "resourceType") is written. Empty: as is,
/// so the planner may pick its index. Database::unindexedSql: no index, so a dense filter reads
/// id DESC and stops early.
using DimensionTerm = std::function<std::string(std::string_view column)>;

/// The filter of an already validated query. action is a prefix: action >= p AND action < p'
/// where p' is p with its last character incremented (an index range, no LIKE wildcards).
/// With `ids`, from/to are replaced by the id range.
SqlFilter buildFilter(const AuditQuery& query, const IdBounds* ids = nullptr, const DimensionTerm& dimension = {});

/// The ids bounding a validated query's [from, to) (only the bounds it has are set), or nullopt
/// when no row lies in the range.
std::optional<IdBounds> resolveTimeRange(Database& db, Poco::Data::Session& session, const AuditQuery& query);

/// The columns readRecords() expects, in its order, for a SELECT list.
inline constexpr const char* kRecordColumns =
    "id, \"userId\", action, severity, \"resourceType\", \"resourceId\", metadata, ip, \"userAgent\", "
    "\"requestId\", \"createdAt\"";

/// The rows of an executed SELECT of kRecordColumns.
std::vector<AuditRecord> readRecords(Poco::Data::Statement& select);

/// Runs a validated query: the total and one page, newest first.
AuditPage runQuery(Database& db, const AuditQuery& query);

}  // namespace cc::audit
