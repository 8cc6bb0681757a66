#include "core/db/prepared_postgres.hpp"

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <unordered_map>

namespace cc::core {
namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class PostgresConnection : public PreparedConnection {
 public:
  // `conn` belongs to the pool's Poco session and outlives this object.
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}

  std::vector<Database::SqlRow> run(const std::string& sql, const std::vector<Database::SqlValue>& params) override {
    const std::string& name = prepared(sql, static_cast<int>(params.size()));
    std::vector<const char*> values(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
    Result r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), values.data(), nullptr, nullptr, 0));
    check(r.get(), "execute");
    std::vector<Database::SqlRow> rows;
    const int n = PQntuples(r.get()), columns = PQnfields(r.get());
    rows.reserve(n);
    for (int i = 0; i < n; ++i) {
      Database::SqlRow& row = rows.emplace_back();
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(r.get(), i, c)) row.emplace_back(std::nullopt);
        else row.emplace_back(std::string(PQgetvalue(r.get(), i, c), PQgetlength(r.get(), i, c)));
      }
    }
    return rows;
  }

 private:
  const std::string& prepared(const std::string& sql, int nParams) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    // Never reused on this connection, even after a failed prepare (which caches nothing).
    std::string name = "cc_prepared_" + std::to_string(++prepares_);
    // Parameter types left to the server (text unless the SQL casts them).
    Result r(PQprepare(conn_, name.c_str(), numberPlaceholders(sql).c_str(), nParams, nullptr));
    check(r.get(), "prepare");
    return statements_.emplace(sql, std::move(name)).first->second;
  }

  void check(PGresult* r, const char* what) {
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
    std::string msg = r ? trimmed(PQresultErrorMessage(r)) : "";
    if (msg.empty()) msg = trimmed(PQerrorMessage(conn_));
    throw std::runtime_error(std::string("postgresql ") + what + ": " + msg);
  }

  PGconn* conn_ = nullptr;
  std::uint64_t prepares_ = 0;
  std::unordered_map<std::string, std::string> statements_;  // SQL text -> prepared statement name
};

}  // namespace

std::unique_ptr<PreparedConnection> preparedOnPostgres(PGconn* conn) {
  return std::make_unique<PostgresConnection>(conn);
}

}  // namespace cc::core
