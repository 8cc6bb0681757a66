#pragma once
// An audit record as JSON: the fields of the admin API's audit log list
// (GET /api/admin/audit-logs), of each line of the NDJSON export and of the syslog message's
// body (which adds the row's hash), in one place. Part of audit's contract (header-only), so
// admin's view, audit's export and what a SIEM receives cannot drift apart.
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/sdk/text.hpp>

#include <exception>

namespace cc::audit {

/// Empty optional fields (userId, resourceId, ip, userAgent, requestId) are null; metadata is
/// the stored JSON object, or its text when it does not parse (an older writer, a hand edit,
/// ill-formed UTF-8, which the parser refuses).
///
/// Every string in it is valid UTF-8, whatever the row holds: the writer repairs what it
/// stores, but a row edited by hand may not be, and this JSON goes to a browser, an export file
/// and a SIEM. Each ill-formed byte is U+FFFD (text::replaceInvalidUtf8), field by field.
inline json::ObjectPtr recordJson(const AuditRecord& r) {
  auto o = json::object();
  auto textOrNull = [&](const char* key, const std::string& v) {
    if (v.empty()) o->set(key, Poco::Dynamic::Var());
    else o->set(key, text::replaceInvalidUtf8(v));
  };
  o->set("id", r.id);
  textOrNull("userId", r.userId);
  o->set("action", text::replaceInvalidUtf8(r.action));
  o->set("severity", text::replaceInvalidUtf8(r.severity));
  o->set("resourceType", text::replaceInvalidUtf8(r.resourceType));
  textOrNull("resourceId", r.resourceId);
  try {
    o->set("metadata", text::withValidUtf8(json::parseObject(r.metadata)));
  } catch (const std::exception&) {
    o->set("metadata", text::replaceInvalidUtf8(r.metadata));
  }
  textOrNull("ip", r.ip);
  textOrNull("userAgent", r.userAgent);
  textOrNull("requestId", r.requestId);
  o->set("createdAt", text::replaceInvalidUtf8(r.createdAt));
  return o;
}

}  // namespace cc::audit
