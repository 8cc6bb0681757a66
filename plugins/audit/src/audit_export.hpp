#pragma once
// The export behind GET /api/admin/audit-logs/export and `codecouncil audit export`: every entry
// matching the list's filters, oldest first, in keyset pages (never OFFSET, never one big result
// set), formatted as NDJSON or CSV piece by piece.
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/sdk/database.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cc::audit {

/// Rows per piece: one query each, on a connection borrowed for that query only.
inline constexpr int kExportPageRows = 1000;

/// Starts an export of an already validated query: resolves from/to to ids and takes the
/// snapshot (the newest id now), so rows written later are not part of it. Database errors
/// are thrown from here, before a byte is written.
std::unique_ptr<AuditExport> startExport(Database& db, const AuditQuery& query, ExportFormat format,
                                         int pageRows = kExportPageRows);

/// Validates `filters` exactly as the list does (std::invalid_argument with a message for the
/// caller; limit and offset are ignored), then startExport(). AuditLog::exportLog() and the
/// command both start here.
std::unique_ptr<AuditExport> openExport(Database& db, const AuditQuery& filters, ExportFormat format);

/// The text of one record in `format`: a JSON line, or a CSV row ending in CRLF.
void appendRecord(std::string& out, const AuditRecord& record, ExportFormat format);

/// "ndjson" or "csv" (what the route's and the command's --format take); nullopt otherwise.
std::optional<ExportFormat> exportFormatNamed(std::string_view name);

}  // namespace cc::audit
