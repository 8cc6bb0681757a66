#include "core/auth/user_directory.hpp"

#include <codecouncil/sdk/http.hpp>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::core {

struct UserWhere {
  std::string sql;
  std::vector<std::string> params;
  void add(const std::string& condition) { sql += (sql.empty() ? " WHERE " : " AND ") + condition; }
};

namespace {

// Booleans as 0/1 on both engines, so text results read the same way.
const char* kColumns =
    "id, email, name, CASE WHEN \"isAdmin\" THEN 1 ELSE 0 END, CASE WHEN suspended THEN 1 ELSE 0 END, "
    "\"suspendedReason\", \"suspendedAt\", tier, \"createdAt\", \"updatedAt\"";
constexpr std::size_t kColumnCount = 10;
// Ids per statement in findByIds(): far below SQLite's and PostgreSQL's parameter limits.
constexpr std::size_t kIdsPerBatch = 200;

UserProfile profileFromText(const Database::SqlRow& r) {
  if (r.size() != kColumnCount || !r[0] || !r[1]) throw std::runtime_error("user query returned an unexpected row");
  auto text = [&](std::size_t i) { return r[i].value_or(""); };
  UserProfile u;
  u.id = text(0);
  u.email = text(1);
  u.name = text(2);
  u.isAdmin = text(3) == "1";
  u.suspended = text(4) == "1";
  u.suspendedReason = text(5);
  u.suspendedAt = text(6);
  u.tier = text(7);
  u.createdAt = text(8);
  u.updatedAt = text(9);
  return u;
}

std::string text(const Poco::Dynamic::Var& v) { return v.isEmpty() ? std::string() : v.toString(); }

std::string checkedFilter(const std::string& value, const char* name) {
  if (value.size() > Users::kMaxFilterLength)
    throw std::invalid_argument(std::string(name) + " must be at most " + std::to_string(Users::kMaxFilterLength) +
                                " bytes");
  return value;
}


// Addresses are stored lower-case, so matching the lower-cased search is case-insensitive on
// both engines. PostgreSQL: LIKE, which the trigram index "User_email_trgm_idx" (migration 0005)
// answers for 3 characters or more. SQLite has no such index (FTS5 would be one, but its
// shadow tables do not survive the backup plugin's dump): instr() over the narrow covering
// index "User_list_idx" is a plain substring test, several times cheaper per row than LIKE.
UserWhere buildWhere(const UserFilter& f, Engine engine) {
  UserWhere w;
  if (f.emailContains) {
    std::string search = checkedFilter(*f.emailContains, "emailContains");
    if (engine == Engine::SQLite) {
      w.add("(instr(email, ?) > 0 OR id = ?)");
      w.params.push_back(lowerAscii(search));
    } else {
      w.add("(email LIKE ? ESCAPE '\\' OR id = ?)");
      w.params.push_back("%" + likeEscape(lowerAscii(search)) + "%");
    }
    w.params.push_back(search);
  }
  if (f.tier) {
    w.add("tier = ?");
    w.params.push_back(checkedFilter(*f.tier, "tier"));
  }
  if (f.paidTier) w.add(*f.paidTier ? "tier <> 'free'" : "tier = 'free'");
  if (f.suspended) w.add(*f.suspended ? "suspended = true" : "suspended = false");
  if (f.admin) w.add(*f.admin ? "\"isAdmin\" = true" : "\"isAdmin\" = false");
  return w;
}

bool searchOnly(const UserFilter& f) {
  return f.emailContains && !f.tier && !f.paidTier && !f.suspended && !f.admin;
}

// The keys (SQLite rowid, PostgreSQL id) of the accounts matching `w`, and its parameters. A
// plain search on SQLite scans the e-mail index, the narrowest that holds the address (about
// a third of "User_list_idx", which an OR with the id would need); the id is one seek, and
// UNION ALL (not UNION) lets a LIMIT stop the scan early.
std::pair<std::string, std::vector<std::string>> keysSql(const UserFilter& f, const UserWhere& w, Engine engine) {
  if (engine == Engine::SQLite && searchOnly(f)) {
    std::string search = lowerAscii(*f.emailContains);
    return {"SELECT rowid FROM \"User\" WHERE instr(email, ?) > 0 UNION ALL "
            "SELECT rowid FROM \"User\" WHERE id = ? AND instr(email, ?) = 0",
            {search, *f.emailContains, search}};
  }
  return {std::string("SELECT ") + (engine == Engine::SQLite ? "rowid" : "id") + " FROM \"User\"" + w.sql, w.params};
}

std::vector<UserProfile> readProfiles(Poco::Data::Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<UserProfile> out;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) {
    UserProfile u;
    u.id = text(rs.value(0, i));
    u.email = text(rs.value(1, i));
    u.name = text(rs.value(2, i));
    u.isAdmin = text(rs.value(3, i)) == "1";
    u.suspended = text(rs.value(4, i)) == "1";
    u.suspendedReason = text(rs.value(5, i));
    u.suspendedAt = text(rs.value(6, i));
    u.tier = text(rs.value(7, i));
    u.createdAt = text(rs.value(8, i));
    u.updatedAt = text(rs.value(9, i));
    out.push_back(std::move(u));
  }
  return out;
}

void checkLimit(int limit) {
  if (limit < 1 || limit > Users::kMaxPageSize)
    throw std::invalid_argument("limit must be between 1 and " + std::to_string(Users::kMaxPageSize));
}

void checkTier(const std::string& tier) {
  if (tier.empty()) throw std::invalid_argument("tier must not be empty");
  checkedFilter(tier, "tier");
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

std::optional<UserProfile> UserDirectory::findById(const std::string& id) {
  auto rows = db_.queryPrepared(std::string("SELECT ") + kColumns + " FROM \"User\" WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return profileFromText(rows.front());
}

std::optional<UserProfile> UserDirectory::findById(Poco::Data::Session& session, const std::string& id) {
  auto rows = db_.queryPrepared(session, std::string("SELECT ") + kColumns + " FROM \"User\" WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return profileFromText(rows.front());
}

std::optional<UserProfile> UserDirectory::findByEmail(const std::string& email) {
  auto rows =
      db_.queryPrepared(std::string("SELECT ") + kColumns + " FROM \"User\" WHERE email = ?", {lowerAscii(email)});
  if (rows.empty()) return std::nullopt;
  return profileFromText(rows.front());
}

std::map<std::string, UserProfile> UserDirectory::findByIds(const std::vector<std::string>& ids) {
  std::map<std::string, UserProfile> out;
  for (std::size_t start = 0; start < ids.size(); start += kIdsPerBatch) {
    std::size_t end = std::min(ids.size(), start + kIdsPerBatch);
    std::string placeholders;
    std::vector<std::string> batch(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                   ids.begin() + static_cast<std::ptrdiff_t>(end));
    for (std::size_t i = 0; i < batch.size(); ++i) placeholders += i ? ", ?" : "?";
    for (auto& u : select(std::string("SELECT ") + kColumns + " FROM \"User\" WHERE id IN (" + placeholders + ")",
                          batch))
      out.emplace(u.id, u);
  }
  return out;
}

std::vector<UserProfile> UserDirectory::select(const std::string& sql, const std::vector<std::string>& params) {
  // Through Poco (planned for these very values each time), not queryPrepared(): a search's
  // best plan depends on the pattern, which a cached generic plan would not see.
  auto s = db_.session();
  std::vector<std::string> values = params;
  Poco::Data::Statement st(s);
  st << db_.sql(sql);
  for (auto& v : values) st, use(v);
  return readProfiles(st);
}

std::int64_t UserDirectory::count(const UserFilter& filter) {
  UserWhere w = buildWhere(filter, db_.engine());
  auto s = db_.session();
  std::int64_t n = 0;
  Poco::Data::Statement st(s);
  auto [keys, params] = keysSql(filter, w, db_.engine());
  st << db_.sql("SELECT COUNT(*) FROM (" + keys + ") AS matches");
  for (auto& p : params) st, use(p);
  st, into(n);
  st.execute();
  return n;
}

UserPage UserDirectory::search(const UserFilter& filter, int limit, int offset) {
  checkLimit(limit);
  if (offset < 0) throw std::invalid_argument("offset must not be negative");
  UserWhere w = buildWhere(filter, db_.engine());
  UserPage page;
  page.limit = limit;
  page.offset = offset;
  const std::string window = " ORDER BY \"createdAt\" DESC, id DESC LIMIT " + std::to_string(limit) + " OFFSET " +
                             std::to_string(offset);
  if (filter.emailContains && db_.engine() == Engine::SQLite) {
    // SQLite has no index for a substring, so each pass reads every address. A search usually
    // matches few accounts: one pass collects their keys (stopping after kSortMatchesUpTo + 1),
    // which gives the total and the rows to sort for the page, instead of one pass to count and
    // another to find the page. (On PostgreSQL the trigram index makes both passes cheap.)
    auto keys = selectKeys(filter, w, kSortMatchesUpTo + 1);
    if (static_cast<std::int64_t>(keys.size()) <= kSortMatchesUpTo) {
      page.total = static_cast<std::int64_t>(keys.size());
      if (offset < page.total) page.items = selectByKeys(keys, window);
      return page;
    }
  }
  page.total = count(filter);
  if (offset >= page.total) return page;
  // Few matches: collect them and sort them. Planners tend to walk the "createdAt" index
  // instead, hoping for an early page, and read most of the table when the matches are old;
  // MATERIALIZED (SQLite 3.35+, PostgreSQL 12+) takes that choice away. Many matches: walking
  // the signup order fills a page after a few rows.
  if (page.total <= kSortMatchesUpTo)
    page.items = select(std::string("WITH m AS MATERIALIZED (SELECT ") + kColumns + " FROM \"User\"" + w.sql +
                            ") SELECT * FROM m" + window,
                        w.params);
  else
    page.items = select(std::string("SELECT ") + kColumns + " FROM \"User\"" + w.sql + window, w.params);
  return page;
}

std::vector<UserProfile> UserDirectory::searchAfter(const UserFilter& filter, int limit,
                                                    const std::optional<UserKey>& after) {
  checkLimit(limit);
  UserWhere w = buildWhere(filter, db_.engine());
  if (after) {
    // One row value, compared the way ORDER BY sorts (the same collation for id): both engines
    // seek the ("createdAt" DESC, id DESC) index ("User_list_idx" on SQLite, which also holds
    // the address a search tests; "User_createdAt_id_idx" on PostgreSQL) to the key and read
    // on from there, so a page costs the same at any depth.
    w.add("(\"createdAt\", id) < (?, ?)");
    w.params.push_back(checkedFilter(after->createdAt, "after.createdAt"));
    w.params.push_back(checkedFilter(after->id, "after.id"));
  }
  return select(std::string("SELECT ") + kColumns + " FROM \"User\"" + w.sql +
                    " ORDER BY \"createdAt\" DESC, id DESC LIMIT " + std::to_string(limit),
                w.params);
}

// SQLite: rowids (the covering index holds them; integers, so they go into the SQL text as
// digits). PostgreSQL: ids, bound as parameters.
std::vector<std::string> UserDirectory::selectKeys(const UserFilter& filter, const UserWhere& w,
                                                   std::int64_t atMost) {
  auto s = db_.session();
  auto [keys, params] = keysSql(filter, w, db_.engine());
  Poco::Data::Statement st(s);
  st << db_.sql(keys + " LIMIT " + std::to_string(atMost));
  for (auto& p : params) st, use(p);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<std::string> found;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) found.push_back(text(rs.value(0, i)));
  return found;
}

std::vector<UserProfile> UserDirectory::selectByKeys(const std::vector<std::string>& keys, const std::string& window) {
  std::string list;
  std::vector<std::string> params;
  for (auto& k : keys) {
    if (!list.empty()) list += ", ";
    if (db_.engine() == Engine::SQLite) {
      if (k.empty() || k.find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error("user search returned a rowid that is not a number");
      list += k;
    } else {
      list += "?";
      params.push_back(k);
    }
  }
  const char* key = db_.engine() == Engine::SQLite ? "rowid" : "id";
  return select(std::string("SELECT ") + kColumns + " FROM \"User\" WHERE " + key + " IN (" + list + ")" + window,
                params);
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
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::map<std::string, std::int64_t> out;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) {
    auto n = rs.value(1, i);
    out[text(rs.value(0, i))] = n.isEmpty() ? 0 : n.convert<std::int64_t>();
  }
  return out;
}

bool UserDirectory::setTier(const std::string& id, const std::string& tier) {
  checkTier(tier);
  return db_.transaction([&](Poco::Data::Session& s) { return setTier(s, id, tier); });
}

bool UserDirectory::setTier(Poco::Data::Session& session, const std::string& id, const std::string& tier) {
  checkTier(tier);
  // Unchanged rows are not written: "updatedAt" keeps meaning "last real change".
  auto changed = db_.queryPrepared(session,
                                   "UPDATE \"User\" SET tier = ?, \"updatedAt\" = " + db_.nowSql() +
                                       " WHERE id = ? AND tier <> ? RETURNING id",
                                   {tier, id, tier});
  if (!changed.empty()) return true;
  return !db_.queryPrepared(session, "SELECT id FROM \"User\" WHERE id = ?", {id}).empty();
}

SuspensionChange UserDirectory::suspend(const std::string& id, const std::string& reason) {
  if (reason.empty()) throw std::invalid_argument("a suspension needs a reason");
  if (reason.size() > kMaxReasonLength)
    throw std::invalid_argument("reason must be at most " + std::to_string(kMaxReasonLength) + " bytes");
  return db_.transaction([&](Poco::Data::Session& s) {
    auto changed = db_.queryPrepared(s,
                                     "UPDATE \"User\" SET suspended = true, \"suspendedReason\" = ?, \"suspendedAt\" = " +
                                         db_.nowSql() + ", \"updatedAt\" = " + db_.nowSql() +
                                         " WHERE id = ? AND suspended = false RETURNING id",
                                     {reason, id});
    if (!changed.empty()) return SuspensionChange::Changed;
    bool exists = !db_.queryPrepared(s, "SELECT id FROM \"User\" WHERE id = ?", {id}).empty();
    return exists ? SuspensionChange::AlreadyInState : SuspensionChange::NotFound;
  });
}

SuspensionChange UserDirectory::reactivate(const std::string& id) {
  return db_.transaction([&](Poco::Data::Session& s) {
    auto changed = db_.queryPrepared(s,
                                     "UPDATE \"User\" SET suspended = false, \"suspendedReason\" = NULL, "
                                     "\"suspendedAt\" = NULL, \"updatedAt\" = " +
                                         db_.nowSql() + " WHERE id = ? AND suspended = true RETURNING id",
                                     {id});
    if (!changed.empty()) return SuspensionChange::Changed;
    bool exists = !db_.queryPrepared(s, "SELECT id FROM \"User\" WHERE id = ?", {id}).empty();
    return exists ? SuspensionChange::AlreadyInState : SuspensionChange::NotFound;
  });
}

}  // namespace cc::core
