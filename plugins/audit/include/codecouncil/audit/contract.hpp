#pragma once
// audit's contract: direct writes, the filtered query (the admin API's audit log view) and the
// export (GET /api/admin/audit-logs/export, `codecouncil audit export`).
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
#include <memory>
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

enum class ExportFormat {
  Ndjson,  ///< one JSON object per line (record_json.hpp's fields), LF line ends
  Csv,     ///< RFC 4180 with a header row (kExportColumns), CRLF, formula cells defused
};

/// The CSV export's columns, in order: the list's fields, metadata as its JSON text.
inline constexpr std::array<const char*, 11> kExportColumns = {
    "id", "userId", "action", "severity", "resourceType", "resourceId", "metadata", "ip", "userAgent", "requestId",
    "createdAt"};

/// One export in progress, read piece by piece (the contract of the SDK's BodyWriter, so a route
/// can stream it as is). It covers the rows that matched when exportLog() was called, oldest
/// first; rows written later are not in it. Each next() reads one page of rows on a pooled
/// connection of its own and returns it, so an export holds no connection between pieces and its
/// memory does not grow with the log.
class AuditExport {
 public:
  virtual ~AuditExport() = default;
  /// Appends the next piece (the CSV header, then a page of rows) to `out`; false when that was
  /// the last piece. Throws on a database failure (a streamed body then ends early).
  virtual bool next(std::string& out) = 0;
  /// Rows appended so far.
  virtual std::int64_t rows() const = 0;
};

class AuditLog {
 public:
  static constexpr const char* kServiceName = "audit";
  static constexpr int kContractVersion = 2;
  virtual ~AuditLog() = default;
  /// Never throws: a failure is logged and counted, and the caller carries on.
  virtual void record(const AuditEntry& entry) = 0;
  /// Throws std::invalid_argument for bad filter values (unknown severity, bad dates).
  virtual AuditPage query(const AuditQuery& query) = 0;
  /// Every entry matching `filters` (validated exactly as query()'s; limit and offset are
  /// ignored) in `format`. Throws std::invalid_argument for bad filter values, and database
  /// errors while it takes its snapshot (the newest id); reading starts with the first next().
  virtual std::unique_ptr<AuditExport> exportLog(const AuditQuery& filters, ExportFormat format) = 0;
};

}  // namespace cc::audit
