// /metrics shows revenue, sign-ups and failed logins (issue 14, item 8a). Outside development
// and test the metrics plugin refuses to start without bearer_token, naming the key and where
// it is; with a token the endpoint answers only to it.
#include "metrics_test_support.hpp"

#include <gtest/gtest.h>

using namespace cc::test;
using metrics_test::metricsEntry;

TEST(MetricsToken, AnEmptyTokenStopsTheHostOutsideDevelopmentAndTest) {
  HostProcess config(metricsEntry("{ bearer_token: '' }"));
  for (const char* environment : {"production", "staging", "qa"}) {
    auto r = runHost({"serve", "--config", config.configPath()}, {{"CODECOUNCIL_ENV", environment}}, 30);
    EXPECT_EQ(r.exitCode, 1) << environment << ": " << r.output;
    // plugins[0].config.bearer_token (<file>:<line>): is empty: ... set METRICS_TOKEN
    EXPECT_NE(r.output.find("plugins[0].config.bearer_token (" + config.configPath() + ":"), std::string::npos)
        << environment << ": " << r.output;
    EXPECT_NE(r.output.find("requires a token; set METRICS_TOKEN"), std::string::npos) << environment << ": " << r.output;
    EXPECT_EQ(r.output.find("listening on"), std::string::npos) << environment << ": " << r.output;
  }
  // No bearer_token key at all is the same as an empty one.
  HostProcess absent(metricsEntry("{ refresh_seconds: 5 }"));
  auto r = runHost({"serve", "--config", absent.configPath()}, {{"CODECOUNCIL_ENV", "production"}}, 30);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("plugins[0].config.bearer_token"), std::string::npos) << r.output;
}

TEST(MetricsToken, ProductionWithATokenServesOnlyToIt) {
  const std::string token = "prod-metrics-token-0123456789";
  HostProcess host(metricsEntry("{ bearer_token: " + token + " }"));
  ASSERT_TRUE(host.start({{"CODECOUNCIL_ENV", "production"}})) << host.output();
  EXPECT_EQ(host.get("/metrics").status, 401);
  EXPECT_EQ(host.get("/metrics", token).status, 200);
  EXPECT_EQ(host.stop(), 0);
}

TEST(MetricsToken, DevelopmentAndTestMayLeaveItOpen) {
  for (const char* environment : {"development", "test"}) {
    HostProcess host(metricsEntry("{ bearer_token: '' }"));
    ASSERT_TRUE(host.start({{"CODECOUNCIL_ENV", environment}})) << environment << ": " << host.output();
    EXPECT_EQ(host.get("/metrics").status, 200) << environment;
    EXPECT_EQ(host.stop(), 0);
  }
}
