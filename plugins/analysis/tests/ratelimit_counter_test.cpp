// With the real ratelimit plugin loaded, POST /api/gemini/analyze moves its analysis-run
// counters, and a run refused by the limit (429) is never debited nor stored.
#include "analysis_host.hpp"

#include <filesystem>

using namespace analysistest;
using cc::test::queryStrings;

namespace {

bool ratelimitBuilt() { return std::filesystem::exists(cc::test::pluginDir() + "/libcc_ratelimit.so"); }

std::string tracker(const std::string& url, const std::string& userId, const std::string& column) {
  auto rows = queryStrings(url, "SELECT \"" + column + "\" FROM \"RateLimitTracker\" WHERE \"userId\" = " +
                                    sqlQuote(userId));
  return rows.empty() ? "" : rows[0];
}

}  // namespace

TEST(AnalysisWithRateLimit, EveryRunMovesTheAnalysisCounterAndTheLimitStopsBeforeDebiting) {
  if (!ratelimitBuilt()) GTEST_SKIP() << "the ratelimit plugin is not built in " << cc::test::pluginDir();
  HostProcess host(plugins() + cc::test::bundledPlugin("ratelimit", "{ tiers: { free: { analysis_runs_per_day: 2 } } }"));
  ASSERT_TRUE(host.start()) << host.output();
  Account root = admin(host);
  Account user = signup(host, "limited@example.com");
  grant(host, root, user.id, 10);
  std::string url = host.databaseUrl();

  ASSERT_EQ(analyze(host, user.token, codeBody("int a;\n")).status, 201);
  EXPECT_EQ(tracker(url, user.id, "analysisRunsToday"), "1");
  EXPECT_EQ(tracker(url, user.id, "analysisRunsThisMonth"), "1");
  ASSERT_EQ(analyze(host, user.token, codeBody("int b;\n")).status, 201);
  EXPECT_EQ(tracker(url, user.id, "analysisRunsToday"), "2");

  auto refused = analyze(host, user.token, codeBody("int c;\n"));
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(balance(url, user.id), 8) << "a refused run is not debited";
  EXPECT_EQ(count(url, "\"Analysis\""), 2);
  EXPECT_EQ(host.stop(), 0);
}
