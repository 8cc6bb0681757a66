#pragma once
// audit's contract: direct writes and the filtered query (the admin API's audit log view).
//
// Provider: the audit plugin (ctx.services().get<cc::audit::AuditLog>() in a plugin that lists
// "audit" in dependencies() or optionalDependencies()). Owned by the audit plugin, not the SDK:
// link CodeCouncil::audit_contract and include <codecouncil/audit/contract.hpp>. Changing this
// file rebuilds its consumers only (it is no input of the SDK build signature). Bump
// kContractVersion whenever AuditLog or the structs it passes change: a consumer built against
// another version then gets nullptr from get<AuditLog>() and the host logs why.
#include <codecouncil/sdk/events.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::audit {

/// The SDK's severities by name, mildest first (what a TopicSpec declares is what is stored).
inline constexpr std::array<const char*, 4> kSeverities = {severityName(Severity::Info), severityName(Severity::Warning),
                                                           severityName(Severity::Error), severityName(Severity::Critical)};
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
  static constexpr int kContractVersion = 1;
  virtual ~AuditLog() = default;
  /// Never throws: a failure is logged and counted, and the caller carries on.
  virtual void record(const AuditEntry& entry) = 0;
  /// Throws std::invalid_argument for bad filter values (unknown severity, bad dates).
  virtual AuditPage query(const AuditQuery& query) = 0;
};

}  // namespace cc::audit
