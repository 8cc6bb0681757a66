#pragma once
// An audit record as JSON: the fields of the admin API's audit log list
// (GET /api/admin/audit-logs) and of each line of the NDJSON export, in one place. Part of
// audit's contract (header-only), so admin's view and audit's export cannot drift apart.
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/sdk/json.hpp>

#include <exception>

namespace cc::audit {

/// Empty optional fields (userId, resourceId, ip, userAgent, requestId) are null; metadata is
/// the stored JSON object, or its text when it does not parse (an older writer, a hand edit).
inline json::ObjectPtr recordJson(const AuditRecord& r) {
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
    o->set("metadata", r.metadata);
  }
  textOrNull("ip", r.ip);
  textOrNull("userAgent", r.userAgent);
  textOrNull("requestId", r.requestId);
  o->set("createdAt", r.createdAt);
  return o;
}

}  // namespace cc::audit
