// Exactness under concurrency: 200 simultaneous analysis runs of one user against a daily limit
// of 20 let exactly 20 through and leave the counter at 20, on SQLite, on PostgreSQL, and with
// two host instances sharing one PostgreSQL database.
#include "ratelimit_host.hpp"

#include <atomic>
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

}  // namespace

TEST(Concurrency, ExactlyTheLimitOnSqlite) {
  HostProcess host(rltest::plugins(kConfig));
  ASSERT_TRUE(host.start()) << host.output();
  expectExactlyTwenty({&host});
}

TEST(Concurrency, ExactlyTheLimitOnPostgres) {
  std::string db = createPostgresDatabase("rl_burst");
  if (db.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess host(rltest::plugins(kConfig), "", db);
  ASSERT_TRUE(host.start()) << host.output();
  expectExactlyTwenty({&host});
}

TEST(Concurrency, ExactlyTheLimitAcrossTwoHostsOnOnePostgres) {
  std::string db = createPostgresDatabase("rl_burst2");
  if (db.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess first(rltest::plugins(kConfig), "", db);
  HostProcess second(rltest::plugins(kConfig), "", db);
  ASSERT_TRUE(first.start()) << first.output();
  ASSERT_TRUE(second.start()) << second.output();
  expectExactlyTwenty({&first, &second});
}
