#pragma once
// PostgreSQL: pg_dump (plain SQL, --no-owner) on an exported snapshot, so the manifest's
// row counts and checksums describe exactly what was dumped; restore with psql in one
// transaction. Connection details go to the tools through the environment (PGPASSWORD).
#include "database_target.hpp"
#include "dump_result.hpp"
#include "gzip_io.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cc::backup {

inline constexpr const char* kPostgresDumpComplete = "-- PostgreSQL database dump complete";

DumpResult dumpPostgres(const DatabaseTarget& db, const std::string& pgDump, GzipWriter& out);

/// Drops every table, view, sequence, type and function of `db` and loads the dump, all in
/// one psql transaction (ON_ERROR_STOP): on any error the database is unchanged.
void restorePostgres(const std::string& gzPath, const DatabaseTarget& db, const std::string& psql);

/// pg_database_size(current_database()): tables, indexes, TOAST and free space on disk.
std::uint64_t postgresDatabaseBytes(const DatabaseTarget& db);

std::vector<TableStats> postgresTableStats(const DatabaseTarget& db);

/// Creates an empty database on the same server for verification; returns its target.
DatabaseTarget createScratchDatabase(const DatabaseTarget& server);
void dropDatabase(const DatabaseTarget& server, const std::string& name);

}  // namespace cc::backup
