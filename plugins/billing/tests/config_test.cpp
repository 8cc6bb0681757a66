// Config validation and the environment defaults.
#include "src/billing_config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

using namespace cc::billing;

namespace {
cc::ConfigNode node(const std::string& yaml) {
  return cc::ConfigNode(YAML::Load(yaml), "plugins[0].config", std::make_shared<const std::string>("test.yaml"));
}
std::string errorsOf(const std::string& yaml) {
  cc::ConfigErrors errors;
  validateBillingConfig(node(yaml), errors);
  return errors.joined();
}
}  // namespace

TEST(BillingConfig, DefaultsAreValidAndFollowTheGuide) {
  EXPECT_EQ(errorsOf("{}"), "");
  ::unsetenv("STRIPE_SECRET_KEY");
  ::unsetenv("STRIPE_PRICE_STARTUP_ANNUAL");
  BillingConfig c = loadBillingConfig(node("{}"));
  EXPECT_FALSE(c.apiConfigured());
  EXPECT_EQ(c.apiBase, "https://api.stripe.com");
  EXPECT_EQ(c.webhookToleranceSeconds, 300);
  ASSERT_EQ(c.plans.all().size(), 4u);
  const Plan* annual = c.plans.byId("startup_annual");
  ASSERT_NE(annual, nullptr);
  EXPECT_EQ(annual->priceId, "price_startup_annual");
  EXPECT_EQ(annual->amountCents, 49900);
  EXPECT_EQ(annual->creditsPerMonth, 350);
  EXPECT_EQ(annual->interval, "year");
  EXPECT_EQ(annual->tier, "startup");
  EXPECT_EQ(c.plans.byId("enterprise_monthly")->creditsPerMonth, 1000);
  EXPECT_EQ(c.plans.byId("enterprise_annual")->amountCents, 149900);
  EXPECT_EQ(c.plans.byPriceId("price_enterprise_annual")->id, "enterprise_annual");
}

TEST(BillingConfig, EnvironmentFillsAbsentKeys) {
  ::setenv("STRIPE_SECRET_KEY", "sk_test_env", 1);
  ::setenv("STRIPE_WEBHOOK_SECRET", "whsec_a, whsec_b", 1);
  ::setenv("STRIPE_PRICE_STARTUP_MONTHLY", "price_live_123", 1);
  BillingConfig c = loadBillingConfig(node("{}"));
  EXPECT_EQ(c.secretKey, "sk_test_env");
  EXPECT_EQ(c.webhookSecrets, (std::vector<std::string>{"whsec_a", "whsec_b"}));
  EXPECT_EQ(c.plans.byId("startup_monthly")->priceId, "price_live_123");
  // Present but empty means "not configured", whatever the environment says.
  EXPECT_FALSE(loadBillingConfig(node("{secret_key: ''}")).apiConfigured());
  ::unsetenv("STRIPE_SECRET_KEY");
  ::unsetenv("STRIPE_WEBHOOK_SECRET");
  ::unsetenv("STRIPE_PRICE_STARTUP_MONTHLY");
}

TEST(BillingConfig, PlanOverridesFromConfig) {
  BillingConfig c = loadBillingConfig(node("{plans: {enterprise_monthly: {price_id: price_e, credits_per_month: 1500}}}"));
  EXPECT_EQ(c.plans.byId("enterprise_monthly")->priceId, "price_e");
  EXPECT_EQ(c.plans.byId("enterprise_monthly")->creditsPerMonth, 1500);
}

TEST(BillingConfig, BadValuesAreAllReported) {
  std::string e = errorsOf(
      "{payment_flow: paypal, proration_behavior: sometimes, api_base: ftp://x, webhook_tolerance_seconds: 0,"
      " plans: {gold: {price_id: p}, startup_monthly: {credits: 5}}, bogus: 1}");
  EXPECT_NE(e.find("payment_flow"), std::string::npos) << e;
  EXPECT_NE(e.find("proration_behavior"), std::string::npos) << e;
  EXPECT_NE(e.find("api_base"), std::string::npos) << e;
  EXPECT_NE(e.find("webhook_tolerance_seconds"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown plan 'gold'"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'credits'"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'bogus'"), std::string::npos) << e;
}

TEST(BillingConfig, OnePricePerPlan) {
  std::string e = errorsOf("{plans: {startup_monthly: {price_id: p1}, enterprise_monthly: {price_id: p1}}}");
  EXPECT_NE(e.find("more than one plan"), std::string::npos) << "[" << e << "]";
}

TEST(BillingConfig, SplitSecrets) {
  EXPECT_EQ(splitSecrets(" a ,, b,"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(splitSecrets("").empty());
}

TEST(BillingConfig, WrongKeyGuardSettings) {
  ::unsetenv("STRIPE_ACCOUNT_ID");
  BillingConfig defaults = loadBillingConfig(node("{}"));
  EXPECT_EQ(defaults.accountId, "");
  EXPECT_EQ(defaults.reconcileMissingLimit, 3);
  BillingConfig c = loadBillingConfig(node("{account_id: acct_1Abc, reconcile_missing_limit: 1}"));
  EXPECT_EQ(c.accountId, "acct_1Abc");
  EXPECT_EQ(c.reconcileMissingLimit, 1);
  EXPECT_EQ(errorsOf("{account_id: acct_1Abc, reconcile_missing_limit: 1000}"), "");

  std::string bad = errorsOf("{account_id: sk_live_pasted_by_mistake}");
  EXPECT_NE(bad.find("plugins[0].config.account_id"), std::string::npos) << bad;
  EXPECT_NE(bad.find("must be a Stripe account id"), std::string::npos) << bad;
  EXPECT_EQ(bad.find("sk_live_pasted_by_mistake"), std::string::npos) << "the value may be a secret: " << bad;
  EXPECT_NE(errorsOf("{reconcile_missing_limit: 0}").find("reconcile_missing_limit"), std::string::npos);

  ::setenv("STRIPE_ACCOUNT_ID", "acct_1FromEnv", 1);
  EXPECT_EQ(loadBillingConfig(node("{}")).accountId, "acct_1FromEnv");
  ::setenv("STRIPE_ACCOUNT_ID", "not an account", 1);
  EXPECT_NE(errorsOf("{}").find("read from STRIPE_ACCOUNT_ID"), std::string::npos);
  ::unsetenv("STRIPE_ACCOUNT_ID");
}

TEST(BillingConfig, PortalReturnUrlMustBeAbsolute) {
  EXPECT_EQ(loadBillingConfig(node("{}")).portalReturnUrl, "http://localhost:5000/billing");
  EXPECT_EQ(loadBillingConfig(node("{portal_return_url: 'https://app.test/billing'}")).portalReturnUrl,
            "https://app.test/billing");
  for (const char* bad : {"'/billing'", "'app.test/billing'", "'javascript:alert(1)'", "''"}) {
    std::string e = errorsOf(std::string("{portal_return_url: ") + bad + "}");
    EXPECT_NE(e.find("plugins[0].config.portal_return_url"), std::string::npos) << bad << ": " << e;
    EXPECT_NE(e.find("must be an absolute URL"), std::string::npos) << bad << ": " << e;
  }
}

TEST(BillingConfig, TrialDaysPerPlanDefaultToNone) {
  BillingConfig c = loadBillingConfig(node("{plans: {startup_monthly: {trial_days: 14}, enterprise_annual: {trial_days: 0}}}"));
  EXPECT_EQ(c.plans.trialDays("startup_monthly"), 14);
  EXPECT_EQ(c.plans.trialDays("enterprise_annual"), 0);
  EXPECT_EQ(c.plans.trialDays("startup_annual"), 0);  // not configured
  EXPECT_EQ(c.plans.trialDays("no_such_plan"), 0);
  EXPECT_EQ(c.plans.byId("startup_monthly")->priceId, "price_startup_monthly");  // the rest keeps its defaults
}

TEST(BillingConfig, BadTrialDaysAreErrorsWithTheirPlace) {
  for (const char* bad : {"731", "-1", "fourteen", "1.5", "[14]"}) {
    std::string e = errorsOf(std::string("{plans: {startup_monthly: {trial_days: ") + bad + "}}}");
    EXPECT_NE(e.find("test.yaml:1"), std::string::npos) << bad << ": " << e;
    EXPECT_NE(e.find("plugins[0].config.plans.startup_monthly.trial_days"), std::string::npos) << bad << ": " << e;
  }
  EXPECT_EQ(errorsOf("{plans: {startup_monthly: {trial_days: 730}}}"), "");
}
