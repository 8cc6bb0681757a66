#include "core/db/prepared_sqlite.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <unordered_map>

namespace cc::core {
namespace {

class SqliteConnection : public PreparedConnection {
 public:
  // `db` belongs to the pool's Poco session (opened with the pool's PRAGMAs) and outlives
  // this object: the statements are finalized here, before the connection is closed. Its
  // settings are left as Poco set them (no extended result codes: Poco maps the primary ones
  // to its exception classes).
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  }

  std::vector<Database::SqlRow> run(const std::string& sql, const std::vector<Database::SqlValue>& params) override {
    sqlite3_stmt* stmt = prepared(sql);
    // Reset even when a step throws, so the statement never holds a read transaction open.
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
      throw std::runtime_error("sqlite: statement has " + std::to_string(sqlite3_bind_parameter_count(stmt)) +
                               " parameters, " + std::to_string(params.size()) + " given");
    for (std::size_t i = 0; i < params.size(); ++i) {
      int rc = params[i] ? sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i]->data(),
                                             static_cast<int>(params[i]->size()), SQLITE_TRANSIENT)
                         : sqlite3_bind_null(stmt, static_cast<int>(i + 1));
      if (rc != SQLITE_OK) fail("bind");
    }
    std::vector<Database::SqlRow> rows;
    const int columns = sqlite3_column_count(stmt);
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail("step");
      Database::SqlRow& row = rows.emplace_back();
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        if (!text) {
          if (sqlite3_errcode(db_) == SQLITE_NOMEM) fail("column");
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt, c)));
        }
      }
    }
    return rows;
  }

 private:
  sqlite3_stmt* prepared(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, SQLITE_PREPARE_PERSISTENT, &stmt,
                           &tail) != SQLITE_OK)
      fail("prepare");
    if (!stmt) throw std::runtime_error("sqlite: empty statement");
    for (; tail && *tail; ++tail)
      if (*tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r' && *tail != ';') {
        sqlite3_finalize(stmt);
        throw std::runtime_error("sqlite: queryPrepared takes one statement");
      }
    statements_.emplace(sql, stmt);
    return stmt;
  }

  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

std::unique_ptr<PreparedConnection> preparedOnSqlite(sqlite3* db) {
  return std::make_unique<SqliteConnection>(db);
}

}  // namespace cc::core
