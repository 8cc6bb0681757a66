#pragma once
// SQLite: a consistent online copy with VACUUM INTO, dumped to SQL text by our own dumper
// (no sqlite3 CLI needed), and restored in one transaction.
#include "dump_result.hpp"
#include "gzip_io.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cc::backup {

inline constexpr const char* kSqliteDumpComplete = "-- codecouncil sqlite dump complete";

/// Copies the live database at `dbPath` into a snapshot in `scratchDir`, then writes the
/// snapshot as SQL to `out` and returns its statistics. The snapshot is removed.
DumpResult dumpSqlite(const std::string& dbPath, const std::string& scratchDir, GzipWriter& out);

/// Replaces every table of the database at `dbPath` with the content of the gzipped dump,
/// in one transaction: on any error the database is unchanged. Creates the file if missing.
void restoreSqlite(const std::string& gzPath, const std::string& dbPath);

/// page_count * page_size: the size of a VACUUM INTO copy at most (free pages are dropped).
std::uint64_t sqliteDatabaseBytes(const std::string& dbPath);

/// Row counts and checksums of every table (one read transaction).
std::vector<TableStats> sqliteTableStats(const std::string& dbPath);

}  // namespace cc::backup
