#pragma once
// cc::audit::AuditLog as other plugins see it: record() normalises and queues, query()
// validates and reads, exportLog() validates and starts an export (audit_export.hpp).
#include "audit_writer.hpp"

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/audit/contract.hpp>

namespace cc::audit {

class AuditService : public AuditLog {
 public:
  AuditService(Database& db, AuditWriter& writer, int maxPageSize)
      : db_(db), writer_(writer), maxPageSize_(maxPageSize) {}

  void record(const AuditEntry& entry) override;
  AuditPage query(const AuditQuery& query) override;
  std::unique_ptr<AuditExport> exportLog(const AuditQuery& filters, ExportFormat format) override;

 private:
  Database& db_;
  AuditWriter& writer_;
  int maxPageSize_;
};

}  // namespace cc::audit
