// The limiter against the real host on SQLite: headers, 429 body and event, which requests
// count, the usage endpoint, the unlimited tier.
#include "ratelimit_host.hpp"

#include <regex>

using namespace cc::test;
using rltest::analyze;
using rltest::tracker;

namespace {
const std::regex kIsoReset(R"(\d{4}-\d{2}-\d{2}T00:00:00Z)");
}

class LimitsHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess(rltest::plugins(
        "{tiers: {free: {requests_per_day: 40, requests_per_month: 1000, analysis_runs_per_day: 3, "
        "analysis_runs_per_month: 100}, tiny: {requests_per_day: 100, requests_per_month: 3, "
        "analysis_runs_per_day: 10, analysis_runs_per_month: 10}}}"));
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  static void TearDownTestSuite() {
    host_->stop();
    delete host_;
  }
  static HostProcess* host_;
};
HostProcess* LimitsHttp::host_ = nullptr;

TEST_F(LimitsHttp, AnalysisRunsCarryHeadersUntil429) {
  std::string token = host_->signup("runs@example.com");
  for (int i = 1; i <= 3; ++i) {
    auto r = analyze(*host_, token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("X-RateLimit-Limit"), "3");
    EXPECT_EQ(r.header("X-RateLimit-Remaining"), std::to_string(3 - i));
    EXPECT_TRUE(std::regex_match(r.header("X-RateLimit-Reset"), kIsoReset)) << r.header("X-RateLimit-Reset");
  }
  auto refused = analyze(*host_, token);
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(jsonField(refused.body, "error"), "Daily analysis limit exceeded: 3/day. Upgrade your plan for more.");
  long retryAfter = std::stol(jsonField(refused.body, "retryAfter"));
  EXPECT_GE(retryAfter, 1);
  EXPECT_LE(retryAfter, 86400);
  EXPECT_EQ(refused.header("Retry-After"), std::to_string(retryAfter));
  EXPECT_EQ(refused.header("X-RateLimit-Remaining"), "0");
  EXPECT_EQ(refused.header("X-RateLimit-Limit"), "3");

  // Refused requests count nowhere: 3 runs and 3 requests (the failed 4th left no trace).
  std::string id = jsonField(host_->get("/api/auth/me", token).body, "user.id");
  EXPECT_EQ(tracker(*host_, id, "analysisRunsToday"), "3");
  EXPECT_EQ(tracker(*host_, id, "analysisRunsThisMonth"), "3");
  EXPECT_EQ(tracker(*host_, id, "requestsToday"), "4");  // 3 runs + /api/auth/me

  // Out of analysis runs is not out of requests.
  EXPECT_EQ(host_->get("/api/auth/me", token).status, 200);

  // One rate_limit_exceeded event, with the catalogue's fields.
  auto events = host_->get("/api/fake-analyze/events");
  ASSERT_EQ(events.status, 200);
  EXPECT_NE(events.body.find("\"limitType\":\"daily_analysis\""), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"userId\":\"" + id + "\""), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"tier\":\"free\""), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("\"limit\":3"), std::string::npos) << events.body;
}

TEST_F(LimitsHttp, ARequestRefusedByTheMonthUsesNothingOfTheDay) {
  std::string token = host_->signup("month@example.com");
  std::string id = rltest::userId(*host_, token);  // request 1 (free tier)
  execute(host_->databaseUrl(), "UPDATE \"User\" SET tier = 'tiny' WHERE id = '" + id + "'");
  EXPECT_EQ(host_->get("/api/auth/me", token).status, 200);  // 2
  EXPECT_EQ(host_->get("/api/auth/me", token).status, 200);  // 3
  auto refused = host_->get("/api/auth/me", token);
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(jsonField(refused.body, "error"), "Monthly request limit exceeded: 3/month. Upgrade your plan for more.");
  EXPECT_GT(std::stol(jsonField(refused.body, "retryAfter")), 0);
  EXPECT_EQ(tracker(*host_, id, "requestsToday"), "3");
  EXPECT_EQ(tracker(*host_, id, "requestsThisMonth"), "3");
}

TEST_F(LimitsHttp, DailyRequestLimitAndTheGuidesManualReset) {
  std::string token = host_->signup("reset@example.com");
  std::string id = rltest::userId(*host_, token);
  int served = 1;
  while (host_->get("/api/nothing-here", token).status == 404) ++served;
  EXPECT_EQ(served, 40);
  auto refused = host_->get("/api/auth/me", token);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(jsonField(refused.body, "error"), "Daily request limit exceeded: 40/day. Upgrade your plan for more.");
  // Verbatim from the guide's troubleshooting section.
  execute(host_->databaseUrl(), "UPDATE \"RateLimitTracker\" SET \"requestsToday\" = 0 WHERE \"userId\" = '" + id + "'");
  auto again = host_->get("/api/auth/me", token);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.header("X-RateLimit-Remaining"), "39");
  EXPECT_EQ(tracker(*host_, id, "requestsThisMonth"), "41");
}

TEST_F(LimitsHttp, UsageReportsLimitsAndIsNotCounted) {
  std::string token = host_->signup("usage@example.com");
  std::string id = rltest::userId(*host_, token);
  ASSERT_EQ(analyze(*host_, token).status, 200);
  for (int i = 0; i < 3; ++i) {
    auto r = host_->get("/api/rate-limit/usage", token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("X-RateLimit-Limit"), "");
    EXPECT_EQ(jsonField(r.body, "tier"), "free");
    EXPECT_EQ(jsonField(r.body, "requests"), "40");
    EXPECT_EQ(jsonField(r.body, "requestsRemaining"), "38");
    EXPECT_EQ(jsonField(r.body, "analysisRuns"), "3");
    EXPECT_EQ(jsonField(r.body, "analysisRunsRemaining"), "2");
    EXPECT_EQ(jsonField(r.body, "monthlyRequests"), "1000");
    EXPECT_EQ(jsonField(r.body, "monthlyRequestsRemaining"), "998");
    EXPECT_EQ(jsonField(r.body, "monthlyAnalysisRuns"), "100");
    EXPECT_EQ(jsonField(r.body, "monthlyAnalysisRunsRemaining"), "99");
    EXPECT_EQ(jsonField(r.body, "used.requestsToday"), "2");
    EXPECT_TRUE(std::regex_match(jsonField(r.body, "dailyReset"), kIsoReset));
    EXPECT_TRUE(std::regex_match(jsonField(r.body, "monthlyReset"), std::regex(R"(\d{4}-\d{2}-01T00:00:00Z)")));
  }
  EXPECT_EQ(tracker(*host_, id, "requestsToday"), "2");
  auto anonymous = host_->get("/api/rate-limit/usage");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_FALSE(jsonField(anonymous.body, "error").empty());
}

TEST_F(LimitsHttp, OnlyAuthenticatedApiRequestsCount) {
  std::string token = host_->signup("scope@example.com");
  std::string id = rltest::userId(*host_, token);  // 1
  auto health = host_->get("/healthz", token);
  EXPECT_EQ(health.header("X-RateLimit-Limit"), "");
  auto anonymous = host_->get("/api/auth/me");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.header("X-RateLimit-Limit"), "");
  auto badToken = host_->get("/api/auth/me", token + "x");
  EXPECT_EQ(badToken.status, 401);
  // Extra slashes reach the same route and are counted like it.
  auto slashed = host_->post("/api//gemini//analyze/", "{}", token);
  EXPECT_EQ(slashed.status, 200) << slashed.body;
  EXPECT_EQ(slashed.header("X-RateLimit-Limit"), "3");
  EXPECT_EQ(tracker(*host_, id, "requestsToday"), "2");
  EXPECT_EQ(tracker(*host_, id, "analysisRunsToday"), "1");
}

TEST_F(LimitsHttp, ErrorResponsesStillCarryTheHeaders) {
  std::string token = host_->signup("errors@example.com");
  auto missing = host_->get("/api/does/not/exist", token);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("X-RateLimit-Limit"), "40");
  EXPECT_EQ(missing.header("X-RateLimit-Remaining"), "39");
  EXPECT_FALSE(jsonField(missing.body, "error").empty());
}

TEST_F(LimitsHttp, UnlimitedTierIsCountedButNeverRefused) {
  std::string token = host_->signup("vip@example.com");
  std::string id = rltest::userId(*host_, token);
  execute(host_->databaseUrl(), "UPDATE \"User\" SET tier = 'unlimited' WHERE id = '" + id + "'");
  for (int i = 0; i < 8; ++i) {
    auto r = analyze(*host_, token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("X-RateLimit-Limit"), "");
  }
  EXPECT_EQ(tracker(*host_, id, "analysisRunsToday"), "8");
  auto u = host_->get("/api/rate-limit/usage", token);
  EXPECT_EQ(jsonField(u.body, "tier"), "unlimited");
  EXPECT_NE(u.body.find("\"requests\":null"), std::string::npos) << u.body;
}

TEST_F(LimitsHttp, UnknownTierGetsFreeLimits) {
  std::string token = host_->signup("odd@example.com");
  std::string id = rltest::userId(*host_, token);
  execute(host_->databaseUrl(), "UPDATE \"User\" SET tier = 'platinum' WHERE id = '" + id + "'");
  auto r = analyze(*host_, token);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("X-RateLimit-Limit"), "3");
}
