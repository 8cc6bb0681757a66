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
//
// A plugin should not need engine() (only a tool that must know the file format, a dumper,
// does): what differs between the engines is asked of this class instead (lockRowsSql(),
// lockNamed(), nowPlusSql(), beginSnapshot(), unindexedSql(), isUnavailable(), batchedWriter()).
#include <codecouncil/sdk/batched_writer.hpp>

#include <Poco/Data/Session.h>

#include <cstdint>
#include <exception>
#include <memory>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cc {

enum class Engine { SQLite, PostgreSQL };

/// The waits for a pooled connection since start (the metrics plugin exports them as
/// db_connection_pool_wait_seconds and db_connection_pool_wait_timeouts_total). Only
/// acquisitions that found every connection lent out and queued are counted; one that gave up
/// after database.pool_timeout_ms counts with the time it waited, and in `timeouts`.
struct PoolWaits {
  /// (upper bound in seconds, waits that took at most that long): ascending and cumulative,
  /// like Prometheus' histogram buckets; the +Inf bucket is `count`.
  std::vector<std::pair<double, std::uint64_t>> buckets;
  std::uint64_t count = 0;
  double sumSeconds = 0;
  std::uint64_t timeouts = 0;
};

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

  // --- Prepared statements for per-request work (why: docs/sdk-reference.md, "Database") ---

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

  // --- SDK 2.0.0: engine-neutral help (what plugins used to branch on engine() for) ---

  /// Appended to a SELECT (after ORDER BY/LIMIT) that reads rows this write transaction will
  /// update: the rows stay locked until the transaction ends, so a concurrent writer waits and
  /// then sees the update. PostgreSQL: " FOR UPDATE". SQLite: "", because begin() already holds
  /// the database's only write lock (BEGIN IMMEDIATE), so no other writer can run meanwhile.
  virtual std::string lockRowsSql() const = 0;

  /// Holds the lock named (scope, key) until the write transaction on `session` (begin() ...
  /// commit()/rollback()) ends: transactions that lock the same name run one after another,
  /// across threads, processes and hosts on one database. Call it inside the transaction; it
  /// waits while another transaction holds the name. Use it to serialise work on something that
  /// has no row to lock yet (e.g. "payments.customer", customerId).
  /// PostgreSQL: pg_advisory_xact_lock(hashtext(scope), hashtext(key)); two names may share a
  /// hash, which only serialises more than needed, never less. SQLite: nothing to do, because a
  /// write transaction already excludes every other writer of the file (BEGIN IMMEDIATE).
  virtual void lockNamed(Poco::Data::Session& session, std::string_view scope, std::string_view key) = 0;

  /// SQL for the database clock plus `seconds` (negative: minus), as ISO-8601 UTC text in the
  /// format of nowSql(), so it compares (<, >=) correctly with stored timestamps of that format.
  virtual std::string nowPlusSql(std::int64_t seconds) const = 0;

  /// Starts a read-only transaction that sees one snapshot of the database for its whole length
  /// and takes no write lock (PostgreSQL: REPEATABLE READ; SQLite: a deferred BEGIN, whose first
  /// read fixes the snapshot). End it with commit() or rollback().
  virtual void beginSnapshot(Poco::Data::Session& s) = 0;

  /// `column` written so that the query planner will not pick an index on it: for a filter that
  /// matches so many rows that reading in another index's order and stopping at LIMIT is faster.
  /// SQLite: "+column" (its documented way); PostgreSQL: the column as is (its planner weighs
  /// both plans from statistics and takes no per-term hint).
  virtual std::string unindexedSql(std::string_view column) const = 0;

  /// Whether `e` (thrown by this database's sessions, statements or pool) means the database is
  /// unavailable for now rather than that the statement is wrong: no pooled connection became
  /// free within database.pool_timeout_ms, the connection was lost or refused, the server is
  /// shutting down or restarting, or (SQLite) another process held the write lock past
  /// busy_timeout_ms. Answer those 503 with Retry-After (the host does so for exceptions that
  /// leave a handler); everything else is a fault (500) or the caller's error (4xx).
  /// A member, not a free function: the SDK links no engine library, only the host knows the
  /// engines' exception types.
  virtual bool isUnavailable(const std::exception& e) const noexcept = 0;

  /// A writer that commits concurrent small writes in groups where the engine admits one writer
  /// at a time (SQLite), and runs them one by one at once where writers run side by side
  /// (PostgreSQL). See batched_writer.hpp. `name` is for logs; each call makes a new writer (one
  /// per store is the intent), which may be used from any thread and must not outlive this
  /// database.
  virtual std::shared_ptr<BatchedWriter> batchedWriter(const std::string& name,
                                                       const BatchedWriterOptions& options = {}) = 0;

  /// The pool's waits for a connection so far (see PoolWaits).
  virtual PoolWaits poolWaits() const = 0;
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
