#include "core/auth/user_store.hpp"
#include "core/fibers/fiber_waiting.hpp"

#include <Poco/Data/DataException.h>
#include <codecouncil/sdk/json.hpp>
#include <Poco/Data/RecordSet.h>
#include <Poco/UUIDGenerator.h>

#include <memory>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::core {
namespace {

const char* kUserColumns = "id, email, \"isAdmin\", suspended, tier, \"passwordHash\", \"createdAt\"";


std::optional<UserRecord> firstUser(Poco::Data::Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (rs.rowCount() == 0) return std::nullopt;
  rs.moveFirst();
  UserRecord r;
  r.user.id = rs["id"].toString();
  r.user.email = rs["email"].toString();
  r.user.isAdmin = cc::sqlBool(rs["isAdmin"]);
  r.user.suspended = cc::sqlBool(rs["suspended"]);
  r.user.tier = rs["tier"].toString();
  r.passwordHash = rs["passwordHash"].toString();
  r.createdAt = rs["createdAt"].toString();
  return r;
}

}  // namespace

std::string normalizeEmail(const std::string& raw) {
  if (raw.size() > 254) throw HttpError(400, "email is too long");
  std::string email = lowerAscii(raw);
  auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at != email.rfind('@') || at + 1 >= email.size() ||
      email.find('.', at) == std::string::npos || email.back() == '.')
    throw HttpError(400, "email is not a valid address");
  for (unsigned char c : email)
    if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == '\\')
      throw HttpError(400, "email is not a valid address");
  return email;
}

std::optional<UserRecord> UserStore::create(const std::string& email, const std::string& passwordHash) {
  std::string id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  std::string e = email, h = passwordHash;
  std::vector<std::string> inserted;
  {
    // Given back before findByEmail() borrows one: a thread holding two connections at once
    // can wait forever on a full pool whose other holders do the same.
    auto s = db_.session();
    s << db_.sql("INSERT INTO \"User\" (id, email, \"passwordHash\", \"createdAt\", \"updatedAt\") VALUES (?, ?, ?, " +
                 db_.nowSql() + ", " + db_.nowSql() + ") ON CONFLICT (email) DO NOTHING RETURNING id"),
        use(id), use(e), use(h), into(inserted), now;
  }
  if (inserted.empty()) return std::nullopt;
  return findByEmail(email);
}

std::optional<UserRecord> UserStore::findByEmail(const std::string& email) {
  auto s = db_.session();
  std::string e = email;
  Poco::Data::Statement st(s);
  st << db_.sql(std::string("SELECT ") + kUserColumns + " FROM \"User\" WHERE email = ?"), use(e);
  return firstUser(st);
}

namespace {

// The columns of a lookup, booleans as 0/1 on both engines so the text result parses the same
// way; `u` is the "User" table in every lookup statement.
const char* kLookupColumns =
    "u.id, u.email, CASE WHEN u.\"isAdmin\" THEN 1 ELSE 0 END, CASE WHEN u.suspended THEN 1 ELSE 0 END, u.tier";

const std::string kFindByIdSql = std::string("SELECT ") + kLookupColumns + " FROM \"User\" u WHERE u.id = ?";

// Several ids travel as one JSON array parameter, so every batch size is the same prepared
// statement on a connection. On SQLite the ids drive a join: `u.id IN (SELECT value FROM
// json_each(?))` built a temporary index of the ids on every run (a page buffer allocated and
// freed each time).
const std::string kFindManySqlite =
    std::string("SELECT ") + kLookupColumns + " FROM json_each(?) AS j CROSS JOIN \"User\" u ON u.id = j.value";
const std::string kFindManyPostgres = std::string("SELECT ") + kLookupColumns +
                                      " FROM \"User\" u WHERE u.id IN (SELECT json_array_elements_text(CAST(? AS json)))";

bool flag(const Database::SqlValue& v) { return v && *v == "1"; }

User userFromRow(const Database::SqlRow& r) {
  if (r.size() != 5 || !r[0] || !r[1]) throw std::runtime_error("user lookup returned an unexpected row");
  return User{*r[0], *r[1], flag(r[2]), flag(r[3]), r[4].value_or("")};
}

}  // namespace

UserStore::UserStore(PooledDatabase& db)
    : db_(db), lookups_([this](const std::vector<std::string>& ids) { return readUsers(ids); }, fiberWaiting()) {}

std::optional<User> UserStore::findById(const std::string& id) { return lookups_.find(id); }

// One batch's read: one statement for all of its users.
std::vector<User> UserStore::readUsers(const std::vector<std::string>& ids) {
  if (ids.size() == 1) {
    std::vector<User> out;
    if (auto user = readOne(ids[0])) out.push_back(std::move(*user));
    return out;
  }
  try {
    return findManyPrepared(ids);
  } catch (const Poco::Data::SessionPoolExhaustedException&) {
    throw;
  } catch (const std::exception&) {
    // As in readOne: a connection that died is gone from the pool now; ask once more on
    // another. A second failure is the batch's error.
  }
  return findManyPrepared(ids);
}

std::optional<User> UserStore::readOne(const std::string& id) {
  try {
    return findByIdPrepared(id);
  } catch (const Poco::Data::SessionPoolExhaustedException&) {
    throw;  // no connection became free in time: asking again would only wait twice as long
  } catch (const std::exception&) {
    // The connection failed (database restarted?) and the pool closed it, with the others
    // that died with it: answer through a fresh one.
  }
  auto s = db_.session();
  std::string i = id;
  Poco::Data::Statement st(s);
  st << db_.sql(std::string("SELECT ") + kUserColumns + " FROM \"User\" WHERE id = ?"), use(i);
  auto r = firstUser(st);
  if (!r) return std::nullopt;
  return r->user;
}

// Runs on every authenticated request: prepared once per pooled connection.
std::optional<User> UserStore::findByIdPrepared(const std::string& id) {
  auto rows = db_.queryPrepared(kFindByIdSql, {id});
  if (rows.empty()) return std::nullopt;
  return userFromRow(rows[0]);
}

std::vector<User> UserStore::findManyPrepared(const std::vector<std::string>& ids) {
  std::string array = "[";
  for (const std::string& id : ids) {
    if (array.size() > 1) array += ',';
    json::detail::appendString(array, id);
  }
  array += ']';
  auto rows = db_.queryPrepared(db_.engine() == Engine::SQLite ? kFindManySqlite : kFindManyPostgres, {array});
  std::vector<User> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(userFromRow(r));
  return out;
}

bool UserStore::promote(const std::string& email) {
  auto s = db_.session();
  std::string e = lowerAscii(email);
  std::vector<std::string> ids;
  s << db_.sql("UPDATE \"User\" SET \"isAdmin\" = true, \"updatedAt\" = " + db_.nowSql() +
               " WHERE email = ? RETURNING id"),
      use(e), into(ids), now;
  return !ids.empty();
}

}  // namespace cc::core
