#include "audit_export.hpp"

#include "audit_query.hpp"

#include <codecouncil/audit/record_json.hpp>
#include <codecouncil/sdk/csv.hpp>
#include <codecouncil/sdk/text.hpp>

#include <Poco/Data/Statement.h>

#include <algorithm>

using namespace Poco::Data::Keywords;

namespace cc::audit {

namespace {

// The first id after the export, and the last one in it (inclusive): integers this code read
// from the database, the only values pasted into its SQL.
struct IdWindow {
  std::int64_t after = 0;
  std::int64_t last = 0;
};

class PagedExport : public AuditExport {
 public:
  PagedExport(Database& db, const AuditQuery& query, ExportFormat format, IdWindow window, int pageRows)
      : db_(db), format_(format), window_(window), pageRows_(pageRows) {
    // from/to are in the window already; a prefix action filter spans several actions, whose
    // (action, id) index is not in id order: it is written so the scan follows the primary key
    // (each page continues where the last one stopped, so the export reads the table once).
    AuditQuery dimensions = query;
    dimensions.from.reset();
    dimensions.to.reset();
    SqlFilter f = buildFilter(dimensions, nullptr, [&db](std::string_view column) {
      return column == "action" ? db.unindexedSql(column) : std::string(column);
    });
    where_ = f.where.empty() ? std::string() : " AND " + f.where.substr(std::string(" WHERE ").size());
    params_ = std::move(f.params);
  }

  bool next(std::string& out) override {
    if (format_ == ExportFormat::Csv && !headerWritten_) {
      headerWritten_ = true;
      csv::appendRow(out, std::vector<std::string>(kExportColumns.begin(), kExportColumns.end()));
    }
    if (window_.after >= window_.last) return false;
    std::vector<AuditRecord> page = readPage();
    for (const AuditRecord& r : page) appendRecord(out, r, format_);
    rows_ += static_cast<std::int64_t>(page.size());
    if (static_cast<int>(page.size()) < pageRows_) {
      window_.after = window_.last;
      return false;
    }
    window_.after = page.back().id;
    return window_.after < window_.last;
  }

  std::int64_t rows() const override { return rows_; }

 private:
  std::vector<AuditRecord> readPage() {
    auto session = db_.session();  // returned to the pool when this page is read
    Poco::Data::Statement select(session);
    select << db_.sql(std::string("SELECT ") + kRecordColumns + " FROM \"AuditLog\" WHERE id > " +
                      std::to_string(window_.after) + " AND id <= " + std::to_string(window_.last) + where_ +
                      " ORDER BY id LIMIT " + std::to_string(pageRows_));
    std::vector<std::string> params = params_;
    for (auto& p : params) select, use(p);
    select.execute();
    return readRecords(select);
  }

  Database& db_;
  ExportFormat format_;
  IdWindow window_;
  int pageRows_;
  std::string where_;
  std::vector<std::string> params_;
  bool headerWritten_ = false;
  std::int64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<AuditExport> startExport(Database& db, const AuditQuery& query, ExportFormat format, int pageRows) {
  IdWindow window;
  {
    auto session = db.session();
    std::int64_t newest = 0;
    session << db.sql("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM \"AuditLog\""), into(newest), now;
    window.last = newest;
    if (query.from || query.to) {
      std::optional<IdBounds> ids = resolveTimeRange(db, session, query);
      if (!ids) window.last = 0;  // nothing in the time range: an empty export
      else {
        if (query.from) window.after = ids->first - 1;
        if (query.to) window.last = std::min(window.last, ids->last);
      }
    }
  }
  return std::make_unique<PagedExport>(db, query, format, window, std::max(pageRows, 1));
}

std::unique_ptr<AuditExport> openExport(Database& db, const AuditQuery& filters, ExportFormat format) {
  AuditQuery q = filters;
  q.limit = 1;  // not export parameters: the export pages by itself
  q.offset = 0;
  return startExport(db, validateQuery(q, 1), format);
}

void appendRecord(std::string& out, const AuditRecord& r, ExportFormat format) {
  if (format == ExportFormat::Ndjson) {
    // Stored text is valid UTF-8 (the writer repairs it); a row edited by hand may not be.
    std::string line = json::stringify(recordJson(r));
    if (!text::isValidUtf8(line)) line = text::replaceInvalidUtf8(line);
    out += line;
    out += '\n';
    return;
  }
  csv::appendRow(out, {std::to_string(r.id), r.userId, r.action, r.severity, r.resourceType, r.resourceId, r.metadata,
                       r.ip, r.userAgent, r.requestId, r.createdAt});
}

std::optional<ExportFormat> exportFormatNamed(std::string_view name) {
  if (name == "ndjson") return ExportFormat::Ndjson;
  if (name == "csv") return ExportFormat::Csv;
  return std::nullopt;
}

}  // namespace cc::audit
