#include "audit_views.hpp"

#include <codecouncil/sdk/http_error.hpp>

#include <exception>

namespace cc::admin {

audit::AuditQuery auditQueryFromRequest(const Request& req) {
  audit::AuditQuery q;
  auto text = [&](const char* name) -> std::optional<std::string> {
    auto v = req.queryParam(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
  };
  auto number = [&](const char* name, int fallback) {
    auto v = text(name);
    if (!v) return fallback;
    bool digits = v->size() <= 9 && v->find_first_not_of("0123456789") == std::string::npos;
    if (!digits) throw HttpError(400, std::string(name) + " must be a whole number");
    return std::stoi(*v);
  };
  q.userId = text("userId");
  q.action = text("action");
  q.severity = text("severity");
  q.resourceType = text("resourceType");
  q.from = text("from");
  q.to = text("to");
  q.limit = number("limit", q.limit);
  q.offset = number("offset", q.offset);
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
