#pragma once
// Does one client connection keep one server session? Not behind a transaction-pooling proxy
// (PgBouncer with pool_mode = transaction): there each transaction may be served by another
// server connection, and named prepared statements, session settings and session-level
// advisory locks are lost or, worse, found by somebody else. The host asks at start when
// database.transaction_pooling is off, and refuses to run with the wrong setting.
typedef struct pg_conn PGconn;

namespace cc::core {

enum class ServerSessions {
  Kept,     ///< the connection kept its server session (direct, or a session-mode pool)
  Swapped,  ///< the connection was served by another server session: transaction pooling
  Unknown,  ///< could not tell (the proxy had no second server connection to give)
};

/// `a` and `b` are two idle connections to the same database. `a` asks for its server's
/// backend pid, `b` then holds a transaction (and so, behind a transaction-pooling proxy, the
/// server connection `a` was just served by), and `a` asks again: a different pid means `a`
/// was moved. Bounded by `waitMs` when the proxy has no other server connection for `a`.
/// Throws std::runtime_error when a query fails.
ServerSessions probeServerSessions(PGconn* a, PGconn* b, int waitMs = 2000);

}  // namespace cc::core
