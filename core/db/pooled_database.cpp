// cc::Database over the host's ConnectionPool: one pool for sessions and prepared statements.
#include "core/db/database_impl.hpp"
#include "core/db/connection_pool.hpp"
#include "core/db/database_unavailable.hpp"
#include "core/db/group_commit_writer.hpp"
#include "core/db/lent_session.hpp"
#include "core/db/wal_checkpointer.hpp"
#include "core/fibers/fiber_waiting.hpp"
#include "core/files/private_files.hpp"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

using namespace Poco::Data::Keywords;

namespace cc::core {

namespace {
void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    // SQLite's multi-thread mode: no mutex around every call on a connection. The pool lends a
    // connection to one thread at a time, which is all this mode asks (Poco's sessions are not
    // thread-safe either), and the prepared hot path ran without those mutexes before it moved
    // onto pooled connections. Only possible before SQLite's first use in the process;
    // otherwise (SQLITE_MISUSE) connections stay serialized, which is merely slower.
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    // No memory statistics: with them every sqlite3_malloc and sqlite3_free takes one global
    // mutex, which the pool's threads fought over on each counted request (futex waits in the
    // profile; docs/performance.md, "Batches that fill before they run"). Nothing here reads
    // sqlite3_memory_used().
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  });
}
}  // namespace

PooledDatabase::PooledDatabase(const DatabaseUrl& url, const DatabaseConfig& config)
    : url_(url),
      busyTimeoutMs_(config.busyTimeoutMs),
      transactionPooling_(config.transactionPooling && url.engine == Engine::PostgreSQL) {
  registerConnectors();
  ConnectionPool::Limits limits;
  limits.min = config.poolMin;
  limits.max = config.poolMax;
  limits.waitTimeout = std::chrono::milliseconds(config.poolTimeoutMs);
  // SQLite: the pool's connections leave their WAL checkpoints to one thread of their own
  // (core/db/wal_checkpointer.hpp). The opener holds it, so it outlives every pooled connection.
  std::shared_ptr<WalCheckpointer> checkpointer;
  if (url_.engine == Engine::SQLite) checkpointer = std::make_shared<WalCheckpointer>(url_.sqlitePath, busyTimeoutMs_);
  pool_ = std::make_shared<ConnectionPool>(
      limits, [url = url_, busy = busyTimeoutMs_, pooling = transactionPooling_, checkpointer] {
        auto conn = PooledConnection::open(url, busy, pooling);
        if (checkpointer) checkpointer->watch(conn->sqlite());
        return conn;
      });
}

PooledDatabase::~PooledDatabase() = default;

Poco::Data::Session PooledDatabase::session() {
  return Poco::Data::Session(new LentSession(pool_, pool_->acquire()));
}

std::string numberPlaceholders(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

std::string PooledDatabase::sql(std::string_view text) const {
  if (url_.engine == Engine::SQLite) return std::string(text);
  return numberPlaceholders(text);
}

std::string PooledDatabase::nowSql() const {
  if (url_.engine == Engine::SQLite) return "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
  return "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

void PooledDatabase::begin(Poco::Data::Session& s) {
  if (url_.engine != Engine::SQLite) {
    s.begin();
    return;
  }
  lockWriter();
  try {
    runTransactionStatement(s, "BEGIN IMMEDIATE");
  } catch (...) {
    unlockWriterIfHeld();
    throw;
  }
}

// SQLite's transaction statements run prepared on the session's connection when it is one of
// ours: Poco would compile them again on every call, and the rate limiter's group commit runs
// one BEGIN and one COMMIT per batch on the hot path.
void PooledDatabase::runTransactionStatement(Poco::Data::Session& s, const char* sql) {
  auto* lent = dynamic_cast<LentSession*>(s.impl());
  if (lent && lent->pool() == pool_.get()) lent->connection().runPrepared(sql, {});
  else s << sql, now;
}

void PooledDatabase::lockWriter() {
  if (!sqliteWriter_.try_lock_for(std::chrono::milliseconds(busyTimeoutMs_)))
    throw std::runtime_error("database is locked: another write transaction of this process ran longer than "
                             "busy_timeout_ms");
  writerOwner_.store(std::this_thread::get_id());
  ++writerDepth_;
  pinToThread();  // the lock belongs to this thread: a request must not step off it meanwhile
}

void PooledDatabase::unlockWriterIfHeld() noexcept {
  if (writerOwner_.load() != std::this_thread::get_id() || writerDepth_ == 0) return;
  if (--writerDepth_ == 0) writerOwner_.store(std::thread::id());
  sqliteWriter_.unlock();
  unpinFromThread();
}

void PooledDatabase::commit(Poco::Data::Session& s) {
  if (url_.engine != Engine::SQLite) {
    s.commit();
    return;
  }
  runTransactionStatement(s, "COMMIT");  // when this throws, the transaction is still open: rollback() unlocks
  unlockWriterIfHeld();
}

void PooledDatabase::rollback(Poco::Data::Session& s) noexcept {
  try {
    if (url_.engine == Engine::SQLite) runTransactionStatement(s, "ROLLBACK");
    else s.rollback();
  } catch (...) {
    // The connection is broken or no transaction is open; nothing more to undo.
  }
  if (url_.engine == Engine::SQLite) unlockWriterIfHeld();
}

int PooledDatabase::poolUsed() const { return pool_->inUse(); }
int PooledDatabase::poolAvailable() const { return pool_->capacity() - pool_->inUse(); }

PoolWaits PooledDatabase::poolWaits() const {
  auto s = pool_->stats();
  PoolWaits out;
  out.buckets.reserve(ConnectionPool::kWaitBucketBounds.size());
  for (std::size_t i = 0; i < ConnectionPool::kWaitBucketBounds.size(); ++i)
    out.buckets.emplace_back(ConnectionPool::kWaitBucketBounds[i], s.waitsWithin[i]);
  out.count = s.waitsEnded;
  out.sumSeconds = s.waitedSeconds;
  out.timeouts = s.timeouts;
  return out;
}

PooledDatabase::PoolStats PooledDatabase::poolStats() const {
  auto s = pool_->stats();
  return PoolStats{s.open, s.inUse, s.waiting, s.waits, s.timeouts};
}

// The hot path: a connection for one statement, prepared once per connection. The lease is
// on the stack, so it goes back even when the statement throws.
std::vector<Database::SqlRow> PooledDatabase::queryPrepared(const std::string& sql,
                                                           const std::vector<SqlValue>& params) {
  ConnectionPool::Lease lease = pool_->acquire();
  return lease->runPrepared(sql, params);
}

std::vector<Database::SqlRow> PooledDatabase::queryPrepared(Poco::Data::Session& session, const std::string& sql,
                                                           const std::vector<SqlValue>& params) {
  auto* lent = dynamic_cast<LentSession*>(session.impl());
  if (!lent || lent->pool() != pool_.get())
    throw std::invalid_argument("queryPrepared: the session does not come from this database's session()");
  return lent->connection().runPrepared(sql, params);
}

std::string PooledDatabase::lockRowsSql() const {
  // SQLite: begin() holds the only write lock (BEGIN IMMEDIATE) until commit, which is more.
  return url_.engine == Engine::PostgreSQL ? " FOR UPDATE" : "";
}

void PooledDatabase::lockNamed(Poco::Data::Session& session, std::string_view scope, std::string_view key) {
  // SQLite: the caller's write transaction (BEGIN IMMEDIATE) already excludes every other
  // writer of the file, in this process (sqliteWriter_) and in others (the file lock), until it
  // ends: exactly what the named lock would add.
  if (url_.engine != Engine::PostgreSQL) return;
  // Two 32-bit keys, as billing has always locked its customers: hosts of an older build and of
  // this one exclude each other. pg_advisory_xact_lock returns void, which is read as no value:
  // count the one row instead.
  queryPrepared(session,
                "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(hashtext(CAST(? AS TEXT)), "
                "hashtext(CAST(? AS TEXT)))) AS l",
                {std::string(scope), std::string(key)});
}

std::string PooledDatabase::nowPlusSql(std::int64_t seconds) const {
  // Built from an integer only: nothing from outside reaches the SQL text.
  const std::string n = std::to_string(seconds);
  if (url_.engine == Engine::SQLite) return "strftime('%Y-%m-%dT%H:%M:%fZ','now','" + n + " seconds')";
  return "to_char((clock_timestamp() + interval '" + n +
         " seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

void PooledDatabase::beginSnapshot(Poco::Data::Session& s) {
  using Poco::Data::Keywords::now;
  // SQLite: a deferred BEGIN takes no write lock, and WAL gives its reads one snapshot.
  s << (url_.engine == Engine::PostgreSQL ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN"), now;
}

std::string PooledDatabase::unindexedSql(std::string_view column) const {
  if (url_.engine == Engine::SQLite) return "+" + std::string(column);
  return std::string(column);
}

bool PooledDatabase::isUnavailable(const std::exception& e) const noexcept { return databaseIsUnavailable(e); }

std::shared_ptr<BatchedWriter> PooledDatabase::batchedWriter(const std::string& name,
                                                             const BatchedWriterOptions& options) {
  if (url_.engine == Engine::SQLite) return std::make_shared<GroupCommitWriter>(*this, name, options, fiberWaiting());
  return std::make_shared<ImmediateWriter>(*this, name, options);
}

bool PooledDatabase::ping() noexcept {
  try {
    auto s = session();
    int one = 0;
    s << "SELECT 1", into(one), now;
    return one == 1;
  } catch (...) {
    return false;
  }
}

ServerSessions PooledDatabase::probeServerSessions() {
  if (url_.engine != Engine::PostgreSQL || pool_->capacity() < 2) return ServerSessions::Unknown;
  // Two connections at once: only at start, before anything else borrows (see the pool's rule
  // about a second connection on one thread).
  ConnectionPool::Lease a = pool_->acquire();
  ConnectionPool::Lease b = pool_->acquire();
  try {
    return cc::core::probeServerSessions(a->postgres(), b->postgres());
  } catch (...) {
    a->distrust();
    b->distrust();
    throw;
  }
}

std::unique_ptr<PooledDatabase> openDatabase(const DatabaseConfig& config, const std::string& baseDir) {
  DatabaseUrl url = parseDatabaseUrl(config.url, baseDir);
  if (url.engine == Engine::SQLite) {
    auto parent = std::filesystem::path(url.sqlitePath).parent_path();
    if (!parent.empty()) createPrivateDirectories(parent);  // 0700: the database holds password hashes
  }
  return std::make_unique<PooledDatabase>(url, config);
}

}  // namespace cc::core
