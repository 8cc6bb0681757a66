#include "database_target.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/URI.h>

#include <filesystem>
#include <stdexcept>

namespace cc::backup {
namespace {

std::string quoteLibpq(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string quoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string DatabaseTarget::describe() const {
  if (engine == Engine::SQLite) return "sqlite:" + sqlitePath;
  return "postgresql://" + (user.empty() ? "" : user + "@") + host + ":" + std::to_string(port) + "/" + database;
}

std::string DatabaseTarget::connectionString() const {
  std::string cs = "host=" + quoteLibpq(host) + " port=" + std::to_string(port) + " dbname=" + quoteLibpq(database);
  if (!user.empty()) cs += " user=" + quoteLibpq(user);
  if (!password.empty()) cs += " password=" + quoteLibpq(password);
  for (auto& [k, v] : params) cs += " " + k + "=" + quoteLibpq(v);
  if (!params.count("connect_timeout")) cs += " connect_timeout='5'";
  return cs;
}

std::map<std::string, std::string> DatabaseTarget::libpqEnvironment() const {
  std::map<std::string, std::string> env{{"PGHOST", host}, {"PGPORT", std::to_string(port)}, {"PGDATABASE", database}};
  if (!user.empty()) env["PGUSER"] = user;
  if (!password.empty()) env["PGPASSWORD"] = password;
  static const std::map<std::string, std::string> names{{"sslmode", "PGSSLMODE"},
                                                        {"connect_timeout", "PGCONNECT_TIMEOUT"},
                                                        {"application_name", "PGAPPNAME"},
                                                        {"sslrootcert", "PGSSLROOTCERT"}};
  for (auto& [k, v] : params)
    if (names.count(k)) env[names.at(k)] = v;
  if (!params.count("connect_timeout")) env["PGCONNECT_TIMEOUT"] = "5";
  return env;
}

DatabaseTarget DatabaseTarget::withDatabase(const std::string& name) const {
  DatabaseTarget t = *this;
  t.database = name;
  return t;
}

DatabaseTarget parseDatabaseUrl(const std::string& url, const std::string& baseDir) {
  DatabaseTarget t;
  if (url.rfind("sqlite://", 0) == 0) {
    std::filesystem::path p(url.substr(9));
    if (p.empty()) throw std::invalid_argument("sqlite URL has no file path");
    if (p.is_relative()) p = std::filesystem::path(baseDir) / p;
    t.engine = Engine::SQLite;
    t.sqlitePath = p.lexically_normal().string();
    return t;
  }
  if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
    throw std::invalid_argument("database URL must start with sqlite://, postgresql:// or postgres://");
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const std::exception&) {
    throw std::invalid_argument("not a valid postgresql:// URL");
  }
  t.engine = Engine::PostgreSQL;
  const std::string& info = uri.getUserInfo();  // percent-decoded by Poco
  auto colon = info.find(':');
  t.user = info.substr(0, colon);
  if (colon != std::string::npos) t.password = info.substr(colon + 1);
  t.host = uri.getHost();
  t.port = uri.getPort() ? uri.getPort() : 5432;
  t.database = uri.getPath();
  if (!t.database.empty() && t.database.front() == '/') t.database.erase(0, 1);
  if (t.host.empty()) throw std::invalid_argument("postgresql URL has no host");
  if (t.database.empty()) throw std::invalid_argument("postgresql URL has no database name");
  for (auto& [k, v] : uri.getQueryParameters()) {
    if (k != "sslmode" && k != "connect_timeout" && k != "application_name" && k != "sslrootcert")
      throw std::invalid_argument("unsupported database URL parameter '" + k + "'");
    t.params[k] = v;
  }
  return t;
}

DatabaseTarget currentDatabase(Context& ctx) {
  if (ctx.db().engine() == Engine::SQLite) {
    // Ask SQLite itself which file the host opened: the host's defaults (data_dir, paths
    // relative to the config folder) then need no second implementation here.
    auto session = ctx.db().session();
    Poco::Data::Statement st(session);
    st << "PRAGMA database_list";
    st.execute();
    Poco::Data::RecordSet rs(st);
    for (std::size_t i = 0; i < rs.rowCount(); ++i) {
      if (rs.value(1, i).toString() == "main") {
        DatabaseTarget t;
        t.engine = Engine::SQLite;
        t.sqlitePath = rs.value(2, i).toString();
        if (t.sqlitePath.empty()) throw std::runtime_error("the SQLite database is in memory; nothing to back up");
        return t;
      }
    }
    throw std::runtime_error("cannot find the SQLite database file");
  }
  // pg_dump, psql and this plugin's checks need a server session of their own (session settings,
  // one snapshot): through a transaction-pooling proxy each transaction may reach another one.
  const ConfigNode database = ctx.hostConfig()["database"];
  if (database.has("direct_url") && !database["direct_url"].asString().empty())
    return parseDatabaseUrl(database["direct_url"].asString(), ctx.host().configDir);
  if (database.has("transaction_pooling") && database["transaction_pooling"].asBool())
    throw std::runtime_error(database["transaction_pooling"].where() +
                             ": is true, so backups need database.direct_url, a URL that "
                             "reaches PostgreSQL without the transaction-pooling proxy (pg_dump and psql need a "
                             "server session of their own)");
  return parseDatabaseUrl(database["url"].asString(), ctx.host().configDir);
}

}  // namespace cc::backup
