// Credits stay exact under 100 concurrent runs: with N credits exactly N runs complete, the
// rest get 402, the balance ends at 0 (never below), and every debit row belongs to one
// completed run. On SQLite, on PostgreSQL, and across two hosts sharing one PostgreSQL.
#include "analysis_host.hpp"

#include <atomic>
#include <thread>
#include <vector>

using namespace analysistest;
using cc::test::queryStrings;

namespace {

constexpr int kRuns = 100;
constexpr int kCredits = 37;

struct Tally {
  std::atomic<int> created{0}, paymentRequired{0}, other{0};
};

// kRuns requests at once, spread over the given ports.
void burst(const std::vector<int>& ports, const std::string& token, Tally& tally) {
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      try {
        auto r = cc::test::http(ports[i % ports.size()], "POST", "/api/gemini/analyze",
                                codeBody("int f" + std::to_string(i) + "() { return " + std::to_string(i) + "; }\n"),
                                {{"Authorization", "Bearer " + token}});
        if (r.status == 201) ++tally.created;
        else if (r.status == 402) ++tally.paymentRequired;
        else ++tally.other;
      } catch (const std::exception&) {
        ++tally.other;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
}

void expectExact(const std::string& url, const std::string& userId, const Tally& tally) {
  EXPECT_EQ(tally.created.load(), kCredits);
  EXPECT_EQ(tally.paymentRequired.load(), kRuns - kCredits);
  EXPECT_EQ(tally.other.load(), 0);
  EXPECT_EQ(balance(url, userId), 0);
  EXPECT_EQ(count(url, "fake_billing_ledger WHERE type = 'debit'"), kCredits);
  EXPECT_EQ(count(url, "\"Analysis\" WHERE status = 'completed'"), kCredits);
  EXPECT_EQ(count(url, "\"Analysis\""), kCredits) << "a refused run leaves no row";
  // Every debit references a completed run of this user, exactly once.
  EXPECT_EQ(count(url, "fake_billing_ledger l JOIN \"Analysis\" a ON l.reference = 'analysis:' || a.id"
                       " WHERE l.type = 'debit' AND a.\"userId\" = " + sqlQuote(userId)),
            kCredits);
  auto sum = queryStrings(url, "SELECT SUM(amount) FROM fake_billing_ledger WHERE \"userId\" = " + sqlQuote(userId));
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0], "0") << "the ledger's sum is the balance";
}

class CreditsConcurrency : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(CreditsConcurrency, HundredConcurrentRunsDebitExactly) {
  std::string url = databaseFor(GetParam(), "analysis_concurrency");
  if (GetParam() == "postgresql" && url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess h(plugins(), "", url);
  ASSERT_TRUE(h.start()) << h.output();
  Account root = admin(h);
  Account user = signup(h, "burst@example.com");
  grant(h, root, user.id, kCredits);
  Tally tally;
  burst({h.port()}, user.token, tally);
  expectExact(h.databaseUrl(), user.id, tally);
  EXPECT_EQ(h.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, CreditsConcurrency, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(CreditsConcurrencyTwoHosts, ExactAcrossTwoHostsOnOnePostgres) {
  std::string url = cc::test::createPostgresDatabase("analysis_two_hosts");
  if (url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess a(plugins(), "", url), b(plugins(), "", url);
  ASSERT_TRUE(a.start()) << a.output();
  ASSERT_TRUE(b.start()) << b.output();
  Account root = admin(a);
  Account user = signup(a, "two-hosts@example.com");
  grant(a, root, user.id, kCredits);
  Tally tally;
  burst({a.port(), b.port()}, user.token, tally);
  expectExact(url, user.id, tally);
  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
}
