// Admins do not throttle themselves (issue 16, item 4), against the real host with the real
// ratelimit and admin plugins, on SQLite and PostgreSQL: a free-tier admin's dashboard calls
// (the admin API) are not counted, while the admin's own product use and every other user's
// requests are counted under the guide's free tier (100 requests a day).
#include "ratelimit_host.hpp"

#include <atomic>
#include <thread>
#include <vector>

using namespace cc::test;
using rltest::tracker;

namespace {

std::string plugins() {
  return bundledPlugin("ratelimit", "{}") +
         bundledPlugin("admin", "{ web_root: '" + sourceDir() + "/plugins/admin/web' }");
}

}  // namespace

class AdminExemption : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string db = rltest::databaseFor(GetParam(), "rl_admin");
    if (GetParam() == "postgresql" && db.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    host_ = std::make_unique<HostProcess>(plugins(), "", db);
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  std::unique_ptr<HostProcess> host_;
};

TEST_P(AdminExemption, AFreeTierAdminsDashboardCallsAreNotCountedButOtherUseIs) {
  HostProcess& host = *host_;
  const std::string adminToken = host.signup("ops@example.com");
  const std::string userToken = host.signup("someone@example.com");
  const std::string userId = rltest::userId(host, userToken);  // the user's request 1
  execute(host.databaseUrl(), "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = 'ops@example.com'");

  // 150 dashboard calls (the free tier allows 100 requests a day), from 3 threads like a
  // dashboard's parallel panels; every admin route the dashboard uses.
  const std::vector<std::string> paths = {"/api/admin/stats", "/api/admin/users", "/api/admin/analytics",
                                          "/api/admin/audit-logs?limit=5", "/api/admin/users/" + userId};
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = host.get(paths[(t * 50 + i) % paths.size()], adminToken);
        (r.status == 200 ? ok : r.status == 429 ? limited : other)++;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 150);
  EXPECT_EQ(limited.load(), 0);
  EXPECT_EQ(other.load(), 0);
  auto stats = host.get("/api/admin/stats", adminToken);
  EXPECT_EQ(stats.status, 200);
  EXPECT_EQ(stats.header("X-RateLimit-Limit"), "") << "an uncounted call carries no rate-limit headers";

  // None of it reached the admin's counters; the admin's own product use does.
  const std::string adminId = rltest::userId(host, adminToken);
  EXPECT_EQ(tracker(host, adminId, "requestsToday"), "1");
  auto me = host.get("/api/auth/me", adminToken);
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.header("X-RateLimit-Limit"), "100");
  EXPECT_EQ(me.header("X-RateLimit-Remaining"), "98");
  EXPECT_EQ(tracker(host, adminId, "requestsToday"), "2");

  // A user who calls the admin API is answered 403, and counted.
  EXPECT_EQ(host.get("/api/admin/stats", userToken).status, 403);
  EXPECT_EQ(tracker(host, userId, "requestsToday"), "2");
  // ...and still limited at the free tier's 100 a day.
  for (int i = 3; i <= 100; ++i) ASSERT_EQ(host.get("/api/auth/me", userToken).status, 200) << "request " << i;
  auto refused = host.get("/api/auth/me", userToken);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(jsonField(refused.body, "error"), "Daily request limit exceeded: 100/day. Upgrade your plan for more.");
  EXPECT_EQ(host.get("/api/admin/stats", adminToken).status, 200) << "the admin is not limited by the user's count";
}

INSTANTIATE_TEST_SUITE_P(Engines, AdminExemption, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
