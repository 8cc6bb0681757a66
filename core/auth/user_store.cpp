#include "core/auth/user_store.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/UUIDGenerator.h>

using namespace Poco::Data::Keywords;

namespace cc::core {
namespace {

const char* kUserColumns = "id, email, \"isAdmin\", suspended, tier, \"passwordHash\", \"createdAt\"";

// Booleans come back as 0/1 from SQLite and as bool from PostgreSQL.
bool asBool(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return false;
  if (v.isBoolean()) return v.extract<bool>();
  if (v.isString()) {
    std::string s = v.toString();
    return s == "t" || s == "true" || s == "1";
  }
  return v.convert<int>() != 0;
}

std::optional<UserRecord> firstUser(Poco::Data::Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (rs.rowCount() == 0) return std::nullopt;
  rs.moveFirst();
  UserRecord r;
  r.user.id = rs["id"].toString();
  r.user.email = rs["email"].toString();
  r.user.isAdmin = asBool(rs["isAdmin"]);
  r.user.suspended = asBool(rs["suspended"]);
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
  auto s = db_.session();
  std::vector<std::string> inserted;
  s << db_.sql("INSERT INTO \"User\" (id, email, \"passwordHash\", \"createdAt\", \"updatedAt\") VALUES (?, ?, ?, " +
               db_.nowSql() + ", " + db_.nowSql() + ") ON CONFLICT (email) DO NOTHING RETURNING id"),
      use(id), use(e), use(h), into(inserted), now;
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

std::optional<User> UserStore::findById(const std::string& id) {
  auto s = db_.session();
  std::string i = id;
  Poco::Data::Statement st(s);
  st << db_.sql(std::string("SELECT ") + kUserColumns + " FROM \"User\" WHERE id = ?"), use(i);
  auto r = firstUser(st);
  if (!r) return std::nullopt;
  return r->user;
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
