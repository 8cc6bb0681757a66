#include "core/db/pooled_connection.hpp"

#include "core/db/database_impl.hpp"
#include "core/db/prepared_postgres.hpp"
#include "core/db/prepared_sqlite.hpp"
#include "core/db/unnamed_pg_statement.hpp"

#include <Poco/Data/PostgreSQL/SessionHandle.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <Poco/Data/SQLite/Utility.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <thread>

using namespace Poco::Data::Keywords;

namespace cc::core {

namespace {
const char* connectorName(Engine e) { return e == Engine::SQLite ? "SQLite" : "PostgreSQL"; }

// When another process holds SQLite's write lock, look again every millisecond until the busy
// timeout has passed. SQLite's own busy_timeout handler backs off to one look per 100 ms, and a
// process that writes without pause (a busy host) frees the lock only for microseconds between
// its transactions: at 10 looks a second a backup's one write missed every gap for three whole
// timeouts in a row ("DB locked" in CI); at 1,000 a second it gets in within milliseconds.
// Within this process writers queue on the host's own writer lock before they get here.
thread_local std::chrono::steady_clock::time_point tBusySince;
int retryEveryMillisecond(void* timeoutMs, int count) {
  const auto now = std::chrono::steady_clock::now();
  if (count == 0) tBusySince = now;  // a new wait (one SQLite call waits on one thread)
  if (now - tBusySince >= std::chrono::milliseconds(reinterpret_cast<std::intptr_t>(timeoutMs))) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}
}  // namespace

// WAL lets readers run beside the writer; the busy handler makes writers queue instead of
// failing with SQLITE_BUSY, for at most busyTimeoutMs.
void prepareSqliteSession(Poco::Data::Session& s, int busyTimeoutMs) {
  s << "PRAGMA busy_timeout = " + std::to_string(busyTimeoutMs), now;
  s << "PRAGMA journal_mode = WAL", now;
  s << "PRAGMA synchronous = NORMAL", now;
  s << "PRAGMA foreign_keys = ON", now;
  // Replaces the handler that the busy_timeout PRAGMA above installed.
  sqlite3_busy_handler(Poco::Data::SQLite::Utility::dbHandle(s), &retryEveryMillisecond,
                       reinterpret_cast<void*>(static_cast<std::intptr_t>(busyTimeoutMs)));
}

std::unique_ptr<PooledConnection> PooledConnection::open(const DatabaseUrl& url, int busyTimeoutMs,
                                                        bool transactionPooling) {
  Poco::Data::Session session(connectorName(url.engine), url.connectorString);
  if (url.engine == Engine::SQLite) prepareSqliteSession(session, busyTimeoutMs);
  return std::unique_ptr<PooledConnection>(
      new PooledConnection(url.engine, std::move(session), transactionPooling && url.engine == Engine::PostgreSQL));
}

PooledConnection::PooledConnection(Engine engine, Poco::Data::Session session, bool transactionPooling)
    : engine_(engine), transactionPooling_(transactionPooling), session_(std::move(session)) {
  // The native handles behind Poco's sessions, which stay the same for the session's life
  // (the pool never reconnects a session; it closes it and opens another).
  if (engine_ == Engine::PostgreSQL) {
    auto* handle = Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(session_.getProperty("handle"));
    PGconn* conn = *handle;
    native_ = conn;
    prepared_ = transactionPooling_ ? unnamedOnPostgres(conn) : preparedOnPostgres(conn);
  } else {
    sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session_);
    native_ = db;
    prepared_ = preparedOnSqlite(db);
  }
}

// prepared_ goes first (declared after session_). A PostgreSQL connection that broke is not
// PQfinish'ed by Poco 1.11 (it only finishes connections whose status is still OK): that leaks
// a few KB per connection lost in a server restart, and its socket is already closed.
PooledConnection::~PooledConnection() = default;

Poco::SharedPtr<Poco::Data::StatementImpl> PooledConnection::createStatementImpl() {
  if (!transactionPooling_) return impl().createStatementImpl();
  return new UnnamedPgStatement(static_cast<Poco::Data::PostgreSQL::SessionImpl&>(impl()));
}

PGconn* PooledConnection::postgres() const noexcept {
  return engine_ == Engine::PostgreSQL ? static_cast<PGconn*>(native_) : nullptr;
}

sqlite3* PooledConnection::sqlite() const noexcept {
  return engine_ == Engine::SQLite ? static_cast<sqlite3*>(native_) : nullptr;
}

std::vector<Database::SqlRow> PooledConnection::runPrepared(const std::string& sql,
                                                           const std::vector<Database::SqlValue>& params) {
  try {
    return prepared_->run(sql, params);
  } catch (...) {
    trusted_ = false;
    throw;
  }
}

bool PooledConnection::lost() const noexcept {
  return engine_ == Engine::PostgreSQL && PQstatus(static_cast<PGconn*>(native_)) != CONNECTION_OK;
}

bool PooledConnection::readyForReuse() noexcept {
  if (!trusted_ || lost()) return false;
  try {
    // A borrower that called begin() and neither commit() nor rollback(): Poco's own flag first,
    // so the next borrower's begin() does not find "already in transaction".
    if (impl().isTransaction()) impl().rollback();
    if (engine_ == Engine::PostgreSQL) {
      auto* conn = static_cast<PGconn*>(native_);
      // Left in pipeline mode by a describe whose connection broke (UnnamedPgStatement).
      if (PQpipelineStatus(conn) != PQ_PIPELINE_OFF) return false;
      PGTransactionStatusType status = PQtransactionStatus(conn);
      if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) {  // BEGIN sent as a statement
        PGresult* r = PQexec(conn, "ROLLBACK");
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) return false;
        status = PQtransactionStatus(conn);
      }
      return status == PQTRANS_IDLE && !lost();
    }
    auto* db = static_cast<sqlite3*>(native_);
    if (sqlite3_get_autocommit(db) == 0 && sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr) != SQLITE_OK)
      return false;
    return sqlite3_get_autocommit(db) != 0;
  } catch (...) {
    return false;
  }
}

}  // namespace cc::core
