// Database::queryPrepared(): the prepared fast path on the pool's connections, on SQLite (a temp
// file) and on PostgreSQL when CC_TEST_POSTGRES_URL is set.
#include "core/db/database_impl.hpp"
#include "tests/support/test_env.hpp"

#include <gtest/gtest.h>

#include <Poco/Data/DataException.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

using cc::Database;
using Row = Database::SqlRow;

namespace {

constexpr int kPoolMax = 4;

class PreparedQuery : public ::testing::TestWithParam<cc::Engine> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == cc::Engine::SQLite) {
      url = "sqlite://" + (dir_.path() / "prepared.db").string();
    } else {
      url = cc::test::createPostgresDatabase("prepared");
      if (url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    }
    cc::core::DatabaseConfig config;
    config.url = url;
    config.poolMax = kPoolMax;
    db_ = cc::core::openDatabase(config, dir_.str());
    exec("CREATE TABLE \"Item\" (id TEXT PRIMARY KEY, n BIGINT, note TEXT)");
  }

  void exec(const std::string& sql) {
    auto s = db_->session();
    s << sql, Poco::Data::Keywords::now;
  }

  std::vector<Row> q(const std::string& sql, const std::vector<Database::SqlValue>& params = {}) {
    return db_->queryPrepared(sql, params);
  }

  cc::test::TempDir dir_;
  std::unique_ptr<cc::core::PooledDatabase> db_;
};

TEST_P(PreparedQuery, BindsParametersAndReturnsTextAndNulls) {
  EXPECT_TRUE(q("INSERT INTO \"Item\" (id, n, note) VALUES (?, CAST(? AS BIGINT), ?)", {"a", "42", std::nullopt}).empty());
  q("INSERT INTO \"Item\" (id, n, note) VALUES (?, CAST(? AS BIGINT), ?)", {"b b", "-7", "it's \"quoted\" ?"});
  auto rows = q("SELECT id, n, note, CASE WHEN n > 0 THEN 1 ELSE 0 END FROM \"Item\" ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (Row{"a", "42", std::nullopt, "1"}));
  EXPECT_EQ(rows[1], (Row{"b b", "-7", "it's \"quoted\" ?", "0"}));
  // A '?' inside quotes is not a placeholder.
  rows = q("SELECT '?', id FROM \"Item\" WHERE id = ?", {"a"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Row{"?", "a"}));
  EXPECT_TRUE(q("SELECT id FROM \"Item\" WHERE id = ?", {"missing"}).empty());
  // Writes through queryPrepared are committed: the pool sees them.
  auto s = db_->session();
  int count = 0;
  s << "SELECT COUNT(*) FROM \"Item\"", Poco::Data::Keywords::into(count), Poco::Data::Keywords::now;
  EXPECT_EQ(count, 2);
}

TEST_P(PreparedQuery, ReusesTheStatementAcrossCalls) {
  const std::string insert = "INSERT INTO \"Item\" (id, n) VALUES (?, CAST(? AS BIGINT)) RETURNING n";
  for (int i = 0; i < 200; ++i) {
    auto rows = q(insert, {"k" + std::to_string(i), std::to_string(i)});
    ASSERT_EQ(rows.size(), 1u);
    ASSERT_EQ(rows[0][0], std::to_string(i));
  }
  // A multi-row query runs again from the start each time.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q("SELECT n FROM \"Item\" WHERE n >= CAST(? AS BIGINT) ORDER BY n", {"198"}).size(), 2u);
  EXPECT_EQ(q("SELECT COUNT(*) FROM \"Item\"")[0][0], "200");
  if (GetParam() == cc::Engine::PostgreSQL) {
    // One server-side statement per distinct text on the connection (calls one after another
    // get the most recently returned connection back).
    auto rows = q("SELECT COUNT(*) FROM pg_prepared_statements");
    EXPECT_EQ(rows[0][0], "4");
  }
}

TEST_P(PreparedQuery, ManyThreadsCountExactly) {
  q("INSERT INTO \"Item\" (id, n) VALUES ('counter', 0)");
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        try {
          auto rows = db_->queryPrepared("UPDATE \"Item\" SET n = n + 1 WHERE id = ? RETURNING n", {"counter"});
          if (rows.size() != 1 || !rows[0][0]) ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(q("SELECT n FROM \"Item\" WHERE id = ?", {"counter"})[0][0], std::to_string(kThreads * kEach));
  // The threads shared the pool's connections instead of opening their own.
  EXPECT_LE(db_->poolStats().open, kPoolMax);
  EXPECT_EQ(db_->poolStats().inUse, 0);
  if (GetParam() == cc::Engine::PostgreSQL) {
    // The server lists a backend until it has exited, a moment after its client closed (the
    // fixture's own set-up connection, say): wait for that moment to pass. A connection the
    // host still holds open beyond pool_max never leaves the list, and still fails here.
    int sessions = 0;
    for (int look = 0; look < 100; ++look) {
      sessions = std::stoi(*q("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")[0][0]);
      if (sessions <= kPoolMax) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_LE(sessions, kPoolMax);
  }
}

TEST_P(PreparedQuery, RunsInATransactionOnTheConnectionOfASession) {
  const std::string insert = "INSERT INTO \"Item\" (id, n) VALUES (?, CAST(? AS BIGINT))";
  {
    auto s = db_->session();
    db_->begin(s);
    db_->queryPrepared(s, insert, {"undone", "1"});
    // The transaction sees its own write; other connections do not.
    EXPECT_EQ(db_->queryPrepared(s, "SELECT COUNT(*) FROM \"Item\"", {})[0][0], "1");
    EXPECT_EQ(q("SELECT COUNT(*) FROM \"Item\"")[0][0], "0");
    db_->rollback(s);
    db_->begin(s);
    db_->queryPrepared(s, insert, {"kept", "2"});
    db_->commit(s);
  }
  auto rows = q("SELECT id FROM \"Item\"");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "kept");
  EXPECT_EQ(db_->poolStats().inUse, 0);
}

TEST_P(PreparedQuery, RefusesASessionThatIsNotFromThisDatabase) {
  cc::test::TempDir other;
  cc::core::DatabaseConfig config;
  config.url = "sqlite://" + (other.path() / "other.db").string();
  auto second = cc::core::openDatabase(config, other.str());
  auto foreign = second->session();
  EXPECT_THROW(db_->queryPrepared(foreign, "SELECT 1", {}), std::invalid_argument);
  Poco::Data::Session raw("SQLite", (other.path() / "raw.db").string());
  EXPECT_THROW(db_->queryPrepared(raw, "SELECT 1", {}), std::invalid_argument);
  // A closed session gave its connection back: it cannot be used any more.
  auto mine = db_->session();
  mine.close();
  EXPECT_THROW(db_->queryPrepared(mine, "SELECT 1", {}), Poco::Data::SessionUnavailableException);
}

TEST_P(PreparedQuery, ErrorsCarryTheDatabaseMessageAndReconnect) {
  // A TEMP table lives on one connection: it shows whether the connection was replaced.
  q("CREATE TEMP TABLE scratch (x TEXT)");
  q("INSERT INTO scratch (x) VALUES (?)", {"here"});
  EXPECT_EQ(q("SELECT x FROM scratch")[0][0], "here");
  try {
    q("SELECT nope FROM \"NoSuchTable\"");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_TRUE(what.find("NoSuchTable") != std::string::npos) << what;
  }
  // The failed connection was closed; the next call gets another one (without the TEMP table).
  EXPECT_EQ(q("SELECT id FROM \"Item\" WHERE id = ?", {"x"}).size(), 0u);
  EXPECT_THROW(q("SELECT x FROM scratch"), std::runtime_error);
  EXPECT_EQ(q("SELECT COUNT(*) FROM \"Item\"")[0][0], "0");
  // A constraint error says so.
  q("INSERT INTO \"Item\" (id) VALUES (?)", {"dup"});
  try {
    q("INSERT INTO \"Item\" (id) VALUES (?)", {"dup"});
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_TRUE(what.find("UNIQUE") != std::string::npos || what.find("unique") != std::string::npos) << what;
  }
}

TEST_P(PreparedQuery, EachDatabaseHasItsOwnConnection) {
  cc::test::TempDir other;
  cc::core::DatabaseConfig config;
  config.url = "sqlite://" + (other.path() / "other.db").string();
  auto second = cc::core::openDatabase(config, other.str());
  second->queryPrepared("CREATE TABLE \"Item\" (id TEXT)", {});
  second->queryPrepared("INSERT INTO \"Item\" (id) VALUES (?)", {"only-in-second"});
  EXPECT_EQ(q("SELECT COUNT(*) FROM \"Item\"")[0][0], "0");
  EXPECT_EQ(second->queryPrepared("SELECT COUNT(*) FROM \"Item\"", {})[0][0], "1");
}

INSTANTIATE_TEST_SUITE_P(Engines, PreparedQuery, ::testing::Values(cc::Engine::SQLite, cc::Engine::PostgreSQL),
                         [](const auto& info) { return info.param == cc::Engine::SQLite ? "SQLite" : "PostgreSQL"; });

}  // namespace
