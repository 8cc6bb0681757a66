#pragma once
// The audit log as the admin API shows it (GET /api/admin/audit-logs, the dashboard's recent
// entries, a user's history): query-string parameters in, JSON out. Admin's own: the audit
// plugin's contract (<codecouncil/audit/contract.hpp>) carries only the service and its types.
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/json.hpp>

namespace cc::admin {

/// Reads userId, action, severity, resourceType, from, to, limit and offset from the query
/// string. Empty parameters count as absent (HTML forms send them); limit and offset must be
/// whole numbers (400 otherwise). Value checks (allowed severities, dates, ranges) are the
/// audit service's: it throws std::invalid_argument, which the route answers with a 400.
audit::AuditQuery auditQueryFromRequest(const Request& req);
/// The filters only (userId, action, severity, resourceType, from, to), as the list reads them:
/// what the export takes. limit and offset stay at their defaults.
audit::AuditQuery auditFiltersFromRequest(const Request& req);
/// The filters that are set, as a query string in a fixed order ("severity=error&from=..."),
/// for an audit entry that says what was exported.
std::string describeAuditFilters(const audit::AuditQuery& query);

json::ObjectPtr auditRecordJson(const audit::AuditRecord& record);
/// {"logs": [...], "total": N, "limit": L, "offset": O}
json::ObjectPtr auditPageJson(const audit::AuditPage& page);

}  // namespace cc::admin
