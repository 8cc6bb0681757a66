#include "core/db/prepared_sqlite.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <unordered_map>

namespace cc::core {
namespace {

class SqliteConnection : public PreparedConnection {
 public:
  SqliteConnection(const std::string& path, int busyTimeoutMs) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw std::runtime_error("sqlite: cannot open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    try {
      // Same settings as the pool's sessions (prepareSqliteSession in pooled_database.cpp).
      exec("PRAGMA busy_timeout = " + std::to_string(busyTimeoutMs));
      exec("PRAGMA journal_mode = WAL");
      exec("PRAGMA synchronous = NORMAL");
      exec("PRAGMA foreign_keys = ON");
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
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

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw std::runtime_error("sqlite: " + sql + ": " + msg);
    }
  }

  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

std::unique_ptr<PreparedConnection> openPreparedSqlite(const std::string& path, int busyTimeoutMs) {
  return std::make_unique<SqliteConnection>(path, busyTimeoutMs);
}

}  // namespace cc::core
