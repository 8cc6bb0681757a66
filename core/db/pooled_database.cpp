// cc::Database over Poco's SessionPool.
#include "core/db/database_impl.hpp"
#include "core/db/prepared_postgres.hpp"
#include "core/db/prepared_sqlite.hpp"
#include "core/files/private_files.hpp"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/Data/SQLite/SessionImpl.h>

#include <atomic>
#include <chrono>
#include <unordered_map>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace Poco::Data::Keywords;

namespace cc::core {

namespace {
const char* connectorName(Engine e) { return e == Engine::SQLite ? "SQLite" : "PostgreSQL"; }

void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  });
}
}  // namespace

// WAL lets readers run beside the writer; the busy timeout makes writers queue instead of
// failing with SQLITE_BUSY.
void prepareSqliteSession(Poco::Data::Session& s, int busyTimeoutMs) {
  s << "PRAGMA busy_timeout = " + std::to_string(busyTimeoutMs), now;
  s << "PRAGMA journal_mode = WAL", now;
  s << "PRAGMA synchronous = NORMAL", now;
  s << "PRAGMA foreign_keys = ON", now;
}

// A SessionPool that prepares every new SQLite connection.
class PooledDatabase::Pool : public Poco::Data::SessionPool {
 public:
  Pool(const DatabaseUrl& url, int min, int max, int busyTimeoutMs)
      : SessionPool(connectorName(url.engine), url.connectorString, min, max, 60), engine_(url.engine),
        busyTimeoutMs_(busyTimeoutMs) {}

 protected:
  void customizeSession(Poco::Data::Session& s) override {
    if (engine_ == Engine::SQLite) prepareSqliteSession(s, busyTimeoutMs_);
  }

 private:
  Engine engine_;
  int busyTimeoutMs_;
};

namespace {
std::atomic<std::uint64_t> nextGeneration{1};
}  // namespace

PooledDatabase::PooledDatabase(const DatabaseUrl& url, int poolMin, int poolMax, int busyTimeoutMs)
    : url_(url), busyTimeoutMs_(busyTimeoutMs), generation_(nextGeneration++) {
  registerConnectors();
  pool_ = std::make_unique<Pool>(url, poolMin, poolMax, busyTimeoutMs);
}

PooledDatabase::~PooledDatabase() = default;

Poco::Data::Session PooledDatabase::session() {
  // Poco's pool throws at once when every session is lent out; wait a while instead, as a
  // request would rather queue for a few milliseconds than fail.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int attempt = 0;; ++attempt) {
    try {
      return pool_->get();
    } catch (const Poco::Data::SessionPoolExhaustedException&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(std::chrono::microseconds(attempt < 10 ? 200 : 2000));
    }
  }
}

std::string numberPlaceholders(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

std::string PooledDatabase::sql(std::string_view text) const {
  if (url_.engine == Engine::SQLite) return std::string(text);
  return numberPlaceholders(text);
}

std::string PooledDatabase::nowSql() const {
  if (url_.engine == Engine::SQLite) return "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
  return "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

void PooledDatabase::begin(Poco::Data::Session& s) {
  if (url_.engine != Engine::SQLite) {
    s.begin();
    return;
  }
  lockWriter();
  try {
    s << "BEGIN IMMEDIATE", now;
  } catch (...) {
    unlockWriterIfHeld();
    throw;
  }
}

void PooledDatabase::lockWriter() {
  if (!sqliteWriter_.try_lock_for(std::chrono::milliseconds(busyTimeoutMs_)))
    throw std::runtime_error("database is locked: another write transaction of this process ran longer than "
                             "busy_timeout_ms");
  writerOwner_.store(std::this_thread::get_id());
  ++writerDepth_;
}

void PooledDatabase::unlockWriterIfHeld() noexcept {
  if (writerOwner_.load() != std::this_thread::get_id() || writerDepth_ == 0) return;
  if (--writerDepth_ == 0) writerOwner_.store(std::thread::id());
  sqliteWriter_.unlock();
}

void PooledDatabase::commit(Poco::Data::Session& s) {
  if (url_.engine != Engine::SQLite) {
    s.commit();
    return;
  }
  s << "COMMIT", now;  // when this throws, the transaction is still open: rollback() unlocks
  unlockWriterIfHeld();
}

void PooledDatabase::rollback(Poco::Data::Session& s) noexcept {
  try {
    if (url_.engine == Engine::SQLite) s << "ROLLBACK", now;
    else s.rollback();
  } catch (...) {
    // The connection is broken or no transaction is open; nothing more to undo.
  }
  if (url_.engine == Engine::SQLite) unlockWriterIfHeld();
}

int PooledDatabase::poolUsed() const { return pool_->used(); }
int PooledDatabase::poolAvailable() const { return pool_->capacity() - pool_->used(); }


namespace {
// The calling thread's prepared-statement connections, one per database (by generation_);
// closed when the thread exits.
thread_local std::unordered_map<std::uint64_t, std::unique_ptr<PreparedConnection>> preparedConnections;
}  // namespace

std::vector<Database::SqlRow> PooledDatabase::queryPrepared(const std::string& sql,
                                                           const std::vector<SqlValue>& params) {
  auto& slot = preparedConnections[generation_];
  try {
    if (!slot)
      slot = url_.engine == Engine::SQLite ? openPreparedSqlite(url_.sqlitePath, busyTimeoutMs_)
                                           : openPreparedPostgres(url_.libpqParams);
    return slot->run(sql, params);
  } catch (...) {
    // Broken or not, a connection that failed is not trusted again: the next call reconnects.
    preparedConnections.erase(generation_);
    throw;
  }
}

bool PooledDatabase::ping() noexcept {
  try {
    auto s = session();
    int one = 0;
    s << "SELECT 1", into(one), now;
    return one == 1;
  } catch (...) {
    return false;
  }
}

std::unique_ptr<PooledDatabase> openDatabase(const DatabaseConfig& config, const std::string& baseDir) {
  DatabaseUrl url = parseDatabaseUrl(config.url, baseDir);
  if (url.engine == Engine::SQLite) {
    auto parent = std::filesystem::path(url.sqlitePath).parent_path();
    if (!parent.empty()) createPrivateDirectories(parent);  // 0700: the database holds password hashes
  }
  return std::make_unique<PooledDatabase>(url, config.poolMin, config.poolMax, config.busyTimeoutMs);
}

}  // namespace cc::core
