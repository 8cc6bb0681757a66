#include "audit_views.hpp"

#include <codecouncil/audit/record_json.hpp>
#include <codecouncil/sdk/query_params.hpp>

namespace cc::admin {

audit::AuditQuery auditFiltersFromRequest(const Request& req) {
  audit::AuditQuery q;
  // Filters of at most 256 bytes each; the audit service checks their meaning (a severity it
  // does not know, a time it cannot read).
  auto text = [&](const char* name) { return textQueryParam(req, name); };
  q.userId = text("userId");
  q.action = text("action");
  q.severity = text("severity");
  q.resourceType = text("resourceType");
  q.from = text("from");
  q.to = text("to");
  return q;
}

std::string describeAuditFilters(const audit::AuditQuery& q) {
  std::string out;
  auto add = [&](const char* name, const std::optional<std::string>& value) {
    if (value) out += (out.empty() ? "" : "&") + std::string(name) + "=" + *value;
  };
  add("userId", q.userId);
  add("action", q.action);
  add("severity", q.severity);
  add("resourceType", q.resourceType);
  add("from", q.from);
  add("to", q.to);
  return out;
}

audit::AuditQuery auditQueryFromRequest(const Request& req) {
  // The audit service clamps limit to its page size.
  audit::AuditQuery q = auditFiltersFromRequest(req);
  q.limit = intQueryParam(req, "limit", q.limit, 0, 999999999);
  q.offset = intQueryParam(req, "offset", q.offset, 0, 999999999);
  return q;
}

json::ObjectPtr auditRecordJson(const audit::AuditRecord& r) { return audit::recordJson(r); }

json::ObjectPtr auditPageJson(const audit::AuditPage& page) {
  auto items = json::array();
  for (auto& r : page.items) items->add(auditRecordJson(r));
  auto o = json::object();
  o->set("logs", items);
  o->set("total", page.total);
  o->set("limit", page.limit);
  o->set("offset", page.offset);
  return o;
}

}  // namespace cc::admin
