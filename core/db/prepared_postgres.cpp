#include "core/db/prepared_postgres.hpp"

#include "core/db/pg_result.hpp"

#include <libpq-fe.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <unordered_map>

namespace cc::core {
namespace {

using pg::Result;


// SQLSTATEs that mean "the server connection is not the one we prepared on": 26000 (no such
// prepared statement) and 42P05 (the name is taken by someone else's statement).
bool statementMissingOrTaken(const PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return state && (std::strcmp(state, "26000") == 0 || std::strcmp(state, "42P05") == 0);
}

void check(PGconn* conn, PGresult* r, const char* what, bool named) {
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
  std::string msg = r ? pg::message(PQresultErrorMessage(r)) : "";
  if (msg.empty()) msg = pg::message(PQerrorMessage(conn));
  if (named && statementMissingOrTaken(r))
    msg += " (this connection's server session changed between two round trips: is the database behind a "
           "transaction-pooling proxy such as PgBouncer with pool_mode = transaction? Then set "
           "database.transaction_pooling: true)";
  throw std::runtime_error(std::string("postgresql ") + what + ": " + msg);
}

std::vector<Database::SqlRow> rowsOf(const PGresult* r) {
  std::vector<Database::SqlRow> rows;
  const int n = PQntuples(r), columns = PQnfields(r);
  rows.reserve(n);
  for (int i = 0; i < n; ++i) {
    Database::SqlRow& row = rows.emplace_back();
    row.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(r, i, c)) row.emplace_back(std::nullopt);
      else row.emplace_back(std::string(PQgetvalue(r, i, c), PQgetlength(r, i, c)));
    }
  }
  return rows;
}

std::vector<const char*> valuesOf(const std::vector<Database::SqlValue>& params) {
  std::vector<const char*> values(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
  return values;
}

// Random per connection, so two connections (of this host or another) never use one name. A
// proxy that swaps server sessions then fails with "does not exist" instead of running another
// connection's statement of the same name.
std::string namePrefix() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::uint64_t bits = random();
  std::string prefix = "cc_";
  for (int i = 0; i < 12; ++i, bits >>= 4) prefix += kHex[bits & 0xF];
  return prefix + "_";
}

class PostgresConnection : public PreparedConnection {
 public:
  // `conn` belongs to the pool's Poco session and outlives this object.
  explicit PostgresConnection(PGconn* conn) : conn_(conn), prefix_(namePrefix()) {}

  std::vector<Database::SqlRow> run(const std::string& sql, const std::vector<Database::SqlValue>& params) override {
    const std::string& name = prepared(sql, static_cast<int>(params.size()));
    auto values = valuesOf(params);
    Result r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), values.data(), nullptr, nullptr, 0));
    check(conn_, r.get(), "execute", true);
    return rowsOf(r.get());
  }

 private:
  const std::string& prepared(const std::string& sql, int nParams) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    // Never reused on this connection, even after a failed prepare (which caches nothing).
    std::string name = prefix_ + std::to_string(++prepares_);
    // Parameter types left to the server (text unless the SQL casts them).
    Result r(PQprepare(conn_, name.c_str(), numberPlaceholders(sql).c_str(), nParams, nullptr));
    check(conn_, r.get(), "prepare", true);
    return statements_.emplace(sql, std::move(name)).first->second;
  }

  PGconn* conn_ = nullptr;
  std::string prefix_;
  std::uint64_t prepares_ = 0;
  std::unordered_map<std::string, std::string> statements_;  // SQL text -> prepared statement name
};

class UnnamedPostgresConnection : public PreparedConnection {
 public:
  explicit UnnamedPostgresConnection(PGconn* conn) : conn_(conn) {}

  std::vector<Database::SqlRow> run(const std::string& sql, const std::vector<Database::SqlValue>& params) override {
    auto values = valuesOf(params);
    Result r(PQexecParams(conn_, numbered(sql).c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                          nullptr, nullptr, 0));
    check(conn_, r.get(), "execute", false);
    return rowsOf(r.get());
  }

 private:
  // The $n form of each SQL text, kept like the named statements are (no rewrite per call).
  const std::string& numbered(const std::string& sql) {
    auto it = numbered_.find(sql);
    if (it != numbered_.end()) return it->second;
    return numbered_.emplace(sql, numberPlaceholders(sql)).first->second;
  }

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> numbered_;
};

}  // namespace

std::unique_ptr<PreparedConnection> preparedOnPostgres(PGconn* conn) {
  return std::make_unique<PostgresConnection>(conn);
}

std::unique_ptr<PreparedConnection> unnamedOnPostgres(PGconn* conn) {
  return std::make_unique<UnnamedPostgresConnection>(conn);
}

}  // namespace cc::core
