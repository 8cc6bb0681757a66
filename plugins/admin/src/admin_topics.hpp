#pragma once
// The topics admin publishes, declared at start (only admin may publish them), each after the
// user's change has committed.
#include <codecouncil/sdk/events.hpp>

namespace cc::admin::topics {

inline const TopicSpec kUserSuspended{
    "user_suspended",
    {{"userId", FieldType::String, true}, {"adminId", FieldType::String, true}, {"reason", FieldType::String, true}},
    "an admin suspended a user",
    Severity::Warning, EventResource{"admin", "userId"}};

inline const TopicSpec kUserReactivated{
    "user_reactivated",
    {{"userId", FieldType::String, true}, {"adminId", FieldType::String, true}},
    "an admin reactivated a suspended user",
    Severity::Info, EventResource{"admin", "userId"}};

/// userId is the exporting admin (so the audit log finds the export in the admin's history);
/// filters is the export's filter as a query string, rows the number of rows sent.
inline const TopicSpec kUsersExported{
    "users_exported",
    {{"userId", FieldType::String, true}, {"filters", FieldType::String, true}, {"rows", FieldType::Integer, true}},
    "an admin downloaded the user list as CSV (GET /api/admin/users/export)",
    Severity::Info, EventResource{"admin", ""}};

/// userId is the exporting admin; format ndjson or csv; filters the export's filter as a query
/// string (as understood, never the raw request). Published when the export starts: the rows
/// are not in the entry (the export is the copy of them).
inline const TopicSpec kAuditLogsExported{
    "audit_logs_exported",
    {{"userId", FieldType::String, true}, {"format", FieldType::String, true}, {"filters", FieldType::String, true}},
    "an admin downloaded the audit log (GET /api/admin/audit-logs/export)",
    Severity::Warning, EventResource{"admin", ""}};

}  // namespace cc::admin::topics
