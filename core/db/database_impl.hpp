#pragma once
// cc::Database over a Poco::Data::SessionPool, for SQLite files and PostgreSQL servers.
#include <codecouncil/sdk/database.hpp>

#include "core/config/host_config.hpp"

#include <Poco/Data/SessionPool.h>

#include <memory>
#include <atomic>
#include <mutex>
#include <thread>
#include <string>
#include <utility>
#include <vector>

namespace cc::core {

/// Parsed form of database.url. Never logged whole: describe() hides the password.
struct DatabaseUrl {
  Engine engine = Engine::SQLite;
  std::string sqlitePath;        // SQLite: absolute file path
  std::string connectorString;   // Poco connector string ("host=... dbname=..." for PostgreSQL)
  // PostgreSQL: the same parameters as libpq keyword/value pairs, unquoted, for
  // PQconnectdbParams (the prepared fast path).
  std::vector<std::pair<std::string, std::string>> libpqParams;
  std::string describe() const;  // safe for logs: "sqlite:/path" or "postgresql://user@host:port/db"
};

/// Accepts "sqlite:///abs/file.db", "sqlite://relative/file.db" (relative to baseDir),
/// "postgresql://user:pass@host:port/db?sslmode=..." (also "postgres://").
/// Throws std::invalid_argument naming what is wrong (never echoing the password).
DatabaseUrl parseDatabaseUrl(const std::string& url, const std::string& baseDir);

class PooledDatabase : public Database {
 public:
  PooledDatabase(const DatabaseUrl& url, int poolMin, int poolMax, int busyTimeoutMs);
  ~PooledDatabase() override;

  Engine engine() const override { return url_.engine; }
  Poco::Data::Session session() override;
  std::string sql(std::string_view text) const override;
  std::string nowSql() const override;
  void begin(Poco::Data::Session& s) override;
  void commit(Poco::Data::Session& s) override;
  void rollback(Poco::Data::Session& s) noexcept override;
  int poolUsed() const override;
  int poolAvailable() const override;
  std::vector<SqlRow> queryPrepared(const std::string& sql, const std::vector<SqlValue>& params) override;

  const DatabaseUrl& url() const { return url_; }
  /// Runs a trivial query; false when the database cannot be reached.
  bool ping() noexcept;

 private:
  class Pool;
  DatabaseUrl url_;
  int busyTimeoutMs_;
  std::uint64_t generation_;  // tells this database's per-thread prepared connections from an earlier one's
  std::unique_ptr<Pool> pool_;
  // SQLite admits one writer at a time, and its busy handler makes a waiting writer sleep in
  // steps of milliseconds: under concurrent webhooks that showed as 500 ms tails. This
  // process's write transactions queue here instead (handed over in microseconds) and only
  // other processes meet the busy handler. Timed, so a wait never outlasts busy_timeout_ms
  // (the old worst case); recursive, so a nested begin() on one thread cannot deadlock itself.
  // A rollback after a rollback (migrations do that on an error path) must not unlock twice:
  // the owner and depth say whether this thread holds it.
  std::recursive_timed_mutex sqliteWriter_;
  std::atomic<std::thread::id> writerOwner_{};
  int writerDepth_ = 0;  // only touched by the owner
  void lockWriter();
  void unlockWriterIfHeld() noexcept;
};

/// Opens the database from config (creating the SQLite file's folder). Registers the Poco
/// connectors once per process.
std::unique_ptr<PooledDatabase> openDatabase(const DatabaseConfig& config, const std::string& baseDir);

}  // namespace cc::core
