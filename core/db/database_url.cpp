// Parsing of database.url into what Poco's connectors expect.
#include "core/db/database_impl.hpp"

#include <Poco/URI.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace cc::core {
namespace {

// Values in a libpq connection string are single-quoted with \ and ' escaped.
std::string quoteLibpq(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

DatabaseUrl parseSqlite(const std::string& rest, const std::string& baseDir) {
  if (rest.empty()) throw std::invalid_argument("database.url: sqlite URL has no file path");
  std::filesystem::path p(rest);
  if (p.is_relative()) p = std::filesystem::path(baseDir) / p;
  DatabaseUrl url;
  url.engine = Engine::SQLite;
  url.sqlitePath = p.lexically_normal().string();
  url.connectorString = url.sqlitePath;
  return url;
}

const char* const kEncodingHint =
    "percent-encode these characters in the user name and password: '@' as %40, ':' as %3A, '/' as %2F, "
    "'?' as %3F, '#' as %23, '%' as %25";

/// user:password@host:port, the text between "://" and the first '/', '?' or '#'. A second '@'
/// there is an unencoded '@' in the password (or user name): Poco's parser would take what
/// follows the first one as the user name, and the server would refuse a user nobody named.
void refuseUnencodedAt(const std::string& text) {
  const std::size_t start = text.find("://") + 3;
  const std::size_t end = text.find_first_of("/?#", start);
  const std::string authority = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (std::count(authority.begin(), authority.end(), '@') > 1)
    throw std::invalid_argument("database.url: the user name or password contains '@': percent-encode '@' as %40 "
                                "(postgresql://user:p%40ss@host/db)");
}

DatabaseUrl parsePostgres(const std::string& text) {
  refuseUnencodedAt(text);
  Poco::URI uri;
  try {
    uri = Poco::URI(text);
  } catch (const std::exception&) {
    throw std::invalid_argument(std::string("database.url: not a valid postgresql:// URL; ") + kEncodingHint);
  }
  std::string user, password;
  // Poco 1.11 keeps the user info percent-encoded: split first, then decode each part, so
  // a password may contain ':' '@' '/' written as %3A %40 %2F.
  const std::string& info = uri.getUserInfo();
  auto colon = info.find(':');
  try {
    Poco::URI::decode(info.substr(0, colon), user);
    if (colon != std::string::npos) Poco::URI::decode(info.substr(colon + 1), password);
  } catch (const std::exception&) {  // a '%' not followed by two hex digits
    throw std::invalid_argument(std::string("database.url: the user name or password is not percent-encoded "
                                            "correctly; ") + kEncodingHint);
  }
  // Poco's PostgreSQL connector splits its connection string on spaces and ignores libpq
  // quoting, so a space cannot be passed through; say so instead of failing obscurely.
  if (user.find(' ') != std::string::npos || password.find(' ') != std::string::npos)
    throw std::invalid_argument("database.url: user name and password must not contain spaces");
  std::string db = uri.getPath();
  if (!db.empty() && db.front() == '/') db.erase(0, 1);
  if (uri.getHost().empty()) throw std::invalid_argument("database.url: postgresql URL has no host");
  if (db.empty()) throw std::invalid_argument("database.url: postgresql URL has no database name");

  DatabaseUrl url;
  url.engine = Engine::PostgreSQL;
  auto& kv = url.libpqParams;
  kv.emplace_back("host", uri.getHost());
  kv.emplace_back("port", std::to_string(uri.getPort() ? uri.getPort() : 5432));
  kv.emplace_back("dbname", db);
  if (!user.empty()) kv.emplace_back("user", user);
  if (!password.empty()) kv.emplace_back("password", password);
  bool timeout = false;
  for (auto& [key, value] : uri.getQueryParameters()) {
    static const std::map<std::string, bool> allowed{{"sslmode", true}, {"connect_timeout", true},
                                                     {"application_name", true}, {"sslrootcert", true}};
    if (!allowed.count(key)) throw std::invalid_argument("database.url: unsupported parameter '" + key + "'");
    kv.emplace_back(key, value);
    timeout = timeout || key == "connect_timeout";
  }
  if (!timeout) kv.emplace_back("connect_timeout", "5");
  std::string cs;
  for (auto& [key, value] : kv)
    cs += (cs.empty() ? "" : " ") + key + "=" + (key == "port" ? value : quoteLibpq(value));
  url.connectorString = cs;
  url.sqlitePath = "postgresql://" + (user.empty() ? "" : user + "@") + uri.getHost() + ":" +
                   std::to_string(uri.getPort() ? uri.getPort() : 5432) + "/" + db;
  return url;
}

}  // namespace

std::string DatabaseUrl::describe() const {
  // For PostgreSQL sqlitePath holds the password-free form built in parsePostgres().
  return engine == Engine::SQLite ? "sqlite:" + sqlitePath : sqlitePath;
}

DatabaseUrl parseDatabaseUrl(const std::string& url, const std::string& baseDir) {
  static const std::string kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) return parseSqlite(url.substr(kSqlite.size()), baseDir);
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) return parsePostgres(url);
  auto scheme = url.substr(0, url.find(':'));
  throw std::invalid_argument("database.url: unsupported scheme '" + scheme +
                              "' (use sqlite:///path/to.db or postgresql://user:pass@host:port/db)");
}

}  // namespace cc::core
