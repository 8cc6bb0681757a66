#include "user_directory.hpp"

#include "sql_values.hpp"

#include <codecouncil/sdk/http.hpp>

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace cc::admin {

namespace {

const char* kColumns =
    "id, email, name, \"isAdmin\", suspended, \"suspendedReason\", \"suspendedAt\", tier, \"createdAt\", "
    "\"updatedAt\"";

std::vector<UserRow> readRows(Poco::Data::Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<UserRow> rows;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) {
    UserRow r;
    r.id = textValue(rs.value(0, i));
    r.email = textValue(rs.value(1, i));
    r.name = textValue(rs.value(2, i));
    r.isAdmin = sqlBool(rs.value(3, i));
    r.suspended = sqlBool(rs.value(4, i));
    r.suspendedReason = textValue(rs.value(5, i));
    r.suspendedAt = textValue(rs.value(6, i));
    r.tier = textValue(rs.value(7, i));
    r.createdAt = textValue(rs.value(8, i));
    r.updatedAt = textValue(rs.value(9, i));
    rows.push_back(std::move(r));
  }
  return rows;
}

struct Where {
  std::string sql;
  std::vector<std::string> params;
  void add(const std::string& condition) { sql += (sql.empty() ? " WHERE " : " AND ") + condition; }
};

Where buildWhere(const UserFilter& f) {
  Where w;
  if (f.search) {
    w.add("(email LIKE ? ESCAPE '\\' OR id = ?)");
    w.params.push_back("%" + likeEscape(lowerAscii(*f.search)) + "%");
    w.params.push_back(*f.search);
  }
  if (f.tier) {
    w.add("tier = ?");
    w.params.push_back(*f.tier);
  }
  if (f.plan == PlanFilter::Paid) w.add("tier <> 'free'");
  if (f.plan == PlanFilter::Free) w.add("tier = 'free'");
  if (f.suspended) w.add(*f.suspended ? "suspended = true" : "suspended = false");
  if (f.admin) w.add(*f.admin ? "\"isAdmin\" = true" : "\"isAdmin\" = false");
  return w;
}

}  // namespace

std::string likeEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::int64_t UserDirectory::count() {
  auto s = db_.session();
  std::int64_t n = 0;
  s << "SELECT COUNT(*) FROM \"User\"", into(n), now;
  return n;
}

std::int64_t UserDirectory::countSuspended() {
  auto s = db_.session();
  std::int64_t n = 0;
  s << "SELECT COUNT(*) FROM \"User\" WHERE suspended = true", into(n), now;
  return n;
}

std::vector<UserRow> UserDirectory::newest(int limit) {
  auto s = db_.session();
  Poco::Data::Statement st(s);
  st << std::string("SELECT ") + kColumns + " FROM \"User\" ORDER BY \"createdAt\" DESC, id DESC LIMIT " +
            std::to_string(limit);
  return readRows(st);
}

UserPage UserDirectory::list(const UserFilter& filter) {
  Where w = buildWhere(filter);
  auto s = db_.session();
  UserPage page;
  page.limit = filter.limit;
  page.offset = filter.offset;

  Poco::Data::Statement count(s);
  count << db_.sql("SELECT COUNT(*) FROM \"User\"" + w.sql);
  for (auto& p : w.params) count, use(p);
  count, into(page.total);
  count.execute();

  Poco::Data::Statement select(s);
  select << db_.sql(std::string("SELECT ") + kColumns + " FROM \"User\"" + w.sql +
                    " ORDER BY \"createdAt\" DESC, id DESC LIMIT " + std::to_string(filter.limit) + " OFFSET " +
                    std::to_string(filter.offset));
  for (auto& p : w.params) select, use(p);
  page.items = readRows(select);
  return page;
}

std::optional<UserRow> UserDirectory::find(const std::string& id) {
  auto s = db_.session();
  std::string key = id;
  Poco::Data::Statement st(s);
  st << db_.sql(std::string("SELECT ") + kColumns + " FROM \"User\" WHERE id = ?"), use(key);
  auto rows = readRows(st);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::map<std::string, std::string> UserDirectory::emailsOf(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  if (ids.empty()) return out;
  std::string placeholders;
  for (std::size_t i = 0; i < ids.size(); ++i) placeholders += i ? ", ?" : "?";
  std::vector<std::string> keys = ids;
  auto s = db_.session();
  Poco::Data::Statement st(s);
  st << db_.sql("SELECT id, email FROM \"User\" WHERE id IN (" + placeholders + ")");
  for (auto& k : keys) st, use(k);
  st.execute();
  Poco::Data::RecordSet rs(st);
  for (std::size_t i = 0; i < rs.rowCount(); ++i) out[textValue(rs.value(0, i))] = textValue(rs.value(1, i));
  return out;
}

std::map<std::string, std::int64_t> UserDirectory::signupsPerDay(const std::string& fromDay,
                                                                 const std::string& beforeDay) {
  auto s = db_.session();
  std::string from = fromDay, before = beforeDay.empty() ? std::string("9999") : beforeDay;
  Poco::Data::Statement st(s);
  // "createdAt" is indexed ISO text, so the range is an index scan over the window only.
  st << db_.sql("SELECT substr(\"createdAt\", 1, 10), COUNT(*) FROM \"User\" WHERE \"createdAt\" >= ? AND "
                "\"createdAt\" < ? GROUP BY substr(\"createdAt\", 1, 10)"),
      use(from), use(before);
  return countsByKey(st);
}

}  // namespace cc::admin
