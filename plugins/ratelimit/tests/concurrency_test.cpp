// Exactness under concurrency: 200 simultaneous analysis runs of one user against a daily limit
// of 20 let exactly 20 through and leave the counter at 20, and 200 simultaneous plain requests
// are each told their own count (X-RateLimit-Remaining), on SQLite, on PostgreSQL, and with two
// host instances sharing one PostgreSQL database. Concurrent counts of one user are combined
// into one statement per host (count_combiner.hpp): these are what prove it exact.
#include "ratelimit_host.hpp"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using namespace cc::test;
using rltest::tracker;

namespace {

const char* kConfig =
    "{tiers: {free: {requests_per_day: 100000, requests_per_month: 100000, analysis_runs_per_day: 20, "
    "analysis_runs_per_month: 1000}}}";

struct Tally {
  std::atomic<int> ok{0}, refused{0}, other{0};
};

// `total` analysis requests from 200 threads released together, spread over `hosts`.
void burst(const std::vector<HostProcess*>& hosts, const std::string& token, int total, Tally& tally) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < total; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      const HostProcess& host = *hosts[static_cast<std::size_t>(i) % hosts.size()];
      try {
        int status = rltest::analyze(host, token).status;
        (status == 200 ? tally.ok : status == 429 ? tally.refused : tally.other)++;
      } catch (const std::exception&) {
        tally.other++;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
}

void expectExactlyTwenty(const std::vector<HostProcess*>& hosts) {
  std::string token = hosts[0]->signup("burst@example.com");
  std::string id = rltest::userId(*hosts[0], token);
  Tally tally;
  burst(hosts, token, 200, tally);
  EXPECT_EQ(tally.ok.load(), 20);
  EXPECT_EQ(tally.refused.load(), 180);
  EXPECT_EQ(tally.other.load(), 0);
  EXPECT_EQ(tracker(*hosts[0], id, "analysisRunsToday"), "20");
  EXPECT_EQ(tracker(*hosts[0], id, "analysisRunsThisMonth"), "20");
  EXPECT_EQ(tracker(*hosts[0], id, "requestsToday"), "21");  // the 20 runs and /api/auth/me
}

// 200 simultaneous plain requests of one user: each answer's X-RateLimit-Remaining is its own
// (the 200 counts after the signup's one request, each told to exactly one request), and the
// row holds all 201.
void expectEveryRequestItsOwnCount(const std::vector<HostProcess*>& hosts) {
  std::string token = hosts[0]->signup("positions@example.com");
  std::string id = rltest::userId(*hosts[0], token);
  std::mutex mutex;
  std::multiset<std::string> remaining;
  std::atomic<int> failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      try {
        auto r = hosts[static_cast<std::size_t>(i) % hosts.size()]->get("/api/auth/me", token);
        if (r.status != 200) return void(++failed);
        std::lock_guard lock(mutex);
        remaining.insert(r.header("X-RateLimit-Remaining"));
      } catch (const std::exception&) {
        ++failed;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  std::multiset<std::string> expected;
  for (int used = 2; used <= 201; ++used) expected.insert(std::to_string(100000 - used));
  EXPECT_EQ(remaining, expected);
  EXPECT_EQ(tracker(*hosts[0], id, "requestsToday"), "201");
  EXPECT_EQ(tracker(*hosts[0], id, "requestsThisMonth"), "201");
}

using Check = void (*)(const std::vector<HostProcess*>&);

// `check` on one host on SQLite, on one host on PostgreSQL, and on two hosts sharing one
// PostgreSQL database (the test skips where there is no test PostgreSQL).
void onSqlite(Check check) {
  HostProcess host(rltest::plugins(kConfig));
  ASSERT_TRUE(host.start()) << host.output();
  check({&host});
}

void onPostgres(const std::string& prefix, Check check) {
  std::string db = createPostgresDatabase(prefix);
  if (db.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess host(rltest::plugins(kConfig), "", db);
  ASSERT_TRUE(host.start()) << host.output();
  check({&host});
}

void onTwoHostsOnOnePostgres(const std::string& prefix, Check check) {
  std::string db = createPostgresDatabase(prefix);
  if (db.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess first(rltest::plugins(kConfig), "", db);
  HostProcess second(rltest::plugins(kConfig), "", db);
  ASSERT_TRUE(first.start()) << first.output();
  ASSERT_TRUE(second.start()) << second.output();
  check({&first, &second});
}

}  // namespace

TEST(Concurrency, EveryRequestItsOwnCountOnSqlite) { onSqlite(expectEveryRequestItsOwnCount); }

TEST(Concurrency, EveryRequestItsOwnCountOnPostgres) { onPostgres("rl_positions", expectEveryRequestItsOwnCount); }

TEST(Concurrency, EveryRequestItsOwnCountAcrossTwoHostsOnOnePostgres) {
  onTwoHostsOnOnePostgres("rl_positions2", expectEveryRequestItsOwnCount);
}

TEST(Concurrency, ExactlyTheLimitOnSqlite) { onSqlite(expectExactlyTwenty); }

TEST(Concurrency, ExactlyTheLimitOnPostgres) { onPostgres("rl_burst", expectExactlyTwenty); }

TEST(Concurrency, ExactlyTheLimitAcrossTwoHostsOnOnePostgres) {
  onTwoHostsOnOnePostgres("rl_burst2", expectExactlyTwenty);
}
