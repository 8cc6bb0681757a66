#pragma once
// The host's database: a pool of Poco::Data sessions on SQLite or PostgreSQL.
//
// Write SQL once with `?` placeholders and pass it through sql(): on PostgreSQL it becomes
// $1, $2, ... Table and column names are quoted identifiers ("User", "userId") so the same
// text runs on both engines. Timestamps are ISO-8601 UTC text ("2025-01-15T00:00:00.000Z")
// in both engines; nowSql() is the database clock in that format.
#include <Poco/Data/Session.h>

#include <string>
#include <string_view>
#include <utility>

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
};

}  // namespace cc
