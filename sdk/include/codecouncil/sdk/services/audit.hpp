#pragma once
// Services of the audit plugin: direct writes and the filtered query the admin API uses.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::audit {

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

}  // namespace cc::audit
