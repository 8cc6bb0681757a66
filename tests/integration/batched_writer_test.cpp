// Database::batchedWriter() (the group commit, moved here from the rate limiter) on a real
// SQLite file and a real PostgreSQL database: writes from many threads of two hosts (two pools
// on one database) are all applied exactly once, each seeing the ones before it; on SQLite the
// writes really share transactions, a failing write fails (and undoes) its whole batch without
// touching the batches before or after it, and maxBatch bounds a batch.
#include "support/test_env.hpp"

#include <codecouncil/sdk/database.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace cc::test;

namespace {

class BatchedWriter : public ::testing::TestWithParam<cc::Engine> {
 protected:
  void SetUp() override { open(GetParam()); }
  void open(cc::Engine engine) {
    if (engine == cc::Engine::PostgreSQL) {
      url = createPostgresDatabase("cc_batched_writer");
      if (url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    } else {
      url = "sqlite://" + (dir.path() / "group.db").string();
    }
    execute(url, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
    execute(url, "INSERT INTO counter (id, n) VALUES (1, 0)");
    execute(url, "CREATE TABLE writes (thread INTEGER NOT NULL, seen INTEGER NOT NULL)");
    db = openTestDatabase(url);
  }
  // One counted write: increments and records the value it saw, as the limiter's upsert does.
  static void increment(cc::Database& on, Poco::Data::Session& s, int thread) {
    auto rows = on.queryPrepared(s, "UPDATE counter SET n = n + 1 WHERE id = 1 RETURNING n", {});
    on.queryPrepared(s, "INSERT INTO writes (thread, seen) VALUES (CAST(? AS INTEGER), CAST(? AS INTEGER))",
                     {std::to_string(thread), rows.at(0).at(0)});
  }
  void increment(Poco::Data::Session& s, int thread) { increment(*db, s, thread); }
  std::string value(const std::string& sql) { return queryStrings(url, sql).at(0); }

  TempDir dir;
  std::string url;
  std::unique_ptr<cc::Database> db;
};

// Batches are formed only where one writer runs at a time.
class SQLiteBatchedWriter : public BatchedWriter {
 protected:
  void SetUp() override { open(cc::Engine::SQLite); }
};

INSTANTIATE_TEST_SUITE_P(Engines, BatchedWriter, ::testing::Values(cc::Engine::SQLite, cc::Engine::PostgreSQL),
                         [](const auto& info) { return info.param == cc::Engine::SQLite ? "SQLite" : "PostgreSQL"; });

}  // namespace

TEST_P(BatchedWriter, ConcurrentWritesOfTwoHostsAreEachAppliedOnceInOrder) {
  // Two pools on one database, as two hosts would have, each with its own writer.
  auto other = openTestDatabase(url);
  auto mine = db->batchedWriter("test.counter");
  auto theirs = other->batchedWriter("test.counter");
  EXPECT_EQ(mine->name(), "test.counter");
  constexpr int kThreads = 16, kWritesEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      cc::Database& on = t % 2 ? *other : *db;
      cc::BatchedWriter& writer = t % 2 ? *theirs : *mine;
      for (int i = 0; i < kWritesEach; ++i) writer.submit([&](Poco::Data::Session& s) { increment(on, s, t); });
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(value("SELECT n FROM counter"), std::to_string(kThreads * kWritesEach));
  // Every write saw a distinct value: none ran twice, none saw another's half-done state.
  EXPECT_EQ(value("SELECT COUNT(DISTINCT seen) FROM writes"), std::to_string(kThreads * kWritesEach));
  EXPECT_EQ(value("SELECT MAX(seen) FROM writes"), std::to_string(kThreads * kWritesEach));
}

TEST_P(BatchedWriter, SingleStatementWritesAreExactToo) {
  // The rate limiter's setting: on PostgreSQL each write then runs without BEGIN/COMMIT.
  auto writer = db->batchedWriter("test.single", {.maxBatch = 0, .singleStatementWrites = true});
  constexpr int kThreads = 12, kWritesEach = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kWritesEach; ++i)
        writer->submit([&](Poco::Data::Session& s) { db->queryPrepared(s, "UPDATE counter SET n = n + 1 WHERE id = 1", {}); });
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(value("SELECT n FROM counter"), std::to_string(kThreads * kWritesEach));
}

TEST_P(BatchedWriter, AFailingWriteUndoesItsWholeBatchAndOnlyIt) {
  auto group = db->batchedWriter("test.failing");
  group->submit([&](Poco::Data::Session& s) { increment(s, 0); });  // a batch before: stays

  // Hold the leader inside a write until the others have queued, so they share one batch.
  std::atomic<bool> release{false}, leaderInside{false};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  threads.emplace_back([&] {
    group->submit([&](Poco::Data::Session& s) {
      increment(s, 1);
      leaderInside = true;
      while (!release) std::this_thread::yield();
    });
  });
  while (!leaderInside) std::this_thread::yield();
  for (int t = 2; t <= 4; ++t)
    threads.emplace_back([&, t] {
      try {
        group->submit([&](Poco::Data::Session& s) {
          increment(s, t);
          if (t == 3) throw std::runtime_error("write 3 fails");
        });
      } catch (const std::runtime_error&) {
        ++failures;
      }
    });
  if (GetParam() == cc::Engine::SQLite) {
    while (group->waiting() < 3) std::this_thread::yield();  // all three queued behind the leader
    release = true;
    for (auto& th : threads) th.join();
    // Threads 2..4 ran as one batch after the leader's: thread 3 failed, so 2, 3 and 4 all
    // failed and none of their writes is in the file; the batches before them are.
    EXPECT_EQ(failures.load(), 3);
    EXPECT_EQ(value("SELECT n FROM counter"), "2");
    EXPECT_EQ(value("SELECT COUNT(*) FROM writes WHERE thread >= 2"), "0");
  } else {
    // Row locks: nothing is batched, so only the failing write fails (and is undone). The
    // others wait for the leader's row lock and then run.
    EXPECT_EQ(group->waiting(), 0u);
    release = true;
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 1);
    EXPECT_EQ(value("SELECT n FROM counter"), "4");
    EXPECT_EQ(value("SELECT COUNT(*) FROM writes WHERE thread = 3"), "0");
  }
  const std::string before = value("SELECT n FROM counter");
  group->submit([&](Poco::Data::Session& s) { increment(s, 5); });  // and the next batch works again
  EXPECT_EQ(value("SELECT n FROM counter"), std::to_string(std::stoi(before) + 1));
}

TEST_F(SQLiteBatchedWriter, MaxBatchBoundsWhatOneFailureTakesDown) {
  auto group = db->batchedWriter("test.bounded", {.maxBatch = 2});
  std::atomic<bool> release{false}, leaderInside{false};
  std::vector<std::thread> threads;
  std::vector<int> failed(7, 0);
  threads.emplace_back([&] {
    group->submit([&](Poco::Data::Session& s) {
      increment(s, 1);
      leaderInside = true;
      while (!release) std::this_thread::yield();
    });
  });
  while (!leaderInside) std::this_thread::yield();
  // Queued one after another, so the batches are {2, 3} and {4, 5}, then {6}; 3 fails.
  for (int t = 2; t <= 6; ++t) {
    threads.emplace_back([&, t] {
      try {
        group->submit([&](Poco::Data::Session& s) {
          increment(s, t);
          if (t == 3) throw std::runtime_error("write 3 fails");
        });
      } catch (const std::runtime_error&) {
        failed[t] = 1;
      }
    });
    while (group->waiting() < static_cast<std::size_t>(t - 1)) std::this_thread::yield();
  }
  release = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed, (std::vector<int>{0, 0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(value("SELECT n FROM counter"), "4");  // 1, 4, 5, 6
  EXPECT_EQ(value("SELECT COUNT(*) FROM writes WHERE thread IN (2, 3)"), "0");
}
