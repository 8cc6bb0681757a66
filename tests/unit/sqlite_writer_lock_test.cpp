// The in-process queue of SQLite write transactions (PooledDatabase::begin/commit/rollback):
// a second writer of the same process waits for the first instead of meeting SQLite's
// sleeping busy handler, never longer than busy_timeout_ms, and the migrations' rollback
// after rollback does not release a lock the thread no longer holds.
#include "core/db/database_impl.hpp"
#include "tests/support/test_env.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;
using Poco::Data::Keywords::now;

namespace {

struct SqliteFile {
  cc::test::TempDir dir;
  std::unique_ptr<cc::core::PooledDatabase> db;

  explicit SqliteFile(int busyTimeoutMs) {
    cc::core::DatabaseConfig config;
    config.url = "sqlite://" + (dir.path() / "writers.db").string();
    config.busyTimeoutMs = busyTimeoutMs;
    db = cc::core::openDatabase(config, dir.str());
    auto s = db->session();
    s << "CREATE TABLE t (n INTEGER NOT NULL)", now;
  }
  void insert(Poco::Data::Session& s) { s << "INSERT INTO t (n) VALUES (1)", now; }
  int rows() {
    int n = 0;
    auto s = db->session();
    s << "SELECT COUNT(*) FROM t", Poco::Data::Keywords::into(n), now;
    return n;
  }
};

}  // namespace

TEST(SqliteWriterLock, ASecondWriterWaitsForTheFirstAndThenCommits) {
  SqliteFile f(5000);
  auto first = f.db->session();
  f.db->begin(first);
  f.insert(first);
  std::atomic<bool> secondCommitted{false};
  std::thread second([&] {
    f.db->transaction([&](Poco::Data::Session& s) { f.insert(s); });
    secondCommitted = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(secondCommitted) << "the second writer got in while the first held the transaction";
  f.db->commit(first);
  second.join();
  EXPECT_TRUE(secondCommitted);
  EXPECT_EQ(f.rows(), 2);
}

TEST(SqliteWriterLock, WaitingNeverOutlastsTheBusyTimeout) {
  SqliteFile f(150);
  auto first = f.db->session();
  f.db->begin(first);
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  std::thread second([&] {
    try {
      f.db->transaction([&](Poco::Data::Session& s) { f.insert(s); });
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  second.join();
  const auto waited = std::chrono::steady_clock::now() - start;
  f.db->rollback(first);
  // Our own message, not SQLite's: the wait happened in this process's queue.
  EXPECT_NE(error.find("another write transaction of this process"), std::string::npos) << error;
  EXPECT_GE(waited, 140ms);
  EXPECT_EQ(f.rows(), 0);
}

TEST(SqliteWriterLock, RollbackAfterRollbackKeepsTheQueueIntact) {
  SqliteFile f(5000);
  auto s = f.db->session();
  f.db->begin(s);
  f.db->rollback(s);
  f.db->rollback(s);  // what migrations do on an error path: must not unlock a second time

  // The queue still works both ways: another thread gets in at once, and then waits again
  // while this thread holds a transaction.
  std::thread([&] { f.db->transaction([&](Poco::Data::Session& t) { f.insert(t); }); }).join();
  f.db->begin(s);
  std::atomic<bool> otherCommitted{false};
  std::thread other([&] {
    f.db->transaction([&](Poco::Data::Session& t) { f.insert(t); });
    otherCommitted = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(otherCommitted);
  f.db->commit(s);
  other.join();
  EXPECT_EQ(f.rows(), 2);
}
