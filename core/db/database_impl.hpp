#pragma once
// cc::Database over the host's ConnectionPool, for SQLite files and PostgreSQL servers.
#include <codecouncil/sdk/database.hpp>

#include "core/config/host_config.hpp"
#include "core/db/server_session_probe.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
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
  // PostgreSQL: the same parameters as libpq keyword/value pairs, unquoted.
  std::vector<std::pair<std::string, std::string>> libpqParams;
  std::string describe() const;  // safe for logs: "sqlite:/path" or "postgresql://user@host:port/db"
};

/// Accepts "sqlite:///abs/file.db", "sqlite://relative/file.db" (relative to baseDir),
/// "postgresql://user:pass@host:port/db?sslmode=..." (also "postgres://").
/// Throws std::invalid_argument naming what is wrong (never echoing the password).
DatabaseUrl parseDatabaseUrl(const std::string& url, const std::string& baseDir);

class ConnectionPool;

class PooledDatabase : public Database {
 public:
  PooledDatabase(const DatabaseUrl& url, const DatabaseConfig& config);
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
  PoolWaits poolWaits() const override;
  std::vector<SqlRow> queryPrepared(const std::string& sql, const std::vector<SqlValue>& params) override;
  std::vector<SqlRow> queryPrepared(Poco::Data::Session& session, const std::string& sql,
                                    const std::vector<SqlValue>& params) override;
  std::string lockRowsSql() const override;
  void lockNamed(Poco::Data::Session& session, std::string_view scope, std::string_view key) override;
  std::string nowPlusSql(std::int64_t seconds) const override;
  void beginSnapshot(Poco::Data::Session& s) override;
  std::string unindexedSql(std::string_view column) const override;
  bool isUnavailable(const std::exception& e) const noexcept override;
  std::shared_ptr<BatchedWriter> batchedWriter(const std::string& name, const BatchedWriterOptions& options) override;

  const DatabaseUrl& url() const { return url_; }
  /// Open connections, waiters and wait counts, for logs and tests.
  struct PoolStats {
    int open = 0, inUse = 0, waiting = 0;
    std::uint64_t waits = 0, timeouts = 0;
  };
  PoolStats poolStats() const;
  /// Runs a trivial query; false when the database cannot be reached.
  bool ping() noexcept;
  /// database.transaction_pooling (PostgreSQL only).
  bool transactionPooling() const { return transactionPooling_; }
  /// PostgreSQL: whether a pooled connection keeps its server session (false behind PgBouncer's
  /// transaction mode). Borrows two connections; Unknown when pool_max is 1 or on SQLite.
  ServerSessions probeServerSessions();

 private:
  DatabaseUrl url_;
  int busyTimeoutMs_;
  bool transactionPooling_;
  // Shared with the sessions lent out, which may outlive this object by a moment.
  std::shared_ptr<ConnectionPool> pool_;
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
  void runTransactionStatement(Poco::Data::Session& s, const char* sql);
};

/// Opens the database from config (creating the SQLite file's folder). Registers the Poco
/// connectors once per process.
std::unique_ptr<PooledDatabase> openDatabase(const DatabaseConfig& config, const std::string& baseDir);

}  // namespace cc::core
