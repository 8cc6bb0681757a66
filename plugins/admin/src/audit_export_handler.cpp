// GET /api/admin/audit-logs/export?format=ndjson|csv: every audit entry matching the list's
// filters, oldest first, streamed page by page from the audit plugin's export (its formats,
// its keyset pages), so the host's memory does not grow with the log.
#include "admin_api.hpp"
#include "admin_topics.hpp"
#include "audit_views.hpp"

#include <codecouncil/sdk/query_params.hpp>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>

#include <memory>

namespace cc::admin {

void AdminApi::exportAuditLogs(Request& req, Response& res) {
  const User& admin = req.requireUser();
  // Checked before anything else, so a bad format is a 400 whatever else is wrong.
  std::string format = choiceQueryParam(req, "format", {"ndjson", "csv"}).value_or("ndjson");
  audit::AuditQuery filters = auditFiltersFromRequest(req);
  if (!providers_.audit)
    throw HttpError(503, std::string(kNoAudit) + ": the audit log cannot be exported").header("Retry-After", "30");

  std::shared_ptr<audit::AuditExport> out = fromAudit("export", [&] {
    return providers_.audit->exportLog(filters, format == "csv" ? audit::ExportFormat::Csv : audit::ExportFormat::Ndjson);
  });

  // Who exported what, not the rows: the export is the copy of them.
  auto payload = json::object();
  payload->set("userId", admin.id);
  payload->set("format", format);
  payload->set("filters", describeAuditFilters(filters));
  events_.publish(topics::kAuditLogsExported, payload, req);
  log_.information("admin %s started an audit log export (%s)", admin.id, format);

  // The name is built here from digits only: nothing from the request reaches the header.
  std::string name = "audit-logs-" + Poco::DateTimeFormatter::format(Poco::DateTime(), "%Y-%m-%d") + "." + format;
  res.setHeader("Content-Disposition", "attachment; filename=\"" + name + "\"");
  // Personal data (addresses, user agents): no copy in a shared or browser cache.
  res.setHeader("Cache-Control", "no-store");
  res.stream(200, format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
             [out](std::string& piece) { return out->next(piece); });
}

}  // namespace cc::admin
