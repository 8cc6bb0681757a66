#pragma once
// Where a database lives, in the forms the tools need: a file for SQLite; libpq parameters
// for PostgreSQL, handed to pg_dump/psql through the environment (never argv) and to
// Poco as a connection string (in memory only).
#include <codecouncil/sdk/context.hpp>

#include <map>
#include <string>
#include <vector>

namespace cc::backup {

struct DatabaseTarget {
  Engine engine = Engine::SQLite;
  std::string sqlitePath;
  std::string host;
  int port = 5432;
  std::string user;
  std::string password;
  std::string database;
  std::map<std::string, std::string> params;  ///< sslmode, connect_timeout, application_name, sslrootcert

  std::string engineName() const { return engine == Engine::SQLite ? "sqlite" : "postgresql"; }
  /// For messages and logs: never contains the password.
  std::string describe() const;
  /// libpq keyword/value string for Poco::Data::Session("PostgreSQL", ...).
  std::string connectionString() const;
  /// PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ... for a child process.
  std::map<std::string, std::string> libpqEnvironment() const;
  /// The same server and credentials, another database.
  DatabaseTarget withDatabase(const std::string& name) const;
};

/// Parses sqlite://... or postgresql://... as the host does; relative SQLite paths resolve
/// against baseDir. Throws std::invalid_argument.
DatabaseTarget parseDatabaseUrl(const std::string& url, const std::string& baseDir);

/// The database this host instance uses (the environment's database), reached through
/// database.direct_url when that is set. Throws std::runtime_error when database.transaction_pooling
/// is on without a direct_url: dumps and restores must not go through a transaction-pooling proxy.
DatabaseTarget currentDatabase(Context& ctx);

/// Double-quoted SQL identifier.
std::string quoteIdentifier(const std::string& name);

}  // namespace cc::backup
