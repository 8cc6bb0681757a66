#include "restore_runner.hpp"

#include "atomic_file.hpp"
#include "backup_files.hpp"
#include "digest.hpp"
#include "gzip_io.hpp"
#include "live_database_guard.hpp"
#include "postgres_engine.hpp"
#include "sqlite_engine.hpp"
#include "verify_scratch.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cc::backup {
namespace {

std::string readSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + " is missing");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string isoNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

CheckedBackup checkBackupFile(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error("backup file " + path + " not found");
  std::string expected = readSmallFile(checksumPath(path));
  expected = expected.substr(0, expected.find_first_of(" \t\n"));
  std::string actual = sha256FileHex(path);
  if (expected != actual)
    throw std::runtime_error("checksum mismatch for " + path + ": expected " + expected + ", got " + actual);

  CheckedBackup c;
  c.path = path;
  c.manifest = Manifest::load(manifestPath(path));
  if (!c.manifest.sha256.empty() && c.manifest.sha256 != actual)
    throw std::runtime_error("the manifest of " + path + " describes another file (sha256 " + c.manifest.sha256 + ")");
  std::string marker = c.manifest.engine == "sqlite" ? kSqliteDumpComplete : kPostgresDumpComplete;
  std::string tail;
  c.sqlBytes = gunzipFile(path, [&](const char* data, std::size_t size) {
    tail.append(data, size);
    if (tail.size() > 8192) tail.erase(0, tail.size() - 4096);
  });
  if (tail.find(marker) == std::string::npos)
    throw std::runtime_error(path + " is incomplete: the dump has no completion line");
  return c;
}

void restoreBackup(const CheckedBackup& backup, const DatabaseTarget& target, const BackupSettings& settings,
                   bool keepScratchMarker) {
  if (backup.manifest.engine != target.engineName())
    throw std::runtime_error("the backup is a " + backup.manifest.engine + " dump; the target database is " +
                             target.engineName());
  if (target.engine == Engine::SQLite) restoreSqlite(backup.path, target.sqlitePath);
  else restorePostgres(backup.path, target, settings.psql, {keepScratchMarker});
}

std::vector<TableStats> tableStats(const DatabaseTarget& target) {
  return target.engine == Engine::SQLite ? sqliteTableStats(target.sqlitePath) : postgresTableStats(target);
}

Verification verifyBackup(const std::string& path, const DatabaseTarget& source, const BackupSettings& settings) {
  Verification v;
  try {
    auto backup = checkBackupFile(path);
    std::vector<TableStats> restored;
    if (source.engine == Engine::SQLite) {
      DatabaseTarget scratch;
      scratch.engine = Engine::SQLite;
      scratch.sqlitePath = temporaryPathFor(std::filesystem::path(path).parent_path().string(), "verify.db");
      struct Cleanup {
        std::string p;
        ~Cleanup() {
          std::error_code ec;
          for (const char* s : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(p + s, ec);
        }
      } cleanup{scratch.sqlitePath};
      restoreBackup(backup, scratch, settings);
      restored = tableStats(scratch);
    } else if (!settings.verifyDatabaseUrl.empty()) {
      auto scratch = parseDatabaseUrl(settings.verifyDatabaseUrl, "/");
      if (namesSameDatabase(scratch, source))  // validation refuses this too; never drop the live database
        throw std::runtime_error("verify_database_url names the live database " + source.describe());
      VerifyScratchLease lease(scratch, source);
      restoreBackup(backup, scratch, settings, true);
      restored = withoutScratchMarker(tableStats(scratch));
    } else {
      auto scratch = createScratchDatabase(source);
      try {
        restoreBackup(backup, scratch, settings);
        restored = tableStats(scratch);
      } catch (...) {
        try {
          dropDatabase(source, scratch.database);
        } catch (...) {
        }
        throw;
      }
      dropDatabase(source, scratch.database);
    }
    v.differences = compareTables(backup.manifest.tables, restored);
    v.ok = v.differences.empty();
    if (v.ok)
      writeFileAtomically(verifiedPath(path), "{\"verifiedAt\":\"" + isoNow() + "\",\"tables\":" +
                                                  std::to_string(restored.size()) + "}\n");
  } catch (const std::exception& e) {
    v.ok = false;
    v.differences = {e.what()};
  }
  return v;
}

}  // namespace cc::backup
