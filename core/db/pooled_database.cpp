// cc::Database over Poco's SessionPool.
#include "core/db/database_impl.hpp"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/Data/SQLite/SessionImpl.h>

#include <chrono>
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

// A SessionPool that prepares every new SQLite connection: WAL lets readers run beside the
// writer, the busy timeout makes writers queue instead of failing with SQLITE_BUSY.
class PooledDatabase::Pool : public Poco::Data::SessionPool {
 public:
  Pool(const DatabaseUrl& url, int min, int max, int busyTimeoutMs)
      : SessionPool(connectorName(url.engine), url.connectorString, min, max, 60), engine_(url.engine),
        busyTimeoutMs_(busyTimeoutMs) {}

 protected:
  void customizeSession(Poco::Data::Session& s) override {
    if (engine_ != Engine::SQLite) return;
    s << "PRAGMA busy_timeout = " + std::to_string(busyTimeoutMs_), now;
    s << "PRAGMA journal_mode = WAL", now;
    s << "PRAGMA synchronous = NORMAL", now;
    s << "PRAGMA foreign_keys = ON", now;
  }

 private:
  Engine engine_;
  int busyTimeoutMs_;
};

PooledDatabase::PooledDatabase(const DatabaseUrl& url, int poolMin, int poolMax, int busyTimeoutMs) : url_(url) {
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

std::string PooledDatabase::sql(std::string_view text) const {
  if (url_.engine == Engine::SQLite) return std::string(text);
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

std::string PooledDatabase::nowSql() const {
  if (url_.engine == Engine::SQLite) return "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
  return "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

void PooledDatabase::begin(Poco::Data::Session& s) {
  if (url_.engine == Engine::SQLite) s << "BEGIN IMMEDIATE", now;
  else s.begin();
}

void PooledDatabase::commit(Poco::Data::Session& s) {
  if (url_.engine == Engine::SQLite) s << "COMMIT", now;
  else s.commit();
}

void PooledDatabase::rollback(Poco::Data::Session& s) noexcept {
  try {
    if (url_.engine == Engine::SQLite) s << "ROLLBACK", now;
    else s.rollback();
  } catch (...) {
    // The connection is broken or no transaction is open; nothing more to undo.
  }
}

int PooledDatabase::poolUsed() const { return pool_->used(); }
int PooledDatabase::poolAvailable() const { return pool_->capacity() - pool_->used(); }

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
    if (!parent.empty()) std::filesystem::create_directories(parent);
  }
  return std::make_unique<PooledDatabase>(url, config.poolMin, config.poolMax, config.busyTimeoutMs);
}

}  // namespace cc::core
