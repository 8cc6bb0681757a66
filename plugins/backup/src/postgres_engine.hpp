#pragma once
// PostgreSQL: pg_dump (plain SQL, --no-owner) on an exported snapshot, so the manifest's
// row counts and checksums describe exactly what was dumped; restore with psql in one
// transaction. Connection details go to the tools through the environment (PGPASSWORD).
#include "database_target.hpp"
#include "dump_result.hpp"
#include "gzip_io.hpp"

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cc::backup {

inline constexpr const char* kPostgresDumpComplete = "-- PostgreSQL database dump complete";

/// The table that marks a database as a verification scratch database this plugin prepared
/// (see verify_scratch.hpp); restores into such a database keep it.
inline constexpr const char* kVerifyScratchMarker = "codecouncil_verify_scratch";

DumpResult dumpPostgres(const DatabaseTarget& db, const std::string& pgDump, GzipWriter& out);

struct PostgresRestoreOptions {
  bool keepScratchMarker = false;  ///< leave public.codecouncil_verify_scratch in place
};

/// Drops every table, view, sequence, type and function of `db` and loads the dump, all in
/// one psql transaction (ON_ERROR_STOP): on any error the database is unchanged.
void restorePostgres(const std::string& gzPath, const DatabaseTarget& db, const std::string& psql,
                     const PostgresRestoreOptions& options = {});

/// A connection for the plugin's own queries; the error never quotes the password.
Poco::Data::Session openPostgres(const DatabaseTarget& db);
/// Runs `sql` and returns every row as text ("" for NULL).
std::vector<std::vector<std::string>> queryRows(Poco::Data::Session& s, const std::string& sql);

struct DropStatement {
  std::string object;     ///< "table public.\"User\"", for messages
  std::string statement;  ///< "DROP TABLE IF EXISTS public.\"User\" CASCADE;"
};
/// What a restore drops first: every schema, table, view, sequence, type and function that
/// does not belong to an extension (and, when asked, not the scratch marker).
std::vector<DropStatement> dropStatements(Poco::Data::Session& s, bool keepScratchMarker);

/// pg_database_size(current_database()): tables, indexes, TOAST and free space on disk.
std::uint64_t postgresDatabaseBytes(const DatabaseTarget& db);

std::vector<TableStats> postgresTableStats(const DatabaseTarget& db);

/// Creates an empty database on the same server for verification; returns its target.
DatabaseTarget createScratchDatabase(const DatabaseTarget& server);
void dropDatabase(const DatabaseTarget& server, const std::string& name);

}  // namespace cc::backup
