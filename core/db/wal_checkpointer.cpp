#include "core/db/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <Poco/Logger.h>

namespace cc::core {

WalCheckpointer::WalCheckpointer(std::string path, int busyTimeoutMs)
    : path_(std::move(path)), busyTimeoutMs_(busyTimeoutMs) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (db_) sqlite3_close_v2(db_);
}

void WalCheckpointer::watch(sqlite3* db) {
  std::call_once(started_, [this] { thread_ = std::thread([this] { run(); }); });
  sqlite3_wal_hook(db, &WalCheckpointer::onCommit, this);
}

// Runs on the committing thread after each commit, its write lock already released: only
// decides, never waits.
int WalCheckpointer::onCommit(void* self, sqlite3*, const char*, int pages) {
  auto* me = static_cast<WalCheckpointer*>(self);
  if (pages >= kPages && !me->due_.exchange(true)) {
    std::lock_guard lock(me->mutex_);
    me->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || due_.load(); });
      if (stopping_) return;
    }
    due_.store(false);  // commits from now on may ask again
    if (!checkpoint()) {
      // Could not open the file or the checkpoint failed: retry on a later commit, not in a loop.
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
    }
  }
}

bool WalCheckpointer::checkpoint() {
  if (!db_) {
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      Poco::Logger::get("codecouncil.db").warning("WAL checkpoint: cannot open the database: %s",
                                                  std::string(db_ ? sqlite3_errmsg(db_) : "out of memory"));
      sqlite3_close_v2(db_);
      db_ = nullptr;
      return false;
    }
    sqlite3_busy_timeout(db_, busyTimeoutMs_);
    // The checkpoint syncs as the pool's connections would have (synchronous = NORMAL).
    sqlite3_exec(db_, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr);
  }
  // PASSIVE: copies what no reader still needs, takes no write lock, never waits for one.
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    Poco::Logger::get("codecouncil.db").warning("WAL checkpoint failed: %s", std::string(sqlite3_errmsg(db_)));
    return false;
  }
  return true;
}

}  // namespace cc::core
