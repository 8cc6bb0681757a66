// The engine-neutral help of cc::Database (SDK 2.0.0) on a real SQLite file and a real
// PostgreSQL database, with two pools on one database standing in for two hosts:
// lockRowsSql() and lockNamed() keep read-then-write exact under many threads, a named lock
// does not hold other names, nowPlusSql() compares with stored timestamps, beginSnapshot()
// sees one snapshot and takes no write lock, unindexedSql() still filters, and isUnavailable()
// says yes for a really exhausted pool, a lost connection and (SQLite) a write lock held past
// the busy timeout, and no for a statement's own errors, even one quoting those words.
#include "core/db/database_impl.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <Poco/Data/Session.h>

#include <atomic>
#include <chrono>
#include <future>
#include <regex>
#include <thread>
#include <vector>

using namespace cc::test;
using namespace std::chrono_literals;
using Poco::Data::Keywords::now;

namespace {

class DatabaseHelp : public ::testing::TestWithParam<cc::Engine> {
 protected:
  void SetUp() override { open(GetParam()); }
  void open(cc::Engine engine) {
    if (engine == cc::Engine::PostgreSQL) {
      url = createPostgresDatabase("cc_db_help");
      if (url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    } else {
      url = "sqlite://" + (dir.path() / "help.db").string();
    }
    execute(url, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
    execute(url, "INSERT INTO counter (id, n) VALUES (1, 0)");
    execute(url, "CREATE TABLE taken (v INTEGER NOT NULL, name TEXT NOT NULL)");
    a = openTestDatabase(url);
    b = openTestDatabase(url);
  }
  std::string value(const std::string& sql) { return queryStrings(url, sql).at(0); }

  // A database with its own pool settings, for the unavailability cases.
  std::unique_ptr<cc::core::PooledDatabase> openPool(int poolMax, int poolTimeoutMs, int busyTimeoutMs) {
    cc::core::DatabaseConfig c;
    c.url = url;
    c.poolMin = 1;
    c.poolMax = poolMax;
    c.poolTimeoutMs = poolTimeoutMs;
    c.busyTimeoutMs = busyTimeoutMs;
    return cc::core::openDatabase(c, "/");
  }

  // Runs `fn(db, threadIndex)` on kThreads threads, half on each pool.
  template <class F>
  void onTwoHosts(int threads, F fn) {
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) ts.emplace_back([&, t] { fn(t % 2 ? *b : *a, t); });
    for (auto& th : ts) th.join();
  }

  TempDir dir;
  std::string url;
  std::unique_ptr<cc::Database> a, b;
};

// What only PostgreSQL can show: on SQLite a write transaction already excludes every other writer.
class PostgresDatabaseHelp : public DatabaseHelp {
 protected:
  void SetUp() override { open(cc::Engine::PostgreSQL); }
};

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseHelp, ::testing::Values(cc::Engine::SQLite, cc::Engine::PostgreSQL),
                         [](const auto& info) { return info.param == cc::Engine::SQLite ? "SQLite" : "PostgreSQL"; });

constexpr int kThreads = 8, kRounds = 25;

}  // namespace

TEST_P(DatabaseHelp, RowsReadForUpdateAreNotUpdatedBehindTheReader) {
  // Read, then write what was read plus one: without the row lock two transactions read the
  // same value and one increment is lost.
  onTwoHosts(kThreads, [&](cc::Database& db, int) {
    for (int i = 0; i < kRounds; ++i)
      db.transaction([&](Poco::Data::Session& s) {
        auto rows = db.queryPrepared(s, "SELECT n FROM counter WHERE id = 1" + db.lockRowsSql(), {});
        std::this_thread::yield();  // widen the window between the read and the write
        db.queryPrepared(s, "UPDATE counter SET n = CAST(? AS INTEGER) WHERE id = 1",
                         {std::to_string(std::stoll(*rows.at(0).at(0)) + 1)});
      });
  });
  EXPECT_EQ(value("SELECT n FROM counter"), std::to_string(kThreads * kRounds));
}

TEST_P(DatabaseHelp, ANamedLockSerialisesTransactionsOfTwoHosts) {
  // No row to lock: each transaction takes the next number for a name. Without the named lock
  // two transactions read the same MAX and take the same number.
  onTwoHosts(kThreads, [&](cc::Database& db, int) {
    for (int i = 0; i < kRounds; ++i)
      db.transaction([&](Poco::Data::Session& s) {
        db.lockNamed(s, "test.numbers", "customer-1");
        auto rows = db.queryPrepared(s, "SELECT COALESCE(MAX(v), 0) FROM taken WHERE name = 'customer-1'", {});
        std::this_thread::yield();
        db.queryPrepared(s, "INSERT INTO taken (v, name) VALUES (CAST(? AS INTEGER), 'customer-1')",
                         {std::to_string(std::stoll(*rows.at(0).at(0)) + 1)});
      });
  });
  EXPECT_EQ(value("SELECT COUNT(DISTINCT v) FROM taken"), std::to_string(kThreads * kRounds));
  EXPECT_EQ(value("SELECT MAX(v) FROM taken"), std::to_string(kThreads * kRounds));
}

TEST_F(PostgresDatabaseHelp, ANamedLockIsHeldUntilTheTransactionEndsAndOnlyForItsName) {
  std::promise<void> locked, release;
  std::thread holder([&] {
    a->transaction([&](Poco::Data::Session& s) {
      a->lockNamed(s, "test.scope", "k1");
      locked.set_value();
      release.get_future().wait();
    });
  });
  locked.get_future().wait();
  // Another name (same key in another scope, another key in the same scope) is free at once.
  b->transaction([&](Poco::Data::Session& s) {
    b->lockNamed(s, "test.other", "k1");
    b->lockNamed(s, "test.scope", "k2");
  });
  // The same name waits until the holder commits.
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    b->transaction([&](Poco::Data::Session& s) {
      b->lockNamed(s, "test.scope", "k1");
      got = true;
    });
  });
  // Wait until the server shows the waiter queued on the advisory lock (not a timed guess).
  const std::string waiting =
      "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND "
      "database = (SELECT oid FROM pg_database WHERE datname = current_database())";
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (value(waiting) != "1" && !got && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(got.load()) << "the named lock was taken while another transaction held it";
  EXPECT_EQ(value(waiting), "1");
  release.set_value();
  holder.join();
  waiter.join();
  EXPECT_TRUE(got.load());
}

TEST_P(DatabaseHelp, NowPlusSecondsComparesWithStoredTimestamps) {
  auto s = a->session();
  const std::string iso = a->queryPrepared(s, "SELECT " + a->nowPlusSql(-90), {}).at(0).at(0).value();
  EXPECT_TRUE(std::regex_match(iso, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << iso;
  a->queryPrepared(s, "INSERT INTO taken (v, name) VALUES (1, " + a->nowPlusSql(-90) + ")", {});
  auto count = [&](const std::string& where) {
    return a->queryPrepared(s, "SELECT COUNT(*) FROM taken WHERE " + where, {}).at(0).at(0).value();
  };
  EXPECT_EQ(count("name < " + a->nowSql()), "1");
  EXPECT_EQ(count("name >= " + a->nowPlusSql(-120)), "1");
  EXPECT_EQ(count("name >= " + a->nowPlusSql(-60)), "0");
  EXPECT_EQ(count(a->nowPlusSql(3600) + " > " + a->nowSql()), "1");
  EXPECT_EQ(count(a->nowPlusSql(0) + " < " + a->nowPlusSql(-1)), "0");
}

TEST_P(DatabaseHelp, ASnapshotSeesOneStateAndLetsWritersIn) {
  auto s = a->session();
  a->beginSnapshot(s);
  EXPECT_EQ(a->queryPrepared(s, "SELECT n FROM counter WHERE id = 1", {}).at(0).at(0), "0");
  // Another host writes meanwhile: not blocked (no write lock held), and not seen.
  b->transaction([&](Poco::Data::Session& w) { b->queryPrepared(w, "UPDATE counter SET n = 7 WHERE id = 1", {}); });
  EXPECT_EQ(a->queryPrepared(s, "SELECT n FROM counter WHERE id = 1", {}).at(0).at(0), "0");
  a->commit(s);
  EXPECT_EQ(a->queryPrepared(s, "SELECT n FROM counter WHERE id = 1", {}).at(0).at(0), "7");
}

TEST_P(DatabaseHelp, AnUnindexedTermStillFilters) {
  execute(url, "CREATE INDEX taken_name ON taken (name)");
  for (const char* n : {"x", "y", "x"}) execute(url, std::string("INSERT INTO taken (v, name) VALUES (1, '") + n + "')");
  auto rows = a->queryPrepared("SELECT COUNT(*) FROM taken WHERE " + a->unindexedSql("name") + " = ?", {"x"});
  EXPECT_EQ(rows.at(0).at(0), "2");
}

TEST_P(DatabaseHelp, AnExhaustedPoolIsUnavailable) {
  auto db = openPool(1, 200, 5000);
  auto held = db->session();  // the only connection
  try {
    db->queryPrepared("SELECT 1", {});
    FAIL() << "the pool lent a second connection";
  } catch (const std::exception& e) {
    EXPECT_TRUE(db->isUnavailable(e)) << e.what();
  }
  try {
    auto second = db->session();
    FAIL() << "the pool lent a second connection";
  } catch (const std::exception& e) {
    EXPECT_TRUE(db->isUnavailable(e)) << e.what();
  }
}

TEST_P(DatabaseHelp, AStatementsOwnErrorIsNotUnavailabilityEvenWhenItQuotesTheWords) {
  execute(url, "CREATE UNIQUE INDEX taken_unique ON taken (name)");
  const std::string hostile = "server closed the connection unexpectedly: database is locked";
  a->queryPrepared("INSERT INTO taken (v, name) VALUES (1, ?)", {hostile});
  auto expectFault = [&](auto fn) {
    try {
      fn();
      ADD_FAILURE() << "no error";
    } catch (const std::exception& e) {
      EXPECT_FALSE(a->isUnavailable(e)) << e.what();
    }
  };
  expectFault([&] { a->queryPrepared("INSERT INTO taken (v, name) VALUES (2, ?)", {hostile}); });
  expectFault([&] {
    auto s = a->session();
    std::string h = hostile;
    s << "INSERT INTO taken (v, name) VALUES (3, ?)", Poco::Data::Keywords::use(h), now;
  });
  expectFault([&] { a->queryPrepared("SELEC nonsense", {}); });
  expectFault([&] { a->queryPrepared("SELECT * FROM no_such_table", {}); });
  EXPECT_FALSE(a->isUnavailable(std::runtime_error("the database is locked")));
  EXPECT_FALSE(a->isUnavailable(std::invalid_argument("server closed the connection")));
}

TEST_P(DatabaseHelp, ALostConnectionOrAWriterPastTheBusyTimeoutIsUnavailable) {
  if (GetParam() == cc::Engine::PostgreSQL) {
    // The server ends the session under a pooled connection, as a restart would.
    auto db = openPool(1, 2000, 5000);
    auto s = db->session();
    const std::string pid = db->queryPrepared(s, "SELECT CAST(pg_backend_pid() AS TEXT)", {}).at(0).at(0).value();
    execute(url, "SELECT pg_terminate_backend(" + pid + ", 5000)");
    try {
      db->queryPrepared(s, "SELECT 1", {});
      FAIL() << "a statement ran on a terminated connection";
    } catch (const std::exception& e) {
      EXPECT_TRUE(db->isUnavailable(e)) << e.what();
    }
    s.close();
    auto t = db->session();
    const std::string pid2 = db->queryPrepared(t, "SELECT CAST(pg_backend_pid() AS TEXT)", {}).at(0).at(0).value();
    execute(url, "SELECT pg_terminate_backend(" + pid2 + ", 5000)");
    try {
      int one = 0;
      t << "SELECT 1", Poco::Data::Keywords::into(one), now;
      FAIL() << "a statement ran on a terminated connection";
    } catch (const Poco::Exception& e) {
      EXPECT_TRUE(db->isUnavailable(e)) << e.displayText();
    }
    return;
  }
  // SQLite: another process (here another pool, which has its own in-process writer queue)
  // holds the write lock longer than this one's busy timeout.
  auto holder = openPool(1, 2000, 5000);
  auto impatient = openPool(1, 2000, 200);
  auto h = holder->session();
  holder->begin(h);
  auto s = impatient->session();
  try {
    impatient->begin(s);
    impatient->rollback(s);
    FAIL() << "a second writer got in";
  } catch (const std::exception& e) {
    EXPECT_TRUE(impatient->isUnavailable(e)) << e.what();
  }
  try {
    s << "INSERT INTO counter (id, n) VALUES (2, 0)", now;
    FAIL() << "a second writer got in";
  } catch (const Poco::Exception& e) {
    EXPECT_TRUE(impatient->isUnavailable(e)) << e.displayText();
  }
  holder->rollback(h);
}
