#pragma once
// The host's database: one pool of connections (at most database.pool_max) on SQLite or
// PostgreSQL. session() and queryPrepared() both borrow from it; when every connection is
// lent out, the caller queues (first come, first served) for up to database.pool_timeout_ms
// and then gets Poco::Data::SessionPoolExhaustedException, which the host answers with 503 +
// Retry-After. So: hold a session only as long as needed, and never borrow a second one on a
// thread that holds one (pass the session to queryPrepared(session, ...) instead), or a full
// pool can leave every holder waiting for the others.
//
// Write SQL once with `?` placeholders and pass it through sql(): on PostgreSQL it becomes
// $1, $2, ... Table and column names are quoted identifiers ("User", "userId") so the same
// text runs on both engines. Timestamps are ISO-8601 UTC text ("2025-01-15T00:00:00.000Z")
// in both engines; nowSql() is the database clock in that format.
#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cc {

enum class Engine { SQLite, PostgreSQL };

class Database {
 public:
  virtual ~Database() = default;

  virtual Engine engine() const = 0;
  /// A pooled session, returned to the pool when the last copy is destroyed (or on close()).
  /// Its settings cannot be changed (setFeature/setProperty throw): they would outlive the loan.
  virtual Poco::Data::Session session() = 0;
  /// Rewrites `?` placeholders (outside quotes) for the engine.
  virtual std::string sql(std::string_view text) const = 0;
  /// SQL expression for the database's current UTC time as ISO-8601 text.
  virtual std::string nowSql() const = 0;

  /// Starts a write transaction (SQLite: BEGIN IMMEDIATE, so writers queue on the busy timeout
  /// instead of failing on lock upgrade).
  virtual void begin(Poco::Data::Session& s) = 0;
  virtual void commit(Poco::Data::Session& s) = 0;
  virtual void rollback(Poco::Data::Session& s) noexcept = 0;

  /// Runs fn(session) inside a transaction; commits on return, rolls back on exception.
  template <class F>
  decltype(auto) transaction(F&& fn) {
    Poco::Data::Session s = session();
    begin(s);
    try {
      if constexpr (std::is_void_v<decltype(fn(s))>) {
        fn(s);
        commit(s);
      } else {
        auto result = fn(s);
        commit(s);
        return result;
      }
    } catch (...) {
      rollback(s);
      throw;
    }
  }

  /// Pool figures for db_connection_pool_used / _available.
  virtual int poolUsed() const = 0;
  virtual int poolAvailable() const = 0;

  // --- Prepared fast path (added at the end so the vtable only grows) ---
  //
  // Why: Poco::Data 1.11 prepares a statement again on every execute(), even when the same
  // Statement object is reused (SQLite: sqlite3_prepare_v2, PostgreSQL: PQprepare per call).
  // For a simple keyed SELECT that is ~60% of the work. queryPrepared() prepares each distinct
  // SQL text once per pooled connection and keeps it with that connection (the statements are
  // dropped when the pool closes the connection). Use it for statements that run on every
  // request; everything else should use session().

  using SqlValue = std::optional<std::string>;  ///< text form; std::nullopt is NULL
  using SqlRow = std::vector<SqlValue>;
  /// Runs `sql` (with ? placeholders, same dialect rules as sql()) on a connection borrowed from the pool for
  /// this one statement, as a statement prepared once per connection and cached by its text; parameters bound
  /// as text, results returned as text. Autocommit: one statement, one transaction. For hot paths only; throws
  /// std::runtime_error with the database's message on failure (that connection is then closed instead of
  /// going back to the pool), or Poco::Data::SessionPoolExhaustedException when no connection became free in
  /// time.
  ///
  /// Text in, text out: booleans come back as "1"/"0" on SQLite and "t"/"f" on PostgreSQL (write
  /// CASE WHEN x THEN 1 ELSE 0 END to get the same on both); integers as decimal text. On
  /// PostgreSQL a parameter has type text unless the SQL casts it (CAST(? AS BIGINT)).
  virtual std::vector<SqlRow> queryPrepared(const std::string& sql, const std::vector<SqlValue>& params) = 0;

  // --- SDK 1.2.0 ---

  /// The same on the connection of `session` (from session()), e.g. inside begin()/commit(): several
  /// prepared statements in one transaction, with no second connection borrowed. A failure also marks that
  /// connection to be closed when the session goes back. Throws std::invalid_argument for a session that did
  /// not come from this database's session().
  virtual std::vector<SqlRow> queryPrepared(Poco::Data::Session& session, const std::string& sql,
                                            const std::vector<SqlValue>& params) = 0;
};

/// A boolean column read through Poco::Data: SQLite gives 0/1, PostgreSQL a bool (or "t"/"f"
/// as text). NULL reads as false.
inline bool sqlBool(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return false;
  if (v.isBoolean()) return v.extract<bool>();
  if (v.isString()) {
    const std::string s = v.toString();
    return s == "t" || s == "true" || s == "1";
  }
  return v.convert<int>() != 0;
}

}  // namespace cc
