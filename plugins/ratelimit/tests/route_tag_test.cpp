// A route is an analysis run because it says so (cc::route_tag::kAnalysisRun), not because of
// its path: another plugin's tagged route is counted and limited like the analysis plugin's,
// on SQLite and PostgreSQL. And the limiter's sources name no other plugin's path.
#include "ratelimit_host.hpp"
#include "support/test_env.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace cc::test;
using rltest::tracker;

class RouteTag : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string db = rltest::databaseFor(GetParam(), "rl_route_tag");
    if (GetParam() == "postgresql" && db.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    host_ = std::make_unique<HostProcess>(
        rltest::plugins("{tiers: {free: {requests_per_day: 1000, requests_per_month: 5000, "
                        "analysis_runs_per_day: 1, analysis_runs_per_month: 10}}}"),
        "", db);
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  void TearDown() override {
    if (host_) host_->stop();
  }
  std::unique_ptr<HostProcess> host_;
};

TEST_P(RouteTag, AnotherPluginsTaggedRouteIsCountedAsAnAnalysisRun) {
  std::string token = host_->signup("tagged@example.com");
  std::string id = rltest::userId(*host_, token);
  auto first = host_->post("/api/fake-analyze/metered", "{}", token);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(tracker(*host_, id, "analysisRunsToday"), "1");
  EXPECT_EQ(tracker(*host_, id, "requestsToday"), "2");  // /api/auth/me and this one

  auto refused = host_->post("/api/fake-analyze/metered", "{}", token);
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(jsonField(refused.body, "error"), "Daily analysis limit exceeded: 1/day. Upgrade your plan for more.");
  // The tag is shared: the analysis route is refused by the same window.
  EXPECT_EQ(rltest::analyze(*host_, token).status, 429);
  // An untagged route is still only a request.
  EXPECT_EQ(host_->get("/api/auth/me", token).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Engines, RouteTag, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(RateLimitSources, NameNoOtherPluginsPath) {
  namespace fs = std::filesystem;
  fs::path src = fs::path(sourceDir()) / "plugins" / "ratelimit" / "src";
  ASSERT_TRUE(fs::is_directory(src)) << src;
  int files = 0;
  for (auto& e : fs::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    // The analysis plugin's routes: the limiter learns what a route meters from its tags.
    EXPECT_EQ(text.str().find("/api/gemini"), std::string::npos)
        << e.path() << " names the analysis plugin's path; tag the route (cc::route_tag) instead";
  }
  EXPECT_GT(files, 5);
}
