// Label bounding and config validation: the two things that keep series counts fixed.
#include "label_bounds.hpp"
#include "metrics_config.hpp"

#include <gtest/gtest.h>

#include <memory>

using namespace cc::metrics;

namespace {

cc::ConfigNode node(const std::string& yaml) {
  return cc::ConfigNode(YAML::Load(yaml), "plugins[0].config", std::make_shared<const std::string>("t.yaml"));
}

std::string errorsOf(const std::string& yaml) {
  cc::ConfigErrors errors;
  validateConfig(node(yaml), errors);
  return errors.joined();
}

}  // namespace

TEST(Labels, MethodsOutsideTheKnownSetShareOneLabel) {
  EXPECT_EQ(methodLabel("GET"), "GET");
  EXPECT_EQ(methodLabel("DELETE"), "DELETE");
  EXPECT_EQ(methodLabel("PROPFIND"), "OTHER");
  EXPECT_EQ(methodLabel("get"), "OTHER");
}

TEST(Labels, RouteIsTheTemplateOrUnmatched) {
  EXPECT_EQ(routeLabel("/api/admin/users/:userId"), "/api/admin/users/:userId");
  EXPECT_EQ(routeLabel(""), "unmatched");
}

TEST(Labels, KnownValuesMapTheRestToOtherOrUnknown) {
  KnownValues tiers({"free", "startup"});
  EXPECT_EQ(tiers.label("startup"), "startup");
  EXPECT_EQ(tiers.label("platinum"), "other");
  EXPECT_EQ(tiers.label(""), "unknown");
}

TEST(Labels, AmountTiersSeparateThePlanPrices) {
  EXPECT_EQ(amountTier(0), "under_100");
  EXPECT_EQ(amountTier(4900), "under_100");
  EXPECT_EQ(amountTier(9999), "under_100");
  EXPECT_EQ(amountTier(10000), "100_to_999");
  EXPECT_EQ(amountTier(14900), "100_to_999");
  EXPECT_EQ(amountTier(49900), "100_to_999");
  EXPECT_EQ(amountTier(99999), "100_to_999");
  EXPECT_EQ(amountTier(100000), "1000_plus");
  EXPECT_EQ(amountTier(149900), "1000_plus");
}

TEST(Config, DefaultsWhenAbsent) {
  EXPECT_EQ(errorsOf("{}"), "");
  MetricsConfig c = readConfig(node("{}"));
  EXPECT_TRUE(c.bearerToken.empty());
  EXPECT_EQ(c.refreshSeconds, 15);
  EXPECT_EQ(c.plans.size(), 4u);
  EXPECT_EQ(c.tiers, (std::vector<std::string>{"free", "startup", "enterprise", "unlimited"}));
  ASSERT_FALSE(c.latencyBuckets.empty());
  EXPECT_DOUBLE_EQ(c.latencyBuckets.back(), 10);
}

TEST(Config, ReadsEveryKey) {
  std::string yaml = "{ bearer_token: s3cret, latency_buckets: [0.1, 1, 5], plans: [basic], tiers: [free, pro],"
                     " payment_error_codes: [card_declined], refresh_seconds: 2 }";
  ASSERT_EQ(errorsOf(yaml), "");
  MetricsConfig c = readConfig(node(yaml));
  EXPECT_EQ(c.bearerToken, "s3cret");
  EXPECT_EQ(c.latencyBuckets, (std::vector<double>{0.1, 1, 5}));
  EXPECT_EQ(c.plans, (std::vector<std::string>{"basic"}));
  EXPECT_EQ(c.tiers, (std::vector<std::string>{"free", "pro"}));
  EXPECT_EQ(c.paymentErrorCodes, (std::vector<std::string>{"card_declined"}));
  EXPECT_EQ(c.refreshSeconds, 2);
}

TEST(Config, EveryProblemIsReportedWithItsLocation) {
  std::string out = errorsOf(
      "{ bogus: 1, latency_buckets: [1, 0.5, -2, x], tiers: [Free, other, a, a], refresh_seconds: 0,"
      " plans: notalist }");
  EXPECT_NE(out.find("unknown key 'bogus'"), std::string::npos) << out;
  EXPECT_NE(out.find("latency_buckets[1]"), std::string::npos) << out;
  EXPECT_NE(out.find("ascending"), std::string::npos) << out;
  EXPECT_NE(out.find("must be a positive number"), std::string::npos) << out;
  EXPECT_NE(out.find("expected a number, got 'x'"), std::string::npos) << out;
  EXPECT_NE(out.find("must match [a-z0-9_]+ (got 'Free')"), std::string::npos) << out;
  EXPECT_NE(out.find("'other' is reserved"), std::string::npos) << out;
  EXPECT_NE(out.find("'a' is listed twice"), std::string::npos) << out;
  EXPECT_NE(out.find("refresh_seconds"), std::string::npos) << out;
  EXPECT_NE(out.find("plans (t.yaml:1): expected a list"), std::string::npos) << out;
}

TEST(Config, EmptyBucketListIsRefused) {
  EXPECT_NE(errorsOf("{ latency_buckets: [] }").find("at least one bucket"), std::string::npos);
}
