// ConnectionPool: never more than `max` connections whatever the number of callers; callers
// queue first come, first served and give up with SessionPoolExhaustedException after the wait
// timeout; a connection that failed, or was left in a transaction, is never lent again as it
// was; a connection found lost closes the ones opened before it; idle ones above `min` close.
// On real SQLite files, and on the test PostgreSQL where the server matters.
#include "core/db/connection_pool.hpp"
#include "core/db/database_impl.hpp"
#include "tests/support/test_env.hpp"

#include <gtest/gtest.h>

#include <Poco/Data/DataException.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using cc::core::ConnectionPool;
using cc::core::PooledConnection;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

class Pool : public ::testing::Test {
 protected:
  void SetUp() override {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  }

  std::shared_ptr<ConnectionPool> make(int min, int max, std::chrono::milliseconds wait,
                                       std::chrono::milliseconds idle = 60s, const std::string& databaseUrl = "") {
    url_ = cc::core::parseDatabaseUrl(databaseUrl.empty() ? "sqlite://" + (dir_.path() / "pool.db").string() : databaseUrl,
                                      dir_.str());
    ConnectionPool::Limits limits{min, max, wait, idle};
    return std::make_shared<ConnectionPool>(limits, [this] {
      ++opened_;
      if (failOpens_ > 0) {
        --failOpens_;
        throw Poco::Data::ConnectionFailedException("refused by the test");
      }
      return PooledConnection::open(url_, 1000);
    });
  }

  static std::string one(ConnectionPool::Lease& lease, const std::string& sql) {
    return lease->runPrepared(sql, {}).at(0).at(0).value_or("NULL");
  }

  cc::test::TempDir dir_;
  cc::core::DatabaseUrl url_;
  std::atomic<int> opened_{0};
  std::atomic<int> failOpens_{0};
};

template <class F>
bool eventually(F condition) {
  auto deadline = Clock::now() + 10s;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST_F(Pool, ManyThreadsNeverHoldMoreThanMaxConnections) {
  auto pool = make(1, 3, 10s);
  // The file is made a WAL database first, as the host's migrations do before it serves:
  // three connections switching a brand-new file to WAL at once can get SQLITE_BUSY, which
  // is not what this test is about.
  {
    auto warm = pool->acquire();
    ASSERT_EQ(one(warm, "SELECT 1"), "1");
  }
  std::atomic<int> holding{0}, peak{0}, failures{0};
  std::mutex errorMutex;
  std::string firstError;
  std::vector<std::thread> threads;
  for (int t = 0; t < 24; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        try {
          auto lease = pool->acquire();
          int now = ++holding;
          for (int seen = peak; now > seen && !peak.compare_exchange_weak(seen, now);) {
          }
          if (one(lease, "SELECT 1") != "1") ++failures;
          std::this_thread::sleep_for(1ms);  // held a while, as a request holds it: callers must queue
          --holding;
        } catch (const std::exception& e) {
          ++failures;
          std::lock_guard<std::mutex> lock(errorMutex);
          if (firstError.empty()) firstError = e.what();
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0) << firstError;
  EXPECT_LE(peak.load(), 3);
  EXPECT_LE(opened_.load(), 3);
  auto stats = pool->stats();
  EXPECT_EQ(stats.inUse, 0);
  EXPECT_LE(stats.open, 3);
  EXPECT_GT(stats.waits, 0u) << "24 threads on 3 connections must have queued";
  EXPECT_EQ(stats.timeouts, 0u);
}

TEST_F(Pool, WaitersAreServedInArrivalOrder) {
  auto pool = make(1, 1, 10s);
  auto held = pool->acquire();
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int id = 0; id < 4; ++id) {
    threads.emplace_back([&, id] {
      auto lease = pool->acquire();
      std::lock_guard lock(m);
      order.push_back(id);
    });
    // Queued before the next one starts.
    if (!eventually([&] { return pool->stats().waiting == id + 1; })) {
      ADD_FAILURE() << "waiter " << id << " did not queue";
      break;
    }
  }
  held.release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(opened_.load(), 1) << "the one connection was handed from waiter to waiter";
}

TEST_F(Pool, AWaitEndsWithSessionPoolExhaustedAfterTheTimeout) {
  auto pool = make(1, 1, 300ms);
  auto held = pool->acquire();
  auto started = Clock::now();
  try {
    pool->acquire();
    FAIL() << "acquired a second connection from a pool of one";
  } catch (const Poco::Data::SessionPoolExhaustedException& e) {
    EXPECT_NE(e.message().find("database.pool_timeout_ms"), std::string::npos) << e.message();
  }
  auto waited = Clock::now() - started;
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 5s);
  EXPECT_EQ(pool->stats().timeouts, 1u);
  EXPECT_EQ(pool->stats().waiting, 0);
  held.release();
  auto again = pool->acquire();  // the pool is whole after a timed-out wait
  EXPECT_EQ(one(again, "SELECT 2"), "2");
  EXPECT_EQ(opened_.load(), 1);
}

TEST_F(Pool, AFailedConnectionIsClosedAndItsSlotGoesToTheNextWaiter) {
  auto pool = make(1, 1, 10s);
  auto lease = pool->acquire();
  // A TEMP table lives on one connection: it shows whether the next borrower got this one.
  lease->runPrepared("CREATE TEMP TABLE scratch (x TEXT)", {});
  EXPECT_THROW(lease->runPrepared("SELECT nope FROM \"NoSuchTable\"", {}), std::runtime_error);
  std::string seen;
  std::thread waiter([&] {
    auto next = pool->acquire();
    try {
      next->runPrepared("SELECT x FROM scratch", {});
      seen = "the failed connection was lent again";
    } catch (const std::runtime_error&) {
      seen = "new connection";
    }
  });
  EXPECT_TRUE(eventually([&] { return pool->stats().waiting == 1; }));
  lease.release();
  waiter.join();
  EXPECT_EQ(seen, "new connection");
  EXPECT_EQ(opened_.load(), 2) << "the failed one and its replacement";
  EXPECT_EQ(pool->stats().open, 0) << "the waiter's statement failed too, so its connection was closed";
}

TEST_F(Pool, AFailedOpenPassesTheSlotOn) {
  auto pool = make(1, 1, 10s);
  failOpens_ = 1;
  EXPECT_THROW(pool->acquire(), Poco::Data::ConnectionFailedException);
  EXPECT_EQ(pool->stats().open, 0);
  EXPECT_EQ(pool->stats().inUse, 0);
  auto lease = pool->acquire();
  EXPECT_EQ(one(lease, "SELECT 3"), "3");
}

TEST_F(Pool, ATransactionLeftOpenIsRolledBackBeforeTheConnectionIsLentAgain) {
  auto pool = make(1, 1, 10s);
  {
    auto lease = pool->acquire();
    lease->runPrepared("CREATE TABLE t (x TEXT)", {});
    lease->runPrepared("BEGIN IMMEDIATE", {});
    lease->runPrepared("INSERT INTO t (x) VALUES ('uncommitted')", {});
  }
  auto lease = pool->acquire();
  EXPECT_EQ(opened_.load(), 1) << "the same connection, cleaned";
  EXPECT_EQ(one(lease, "SELECT COUNT(*) FROM t"), "0");
  lease->runPrepared("BEGIN IMMEDIATE", {});  // would fail inside a transaction
  lease->runPrepared("COMMIT", {});
}

TEST_F(Pool, IdleConnectionsAboveMinCloseAfterTheIdleTimeout) {
  auto pool = make(1, 3, 10s, 50ms);
  {
    auto a = pool->acquire(), b = pool->acquire(), c = pool->acquire();
  }
  EXPECT_EQ(pool->stats().open, 3);
  std::this_thread::sleep_for(100ms);  // the timeout under test, not a race with a log
  pool->acquire().release();          // returns are when idle connections are checked
  EXPECT_EQ(pool->stats().open, 1) << "down to pool_min";
}

TEST_F(Pool, ALostPostgresConnectionClosesTheOnesOpenedBeforeIt) {
  std::string url = cc::test::createPostgresDatabase("pool_lost");
  if (url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  auto pool = make(1, 3, 10s, 60s, url);
  std::vector<std::string> pids;
  {
    auto a = pool->acquire(), b = pool->acquire();
    pids = {one(a, "SELECT CAST(pg_backend_pid() AS TEXT)"), one(b, "SELECT CAST(pg_backend_pid() AS TEXT)")};
  }
  ASSERT_EQ(pool->stats().open, 2);
  // The server ends both backends, as a restart would.
  for (auto& pid : pids) cc::test::execute(url, "SELECT pg_terminate_backend(" + pid + ", 5000)");
  {
    auto dead = pool->acquire();
    EXPECT_THROW(dead->runPrepared("SELECT 1", {}), std::runtime_error);
  }
  EXPECT_EQ(pool->stats().open, 0) << "the idle one died with it and must not fail a request of its own";
  auto fresh = pool->acquire();
  EXPECT_EQ(one(fresh, "SELECT 1"), "1");
  EXPECT_EQ(opened_.load(), 3);
}

}  // namespace
