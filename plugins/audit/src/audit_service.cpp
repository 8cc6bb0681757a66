#include "audit_service.hpp"

#include "audit_export.hpp"
#include "audit_query.hpp"
#include "entry_rules.hpp"

namespace cc::audit {

void AuditService::record(const AuditEntry& entry) {
  // normalizeEntry and enqueue never throw; the guard is for allocation failures, so the
  // promise "never throws" holds whatever happens.
  try {
    writer_.enqueue(normalizeEntry(entry));
  } catch (...) {
  }
}

AuditPage AuditService::query(const AuditQuery& query) { return runQuery(db_, validateQuery(query, maxPageSize_)); }

std::unique_ptr<AuditExport> AuditService::exportLog(const AuditQuery& filters, ExportFormat format) {
  return openExport(db_, filters, format);
}

}  // namespace cc::audit
