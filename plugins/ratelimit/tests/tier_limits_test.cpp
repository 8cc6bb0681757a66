// Tier defaults from the guide, overrides from config, and config validation.
#include "rate_limiter.hpp"
#include "tier_limits.hpp"

#include <gtest/gtest.h>

#include <memory>

using namespace cc::ratelimit;

namespace {
// The plugin config with `yaml` as its tiers map.
cc::ConfigNode node(const std::string& yaml) {
  return cc::ConfigNode(YAML::Load("tiers: " + yaml), "", std::make_shared<const std::string>("test.yaml"));
}
std::string errorsOf(const std::string& yaml) {
  cc::ConfigErrors errors;
  cc::loadConfig<LimiterOptions>(node(yaml), errors);
  return errors.joined();
}
}  // namespace

TEST(TierLimits, DefaultsAreTheGuidesFigures) {
  TierTable t = TierTable::defaults();
  const TierLimits& startup = t.forTier("startup");
  EXPECT_EQ(startup.requestsPerDay, 1000);
  EXPECT_EQ(startup.requestsPerMonth, 20000);
  EXPECT_EQ(startup.analysisRunsPerDay, 20);
  EXPECT_EQ(startup.analysisRunsPerMonth, 200);
  const TierLimits& enterprise = t.forTier("enterprise");
  EXPECT_EQ(enterprise.requestsPerDay, 10000);
  EXPECT_EQ(enterprise.requestsPerMonth, 200000);
  EXPECT_EQ(enterprise.analysisRunsPerDay, 500);
  EXPECT_EQ(enterprise.analysisRunsPerMonth, 5000);
  const TierLimits& unlimited = t.forTier("unlimited");
  EXPECT_FALSE(unlimited.requestsPerDay || unlimited.requestsPerMonth || unlimited.analysisRunsPerDay ||
               unlimited.analysisRunsPerMonth);
  EXPECT_TRUE(t.forTier("free").requestsPerDay.has_value());
}

TEST(TierLimits, UnknownTierGetsTheFreeLimits) {
  TierTable t = TierTable::defaults();
  EXPECT_FALSE(t.knows("platinum"));
  EXPECT_EQ(&t.forTier("platinum"), &t.forTier("free"));
}

TEST(TierLimits, ConfigOverridesKeyByKeyAndAddsTiers) {
  auto t = cc::loadConfig<LimiterOptions>(node(
      "{free: {analysis_runs_per_day: 5}, startup: {requests_per_month: unlimited},"
      " team: {requests_per_day: 7, requests_per_month: 70, analysis_runs_per_day: 0, analysis_runs_per_month: 0}}")).tiers;
  EXPECT_EQ(t.forTier("free").analysisRunsPerDay, 5);
  EXPECT_EQ(t.forTier("free").requestsPerDay, TierTable::defaults().forTier("free").requestsPerDay);
  EXPECT_FALSE(t.forTier("startup").requestsPerMonth.has_value());
  EXPECT_EQ(t.forTier("startup").requestsPerDay, 1000);
  EXPECT_EQ(t.forTier("team").requestsPerDay, 7);
  EXPECT_EQ(t.forTier("team").analysisRunsPerMonth, 0);
}

TEST(TierLimits, ValidConfigHasNoErrors) {
  EXPECT_EQ(errorsOf("{free: {requests_per_day: 10}, unlimited: {}}"), "");
}

TEST(TierLimits, BadConfigIsReportedWithEveryProblem) {
  std::string e = errorsOf(
      "{free: {requests_per_day: -1, requests_per_dya: 3}, startup: {analysis_runs_per_day: lots},"
      " team: {requests_per_day: 1}, Bad-Name: {}, enterprise: 12}");
  EXPECT_NE(e.find("tiers.free.requests_per_day"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'requests_per_dya'"), std::string::npos) << e;
  EXPECT_NE(e.find("tiers.startup.analysis_runs_per_day"), std::string::npos) << e;
  EXPECT_NE(e.find("tiers.team.requests_per_month (test.yaml"), std::string::npos) << e;
  EXPECT_NE(e.find("tier names are [a-z0-9_]+"), std::string::npos) << e;
  EXPECT_NE(e.find("tiers.enterprise"), std::string::npos) << e;
}
