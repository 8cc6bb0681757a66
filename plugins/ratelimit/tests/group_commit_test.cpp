// GroupCommit on a real SQLite file: writes from many threads are all applied exactly once, in
// batches that really share a transaction, and a failing write fails (and undoes) its whole
// batch without touching the batches before or after it.
#include "group_commit.hpp"

#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace cc::test;

namespace {

struct Counter {
  TempDir dir;
  std::string url = "sqlite://" + (dir.path() / "group.db").string();
  std::unique_ptr<cc::Database> db;

  Counter() {
    execute(url, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
    execute(url, "INSERT INTO counter (id, n) VALUES (1, 0)");
    execute(url, "CREATE TABLE writes (thread INTEGER NOT NULL, seen INTEGER NOT NULL)");
    db = openTestDatabase(url);
  }
  // One counted write: increments and records the value it saw, as the limiter's upsert does.
  void increment(Poco::Data::Session& s, int thread) {
    auto rows = db->queryPrepared(s, "UPDATE counter SET n = n + 1 WHERE id = 1 RETURNING n", {});
    db->queryPrepared(s, "INSERT INTO writes (thread, seen) VALUES (?, ?)", {std::to_string(thread), rows.at(0).at(0)});
  }
  std::string value(const std::string& sql) { return queryStrings(url, sql).at(0); }
};

}  // namespace

TEST(GroupCommit, ConcurrentWritesAreEachAppliedOnceInOrder) {
  Counter c;
  cc::ratelimit::GroupCommit group(*c.db);
  constexpr int kThreads = 16, kWritesEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesEach; ++i) group.run([&](Poco::Data::Session& s) { c.increment(s, t); });
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.value("SELECT n FROM counter"), std::to_string(kThreads * kWritesEach));
  // Every write saw a distinct value: none ran twice, none saw another's half-done state.
  EXPECT_EQ(c.value("SELECT COUNT(DISTINCT seen) FROM writes"), std::to_string(kThreads * kWritesEach));
  EXPECT_EQ(c.value("SELECT MAX(seen) FROM writes"), std::to_string(kThreads * kWritesEach));
}

TEST(GroupCommit, AFailingWriteUndoesItsWholeBatchAndOnlyIt) {
  Counter c;
  cc::ratelimit::GroupCommit group(*c.db);
  group.run([&](Poco::Data::Session& s) { c.increment(s, 0); });  // a batch before: stays

  // Hold the leader inside a write until the others have queued, so they share one batch.
  std::atomic<bool> release{false}, leaderInside{false};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  threads.emplace_back([&] {
    group.run([&](Poco::Data::Session& s) {
      c.increment(s, 1);
      leaderInside = true;
      while (!release) std::this_thread::yield();
    });
  });
  while (!leaderInside) std::this_thread::yield();
  for (int t = 2; t <= 4; ++t)
    threads.emplace_back([&, t] {
      try {
        group.run([&](Poco::Data::Session& s) {
          c.increment(s, t);
          if (t == 3) throw std::runtime_error("write 3 fails");
        });
      } catch (const std::runtime_error&) {
        ++failures;
      }
    });
  while (group.waiting() < 3) std::this_thread::yield();  // all three queued behind the leader
  release = true;
  for (auto& th : threads) th.join();
  // Threads 2..4 ran as one batch after the leader's: thread 3 failed, so 2, 3 and 4 all failed
  // and none of their writes is in the file; the batches before them are.
  EXPECT_EQ(failures.load(), 3);
  EXPECT_EQ(c.value("SELECT n FROM counter"), "2");
  EXPECT_EQ(c.value("SELECT COUNT(*) FROM writes WHERE thread >= 2"), "0");

  group.run([&](Poco::Data::Session& s) { c.increment(s, 5); });  // and the next batch works again
  EXPECT_EQ(c.value("SELECT n FROM counter"), "3");
}
