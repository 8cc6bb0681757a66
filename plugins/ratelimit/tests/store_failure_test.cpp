// When the tracker cannot be written: fail_open serves uncounted, fail_open: false answers 503.
// Renaming the table makes every tracker statement fail while the rest of the database works.
#include "ratelimit_host.hpp"
#include <chrono>
#include <thread>

using namespace cc::test;

namespace {
void breakTracker(const HostProcess& host) {
  execute(host.databaseUrl(), "ALTER TABLE \"RateLimitTracker\" RENAME TO \"RateLimitTrackerAway\"");
}
}  // namespace

TEST(StoreFailure, FailOpenServesWithoutHeaders) {
  HostProcess host(rltest::plugins("{fail_open: true}"));
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = host.signup("open@example.com");
  ASSERT_EQ(host.get("/api/auth/me", token).header("X-RateLimit-Limit"), "100");
  breakTracker(host);
  auto r = rltest::analyze(host, token);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-RateLimit-Limit"), "");
  // The log channel is asynchronous: give the line a moment to arrive.
  const std::string line = "rate limit tracker failed (1 errors since start), serving uncounted";
  for (int i = 0; i < 100 && host.output().find(line) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(host.output().find(line), std::string::npos) << host.output();
}

TEST(StoreFailure, FailClosedAnswers503) {
  HostProcess host(rltest::plugins("{fail_open: false}"));
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = host.signup("closed@example.com");
  breakTracker(host);
  auto r = rltest::analyze(host, token);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(jsonField(r.body, "error"), "rate limiting is temporarily unavailable");
  EXPECT_EQ(r.header("Retry-After"), "1");
  auto usage = host.get("/api/rate-limit/usage", token);
  EXPECT_EQ(usage.status, 503);
  // Requests the limiter does not count are not affected.
  EXPECT_EQ(host.get("/healthz").status, 200);
}

TEST(StoreFailure, BadConfigStopsTheHostWithEveryProblem) {
  HostProcess host(rltest::plugins(
      "{fail_open: maybe, tiers: {free: {requests_per_day: -5}, gold: {requests_per_day: 1}}, extra: 1}"));
  EXPECT_FALSE(host.start());
  std::string out = host.output();
  EXPECT_NE(out.find("fail_open"), std::string::npos) << out;
  EXPECT_NE(out.find("tiers.free.requests_per_day"), std::string::npos) << out;
  EXPECT_NE(out.find("tiers.gold.requests_per_month"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown key 'extra'"), std::string::npos) << out;
}
