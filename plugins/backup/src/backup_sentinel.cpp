#include "backup_sentinel.hpp"

#include "postgres_engine.hpp"

#include <sqlite3.h>

#include <optional>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::backup {
namespace {

constexpr const char* kSelectSentinel = "SELECT \"backupFile\", \"createdAt\" FROM backup_sentinel";

bool sqliteHasTable(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'backup_sentinel'", -1, &st,
                         nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("cannot read the restored copy: ") + sqlite3_errmsg(db));
  bool found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

/// nullopt: no backup_sentinel table at all.
std::optional<std::vector<std::vector<std::string>>> sqliteSentinelRows(const std::string& path) {
  sqlite3* db = nullptr;
  struct Closer {
    sqlite3*& db;
    ~Closer() { sqlite3_close(db); }
  } closer{db};
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open the restored copy " + path);
  if (!sqliteHasTable(db)) return std::nullopt;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, kSelectSentinel, -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("cannot read backup_sentinel in the restored copy: ") + sqlite3_errmsg(db));
  std::vector<std::vector<std::string>> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < 2; ++c) {
      auto text = sqlite3_column_text(st, c);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  return rows;
}

std::optional<std::vector<std::vector<std::string>>> postgresSentinelRows(const DatabaseTarget& target) {
  auto s = openPostgres(target);
  if (queryRows(s, "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
                   "'public' AND c.relkind = 'r' AND c.relname = 'backup_sentinel'")
          .empty())
    return std::nullopt;
  return queryRows(s, kSelectSentinel);
}

}  // namespace

void writeBackupSentinel(Database& db, const std::string& file, const std::string& createdAt,
                         const std::string& environment) {
  std::string f = file, at = createdAt, env = environment;
  // SQLite's wait for its write lock is not fair: a process that writes without pause (a busy
  // host) can hold it through a whole busy_timeout at every moment this one looks. A backup
  // from cron should not fail for that, so the one write it needs is tried a few times.
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    try {
      auto s = db.session();
      s << db.sql("INSERT INTO backup_sentinel (id, \"backupFile\", \"createdAt\", environment) VALUES (1, ?, ?, ?) "
                  "ON CONFLICT (id) DO UPDATE SET \"backupFile\" = excluded.\"backupFile\", "
                  "\"createdAt\" = excluded.\"createdAt\", environment = excluded.environment"),
          use(f), use(at), use(env), now;
      return;
    } catch (const std::exception& e) {
      if (attempt >= kAttempts || !db.isUnavailable(e)) throw;
    }
  }
}

std::vector<std::string> sentinelProblems(const DatabaseTarget& restored, const Manifest& manifest) {
  auto rows = restored.engine == Engine::SQLite ? sqliteSentinelRows(restored.sqlitePath) : postgresSentinelRows(restored);
  if (!rows) return {"backup_sentinel: the table is not in the backup (made before sentinels, or not by this plugin)"};
  if (rows->empty()) return {"backup_sentinel: no sentinel row in the backup; it cannot be shown to be " + manifest.file};
  if (rows->size() > 1) return {"backup_sentinel: " + std::to_string(rows->size()) + " rows, expected 1"};
  const auto& row = rows->front();
  std::vector<std::string> problems;
  if (row[0] != manifest.file)
    problems.push_back("backup_sentinel: the restored data is from backup " + row[0] + ", not " + manifest.file);
  else if (row[1] != manifest.createdAt)
    problems.push_back("backup_sentinel: written at " + row[1] + ", but the manifest says the backup was made at " +
                       manifest.createdAt);
  return problems;
}

}  // namespace cc::backup
