#pragma once
// One connection of the host's pool: a Poco session and the statements prepared on its native
// handle (Database::queryPrepared). Both live and die together, so a prepared statement can
// never outlive its connection or be used on another one.
#include "core/db/prepared_connection.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Data/StatementImpl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

typedef struct pg_conn PGconn;
struct sqlite3;

namespace cc::core {

struct DatabaseUrl;

class PooledConnection {
 public:
  /// Connects (SQLite: opens the file with the pool's PRAGMAs). Throws what Poco throws
  /// (Poco::Data::ConnectionFailedException when the server cannot be reached).
  /// `transactionPooling` (PostgreSQL behind PgBouncer's transaction mode): statements, Poco's
  /// and the prepared fast path's, leave nothing on the server session between round trips.
  static std::unique_ptr<PooledConnection> open(const DatabaseUrl& url, int busyTimeoutMs,
                                                bool transactionPooling = false);
  ~PooledConnection();
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;

  /// The raw (unpooled) session lent sessions forward to.
  Poco::Data::SessionImpl& impl() { return *session_.impl(); }
  /// A statement of this connection's Poco session: Poco's own, or with transaction pooling on
  /// PostgreSQL an UnnamedPgStatement (core/db/unnamed_pg_statement.hpp).
  Poco::SharedPtr<Poco::Data::StatementImpl> createStatementImpl();
  /// The libpq connection (nullptr on SQLite), for what Poco cannot ask (core/db/server_session_probe.hpp).
  PGconn* postgres() const noexcept;
  /// The SQLite connection (nullptr on PostgreSQL), for its commit hook (core/db/wal_checkpointer.hpp).
  sqlite3* sqlite() const noexcept;

  /// Runs a statement prepared once on this connection. A failure marks the connection
  /// untrusted: the pool closes it when it comes back (a statement cache that failed once
  /// might keep failing, e.g. after a schema change on PostgreSQL).
  std::vector<Database::SqlRow> runPrepared(const std::string& sql, const std::vector<Database::SqlValue>& params);

  /// The server is gone (PostgreSQL saw the connection break; never for SQLite).
  bool lost() const noexcept;
  /// Makes the connection fit to lend again: rolls back a transaction its borrower left open.
  /// False when it must be closed instead (lost, untrusted, or the rollback failed).
  bool readyForReuse() noexcept;
  void distrust() noexcept { trusted_ = false; }

  /// Set by the pool: when it was opened (compared with the pool's lost-connection epoch) and
  /// when it went idle.
  std::uint64_t epoch = 0;
  std::chrono::steady_clock::time_point idleSince;

 private:
  PooledConnection(Engine engine, Poco::Data::Session session, bool transactionPooling);

  Engine engine_;
  bool transactionPooling_;
  Poco::Data::Session session_;
  void* native_ = nullptr;  // PGconn* or sqlite3*, owned by session_
  // Declared after session_, so destroyed first: SQLite statements are finalized before the
  // connection closes.
  std::unique_ptr<PreparedConnection> prepared_;
  bool trusted_ = true;
};

}  // namespace cc::core
