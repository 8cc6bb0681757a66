#include "audit_query.hpp"

#include "entry_rules.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Nullable.h>
#include <Poco/Timespan.h>

#include <regex>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::audit {

namespace {

constexpr std::size_t kMaxFilterBytes = 256;

void checkText(const std::optional<std::string>& value, const std::string& name) {
  if (!value) return;
  if (value->empty()) throw std::invalid_argument(name + " must not be empty");
  if (value->size() > kMaxFilterBytes)
    throw std::invalid_argument(name + " must be at most " + std::to_string(kMaxFilterBytes) + " characters");
}

std::string joinedList(const auto& values) {
  std::string out;
  for (const char* v : values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

}  // namespace

std::string normalizeTimestamp(const std::string& text, const std::string& name) {
  static const std::regex iso(
      R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))?)?$)");
  std::smatch m;
  const std::string bad = name + " must be an ISO-8601 date or time, e.g. 2025-01-15 or 2025-01-15T10:00:00Z";
  if (text.size() > 40 || !std::regex_match(text, m, iso)) throw std::invalid_argument(bad);
  auto num = [&](int i) { return m[i].matched ? std::stoi(m[i].str()) : 0; };
  int year = num(1), month = num(2), day = num(3), hour = num(4), minute = num(5), second = num(6);
  int millis = m[7].matched ? std::stoi((m[7].str() + "00").substr(0, 3)) : 0;
  if (!Poco::DateTime::isValid(year, month, day, hour, minute, second, millis) || year < 1000)
    throw std::invalid_argument(bad);
  Poco::DateTime t(year, month, day, hour, minute, second, millis);
  if (m[9].matched) {
    int offsetMinutes = num(10) * 60 + num(11);
    if (num(10) > 23 || num(11) > 59) throw std::invalid_argument(bad);
    Poco::Timespan offset(0, 0, offsetMinutes, 0, 0);
    if (m[9].str() == "+") t -= offset;  // 10:00+02:00 is 08:00 UTC
    else t += offset;
  }
  return Poco::DateTimeFormatter::format(t, "%Y-%m-%dT%H:%M:%S.%iZ");
}

AuditQuery validateQuery(AuditQuery q, int maxLimit) {
  checkText(q.userId, "userId");
  checkText(q.action, "action");
  if (q.action && q.action->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") !=
                      std::string::npos)
    throw std::invalid_argument("action may contain only letters, digits and _ . : -");
  if (q.severity && !isSeverity(*q.severity))
    throw std::invalid_argument("severity must be one of: " + joinedList(kSeverities));
  if (q.resourceType && !isResourceType(*q.resourceType))
    throw std::invalid_argument("resourceType must be one of: " + joinedList(kResourceTypes));
  if (q.from) q.from = normalizeTimestamp(*q.from, "from");
  if (q.to) q.to = normalizeTimestamp(*q.to, "to");
  if (q.from && q.to && *q.from > *q.to) throw std::invalid_argument("from must not be after to");
  if (q.limit < 1) throw std::invalid_argument("limit must be at least 1");
  if (q.limit > maxLimit) q.limit = maxLimit;
  if (q.offset < 0) throw std::invalid_argument("offset must not be negative");
  return q;
}

SqlFilter buildFilter(const AuditQuery& q, const IdBounds* ids, const DimensionTerm& dimension) {
  SqlFilter f;
  auto add = [&](const std::string& condition) { f.where += (f.where.empty() ? " WHERE " : " AND ") + condition; };
  auto column = [&](std::string_view name) { return dimension ? dimension(name) : std::string(name); };
  if (q.userId) {
    add("\"userId\" = ?");
    f.params.push_back(*q.userId);
  }
  if (q.action) {
    // validateQuery allows only ASCII letters, digits and _.:- so incrementing the last
    // character gives the first string after every string with this prefix.
    std::string upper = *q.action;
    upper.back() = static_cast<char>(upper.back() + 1);
    add(column("action") + " >= ? AND " + column("action") + " < ?");
    f.params.push_back(*q.action);
    f.params.push_back(upper);
  }
  if (q.severity) {
    add(column("severity") + " = ?");
    f.params.push_back(*q.severity);
  }
  if (q.resourceType) {
    add(column("\"resourceType\"") + " = ?");
    f.params.push_back(*q.resourceType);
  }
  if (ids) {
    // Integers read from the database, not caller text.
    if (q.from) add("id >= " + std::to_string(ids->first));
    if (q.to) add("id <= " + std::to_string(ids->last));
  } else {
    if (q.from) {
      add("\"createdAt\" >= ?");
      f.params.push_back(*q.from);
    }
    if (q.to) {
      add("\"createdAt\" < ?");
      f.params.push_back(*q.to);
    }
  }
  return f;
}

namespace {

std::string textOrEmpty(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  Poco::Dynamic::Var v = rs.value(col, row);
  return v.isEmpty() ? std::string() : v.toString();
}

}  // namespace

std::vector<AuditRecord> readRecords(Poco::Data::Statement& select) {
  std::vector<AuditRecord> records;
  Poco::Data::RecordSet rs(select);
  records.reserve(rs.rowCount());
  for (std::size_t i = 0; i < rs.rowCount(); ++i) {
    AuditRecord r;
    r.id = rs.value(0, i).convert<std::int64_t>();
    r.userId = textOrEmpty(rs, 1, i);
    r.action = rs.value(2, i).toString();
    r.severity = rs.value(3, i).toString();
    r.resourceType = rs.value(4, i).toString();
    r.resourceId = textOrEmpty(rs, 5, i);
    r.metadata = rs.value(6, i).toString();
    r.ip = textOrEmpty(rs, 7, i);
    r.userAgent = textOrEmpty(rs, 8, i);
    r.requestId = textOrEmpty(rs, 9, i);
    r.createdAt = rs.value(10, i).toString();
    records.push_back(std::move(r));
  }
  return records;
}

std::optional<IdBounds> resolveTimeRange(Database& db, Poco::Data::Session& s, const AuditQuery& q) {
  IdBounds ids;
  if (q.from) {
    // An ordered seek on ("createdAt", id). MIN(id) WHERE "createdAt" >= ? reads the same row,
    // but both planners answer it by walking the primary key until the first match.
    std::vector<std::int64_t> first;
    std::string from = *q.from;
    s << db.sql("SELECT id FROM \"AuditLog\" WHERE \"createdAt\" >= ? ORDER BY \"createdAt\", id LIMIT 1"), use(from),
        into(first), now;
    if (first.empty()) return std::nullopt;
    ids.first = first[0];
  }
  if (q.to) {
    std::vector<std::int64_t> last;
    std::string to = *q.to;
    s << db.sql("SELECT id FROM \"AuditLog\" WHERE \"createdAt\" < ? ORDER BY \"createdAt\" DESC, id DESC LIMIT 1"),
        use(to), into(last), now;
    if (last.empty()) return std::nullopt;
    ids.last = last[0];
  }
  if (q.from && q.to && ids.first > ids.last) return std::nullopt;
  return ids;
}

namespace {

std::int64_t countWith(Database& db, Poco::Data::Session& s, const std::string& sql, std::vector<std::string> params) {
  std::int64_t n = 0;
  Poco::Data::Statement st(s);
  st << db.sql(sql);
  for (auto& p : params) st, use(p);
  st, into(n);
  st.execute();
  return n;
}

}  // namespace

AuditPage runQuery(Database& db, const AuditQuery& q) {
  auto s = db.session();
  AuditPage page;
  page.limit = q.limit;
  page.offset = q.offset;

  std::optional<IdBounds> ids;
  if (q.from || q.to) {
    ids = resolveTimeRange(db, s, q);
    if (!ids) return page;  // nothing in the time range
  }

  // Filters on action, severity and resourceType only: the total is a sum over the
  // maintained counts (a few dozen rows). Otherwise count through the filters' indexes.
  DimensionTerm dimension;  // as is
  bool dimensionsOnly = !q.userId && !ids;
  if (dimensionsOnly) {
    SqlFilter dims = buildFilter(q);
    page.total = countWith(db, s, "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM \"AuditLogCounts\"" + dims.where,
                           dims.params);
    // A planner may pick the filter's index and sort every match by id, even when matches are
    // so dense that reading id DESC would find a page at once. The counts say which case this
    // is; then the terms are written so that no index is picked (where the engine takes that
    // hint; otherwise they stay as they are and its planner decides).
    if (q.action || q.severity || q.resourceType) {
      std::int64_t all = countWith(db, s, "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM \"AuditLogCounts\"", {});
      if (all > 0 && page.total * 50 >= all)  // at least 2% of rows match
        dimension = [&db](std::string_view column) { return db.unindexedSql(column); };
    }
  } else {
    SqlFilter f = buildFilter(q, ids ? &*ids : nullptr);
    page.total = countWith(db, s, "SELECT COUNT(*) FROM \"AuditLog\"" + f.where, f.params);
  }
  if (page.total == 0 || q.offset >= page.total) return page;

  // id order is createdAt order (the writer never lets time go backwards), so "newest first,
  // ties by id" is simply id descending. Deferred join: find the page's ids through the
  // (covering) filter index first, then read only those rows.
  SqlFilter f = buildFilter(q, ids ? &*ids : nullptr, dimension);
  Poco::Data::Statement select(s);
  select << db.sql(
      std::string("SELECT ") + kRecordColumns + " FROM \"AuditLog\" WHERE id IN (SELECT id FROM \"AuditLog\"" +
      f.where + " ORDER BY id DESC LIMIT " + std::to_string(q.limit) + " OFFSET " + std::to_string(q.offset) +
      ") ORDER BY id DESC");
  for (auto& p : f.params) select, use(p);
  select.execute();
  page.items = readRecords(select);
  return page;
}

}  // namespace cc::audit
