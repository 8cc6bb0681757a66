#include "audit_views.hpp"

#include <codecouncil/sdk/query_params.hpp>

#include <exception>

namespace cc::admin {

audit::AuditQuery auditQueryFromRequest(const Request& req) {
  audit::AuditQuery q;
  // Filters of at most 256 bytes each; the audit service checks their meaning (a severity it
  // does not know, a time it cannot read) and clamps limit to its page size.
  auto text = [&](const char* name) { return textQueryParam(req, name); };
  q.userId = text("userId");
  q.action = text("action");
  q.severity = text("severity");
  q.resourceType = text("resourceType");
  q.from = text("from");
  q.to = text("to");
  q.limit = intQueryParam(req, "limit", q.limit, 0, 999999999);
  q.offset = intQueryParam(req, "offset", q.offset, 0, 999999999);
  return q;
}

json::ObjectPtr auditRecordJson(const audit::AuditRecord& r) {
  auto o = json::object();
  auto textOrNull = [&](const char* key, const std::string& v) {
    if (v.empty()) o->set(key, Poco::Dynamic::Var());
    else o->set(key, v);
  };
  o->set("id", r.id);
  textOrNull("userId", r.userId);
  o->set("action", r.action);
  o->set("severity", r.severity);
  o->set("resourceType", r.resourceType);
  textOrNull("resourceId", r.resourceId);
  try {
    o->set("metadata", json::parseObject(r.metadata));
  } catch (const std::exception&) {
    o->set("metadata", r.metadata);  // stored by an older writer or edited by hand: show it as is
  }
  textOrNull("ip", r.ip);
  textOrNull("userAgent", r.userAgent);
  textOrNull("requestId", r.requestId);
  o->set("createdAt", r.createdAt);
  return o;
}

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
