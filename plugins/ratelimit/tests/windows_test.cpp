// Window rollover, tier changes and the guide's manual reset, on SQLite and PostgreSQL. The
// windows come from the database clock, so the tests move the stored window markers back.
#include "ratelimit_host.hpp"

using namespace cc::test;
using rltest::analyze;
using rltest::tracker;

class Windows : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string db = rltest::databaseFor(GetParam(), "rl_windows");
    if (GetParam() == "postgresql" && db.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    host_ = std::make_unique<HostProcess>(
        rltest::plugins("{tiers: {free: {requests_per_day: 1000, requests_per_month: 5000, "
                        "analysis_runs_per_day: 2, analysis_runs_per_month: 3}}}"),
        "", db);
    ASSERT_TRUE(host_->start()) << host_->output();
    token_ = host_->signup("windows@example.com");
    id_ = rltest::userId(*host_, token_);
  }
  void TearDown() override {
    if (host_) host_->stop();
  }
  void sql(const std::string& statement) { execute(host_->databaseUrl(), statement); }
  std::string where() const { return " WHERE \"userId\" = '" + id_ + "'"; }

  std::unique_ptr<HostProcess> host_;
  std::string token_, id_;
};

TEST_P(Windows, MidnightResetsTheDayButNotTheMonth) {
  ASSERT_EQ(analyze(*host_, token_).status, 200);
  ASSERT_EQ(analyze(*host_, token_).status, 200);
  auto refused = analyze(*host_, token_);
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(jsonField(refused.body, "error"), "Daily analysis limit exceeded: 2/day. Upgrade your plan for more.");

  // The stored day is now a past day: the next request starts a new day window.
  sql("UPDATE \"RateLimitTracker\" SET \"dayStart\" = '2000-01-01T00:00:00.000Z'" + where());
  auto nextDay = analyze(*host_, token_);
  ASSERT_EQ(nextDay.status, 200) << nextDay.body;
  EXPECT_EQ(tracker(*host_, id_, "analysisRunsToday"), "1");
  EXPECT_EQ(tracker(*host_, id_, "requestsToday"), "1");
  EXPECT_EQ(tracker(*host_, id_, "analysisRunsThisMonth"), "3");
  EXPECT_EQ(tracker(*host_, id_, "requestsThisMonth"), "4");
  EXPECT_NE(tracker(*host_, id_, "dayStart"), "2000-01-01T00:00:00.000Z");

  // The month is used up, and a new day does not give it back.
  sql("UPDATE \"RateLimitTracker\" SET \"dayStart\" = '2000-01-01T00:00:00.000Z'" + where());
  auto monthRefused = analyze(*host_, token_);
  ASSERT_EQ(monthRefused.status, 429);
  EXPECT_EQ(jsonField(monthRefused.body, "error"),
            "Monthly analysis limit exceeded: 3/month. Upgrade your plan for more.");
  EXPECT_GT(std::stol(jsonField(monthRefused.body, "retryAfter")), 0);
  EXPECT_LE(std::stol(jsonField(monthRefused.body, "retryAfter")), 31L * 86400);
}

TEST_P(Windows, MonthEndResetsBoth) {
  for (int i = 0; i < 2; ++i) ASSERT_EQ(analyze(*host_, token_).status, 200);
  sql("UPDATE \"RateLimitTracker\" SET \"dayStart\" = '1999-12-31T00:00:00.000Z', "
      "\"monthStart\" = '1999-12-01T00:00:00.000Z'" + where());
  ASSERT_EQ(analyze(*host_, token_).status, 200);
  EXPECT_EQ(tracker(*host_, id_, "analysisRunsToday"), "1");
  EXPECT_EQ(tracker(*host_, id_, "analysisRunsThisMonth"), "1");
  EXPECT_EQ(tracker(*host_, id_, "requestsThisMonth"), "1");
  auto usage = host_->get("/api/rate-limit/usage", token_);
  EXPECT_EQ(jsonField(usage.body, "monthlyAnalysisRunsRemaining"), "2");
}

TEST_P(Windows, UsageIgnoresCountersOfAnEndedWindow) {
  ASSERT_EQ(analyze(*host_, token_).status, 200);
  sql("UPDATE \"RateLimitTracker\" SET \"dayStart\" = '2000-01-01T00:00:00.000Z'" + where());
  auto usage = host_->get("/api/rate-limit/usage", token_);
  ASSERT_EQ(usage.status, 200);
  EXPECT_EQ(jsonField(usage.body, "analysisRunsRemaining"), "2");
  EXPECT_EQ(jsonField(usage.body, "monthlyAnalysisRunsRemaining"), "2");
}

TEST_P(Windows, UpgradeMidWindowAppliesAtOnceAndKeepsTheCount) {
  ASSERT_EQ(analyze(*host_, token_).status, 200);
  ASSERT_EQ(analyze(*host_, token_).status, 200);
  ASSERT_EQ(analyze(*host_, token_).status, 429);
  // What the billing plugin does when a subscription starts.
  sql("UPDATE \"User\" SET tier = 'startup' WHERE id = '" + id_ + "'");
  auto upgraded = analyze(*host_, token_);
  ASSERT_EQ(upgraded.status, 200) << upgraded.body;
  EXPECT_EQ(upgraded.header("X-RateLimit-Limit"), "20");
  EXPECT_EQ(upgraded.header("X-RateLimit-Remaining"), "17");
  EXPECT_EQ(jsonField(host_->get("/api/rate-limit/usage", token_).body, "tier"), "startup");
  // And back down: the runs already used count against the smaller limit.
  sql("UPDATE \"User\" SET tier = 'free' WHERE id = '" + id_ + "'");
  EXPECT_EQ(analyze(*host_, token_).status, 429);
  EXPECT_EQ(host_->get("/api/auth/me", token_).status, 200);
}

TEST_P(Windows, GuidesManualResetRunsVerbatim) {
  ASSERT_EQ(analyze(*host_, token_).status, 200);
  ASSERT_EQ(analyze(*host_, token_).status, 200);
  ASSERT_EQ(analyze(*host_, token_).status, 429);
  // The guide's two troubleshooting statements, with the user's id.
  auto rows = queryStrings(host_->databaseUrl(), "SELECT * FROM \"RateLimitTracker\" WHERE \"userId\" = '" + id_ + "'");
  ASSERT_EQ(rows.size(), 1u);
  sql("UPDATE \"RateLimitTracker\" SET \"requestsToday\" = 0 WHERE \"userId\" = '" + id_ + "'");
  EXPECT_EQ(tracker(*host_, id_, "requestsToday"), "0");
  // Resetting the analysis counter the same way lets the next run through.
  sql("UPDATE \"RateLimitTracker\" SET \"analysisRunsToday\" = 0 WHERE \"userId\" = '" + id_ + "'");
  EXPECT_EQ(analyze(*host_, token_).status, 200);
  EXPECT_EQ(tracker(*host_, id_, "requestsToday"), "1");
}

INSTANTIATE_TEST_SUITE_P(Engines, Windows, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
