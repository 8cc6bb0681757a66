#pragma once
// The host's database: a pool of Poco::Data sessions on SQLite or PostgreSQL.
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
  /// A pooled session, returned to the pool when the last copy is destroyed.
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
  // For a simple keyed SELECT that is ~60% of the work. queryPrepared() keeps one connection per
  // calling thread, outside the pool, and prepares each distinct SQL text once on it.
  // Use it for statements that run on every request; everything else should use session().

  using SqlValue = std::optional<std::string>;  ///< text form; std::nullopt is NULL
  using SqlRow = std::vector<SqlValue>;
  /// Runs `sql` (with ? placeholders, same dialect rules as sql()) on a connection owned by the calling thread,
  /// as a statement prepared once per connection and cached by its text; parameters bound as text, results
  /// returned as text. Autocommit: one statement, one transaction. For hot paths only; throws
  /// std::runtime_error with the database's message on failure (the thread's connection is then dropped
  /// and reopened on the next call).
  ///
  /// Text in, text out: booleans come back as "1"/"0" on SQLite and "t"/"f" on PostgreSQL (write
  /// CASE WHEN x THEN 1 ELSE 0 END to get the same on both); integers as decimal text. On
  /// PostgreSQL a parameter has type text unless the SQL casts it (CAST(? AS BIGINT)).
  virtual std::vector<SqlRow> queryPrepared(const std::string& sql, const std::vector<SqlValue>& params) = 0;
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
