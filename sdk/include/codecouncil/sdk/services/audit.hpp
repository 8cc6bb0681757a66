#pragma once
// Services of the audit plugin: direct writes and the filtered query the admin API uses.
//
// Provider: the audit plugin (ctx.services().get<cc::audit::AuditLog>() in a plugin that lists
// "audit" in dependencies() or optionalDependencies()).
//
// The inline helpers at the end turn an HTTP request into an AuditQuery and a page into JSON,
// so every route that exposes the log (GET /api/admin/audit-logs, ...) accepts the same
// parameters, answers bad ones with the same 400s and returns the same field names.
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cc::audit {

inline constexpr std::array<const char*, 4> kSeverities = {"info", "warning", "error", "critical"};
inline constexpr std::array<const char*, 7> kResourceTypes = {"user",   "subscription", "payment", "analysis",
                                                              "admin",  "backup",       "system"};

struct AuditEntry {
  std::string userId;        ///< empty when no user is involved
  std::string action;        ///< "payment_failed", ...
  std::string severity;      ///< info | warning | error | critical
  std::string resourceType;  ///< user | subscription | payment | analysis | admin | backup | system
  std::string resourceId;
  std::string metadata = "{}";  ///< a JSON object as text
  std::string ip;
  std::string userAgent;
  std::string requestId;
};

struct AuditRecord : AuditEntry {
  std::int64_t id = 0;
  std::string createdAt;  ///< ISO-8601 UTC
};

struct AuditQuery {
  std::optional<std::string> userId;
  std::optional<std::string> action;        ///< exact, or prefix: "payment" matches "payment_failed"
  std::optional<std::string> severity;
  std::optional<std::string> resourceType;
  std::optional<std::string> from, to;      ///< ISO-8601 bounds on createdAt (inclusive, exclusive)
  int limit = 50;                           ///< bounded by the service
  int offset = 0;
};

struct AuditPage {
  std::vector<AuditRecord> items;  ///< newest first, ties by id descending
  std::int64_t total = 0;          ///< rows matching the filters, ignoring limit/offset
  int limit = 0;
  int offset = 0;
};

class AuditLog {
 public:
  static constexpr const char* kServiceName = "audit";
  virtual ~AuditLog() = default;
  /// Never throws: a failure is logged and counted, and the caller carries on.
  virtual void record(const AuditEntry& entry) = 0;
  /// Throws std::invalid_argument for bad filter values (unknown severity, bad dates).
  virtual AuditPage query(const AuditQuery& query) = 0;
};

// ---- HTTP helpers -------------------------------------------------------------------------

/// Reads userId, action, severity, resourceType, from, to, limit and offset from the query
/// string. Empty parameters count as absent (HTML forms send them); limit and offset must be
/// whole numbers (400 otherwise). Value checks (allowed severities, dates, ranges) are the
/// service's: see queryJson().
inline AuditQuery queryFromRequest(const Request& req) {
  AuditQuery q;
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

inline json::ObjectPtr toJson(const AuditRecord& r) {
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

/// {"logs": [...], "total": N, "limit": L, "offset": O}
inline json::ObjectPtr toJson(const AuditPage& page) {
  auto items = json::array();
  for (auto& r : page.items) items->add(toJson(r));
  auto o = json::object();
  o->set("logs", items);
  o->set("total", page.total);
  o->set("limit", page.limit);
  o->set("offset", page.offset);
  return o;
}

/// The whole handler body of a query route: parse, query, 400 on a bad filter, JSON page.
inline json::ObjectPtr queryJson(AuditLog& log, const Request& req) {
  AuditQuery q = queryFromRequest(req);
  try {
    return toJson(log.query(q));
  } catch (const std::invalid_argument& e) {
    throw HttpError(400, e.what());
  }
}

}  // namespace cc::audit
