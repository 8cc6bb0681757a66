#pragma once
// Versioned SQL migrations: migrations/<component>/<engine>/<NNNN>_<name>.sql, engine being
// "sqlite" or "postgresql". Each file runs in its own transaction and is recorded in
// schema_migrations with a SHA-256 of its text; an applied file that changed stops the start.
#include <codecouncil/sdk/database.hpp>

#include <Poco/Logger.h>

#include <string>
#include <vector>

namespace cc::core {

struct MigrationSource {
  std::string component;  // "core", "billing", ...
  std::string directory;  // the component's folder (holding sqlite/ and postgresql/)
};

struct MigrationFile {
  std::string component;
  int version = 0;
  std::string name;
  std::string path;
  std::string checksum;  // hex SHA-256 of the file's bytes
};

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The files of one component for the database's engine, sorted by version. Throws
/// MigrationError for a malformed name or a duplicate version.
std::vector<MigrationFile> listMigrations(const MigrationSource& source, Engine engine);

struct MigrationReport {
  int applied = 0;
  int alreadyApplied = 0;
};

/// Applies what is missing, in the given component order. Safe when several hosts start at
/// once: on PostgreSQL each file's transaction takes a transaction-level advisory lock before it
/// checks the ledger (so each file is applied once, in order, also through PgBouncer's
/// transaction mode); on SQLite BEGIN IMMEDIATE serialises.
MigrationReport applyMigrations(Database& db, const std::vector<MigrationSource>& sources, Poco::Logger& log);

}  // namespace cc::core
