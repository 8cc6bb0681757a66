// Billing's own series on /metrics (src/billing_metrics.*), against the real host with the
// billing and metrics plugins, on SQLite and (with CC_TEST_POSTGRES_URL) on PostgreSQL:
// stripe_webhook_lag_seconds observes every handled delivery and nothing refused, exactly
// under concurrent deliveries; billing_reconcile_drift_total counts the subscriptions whose
// lost webhook the reconciliation job applied, once; billing_credit_grant_failures_total counts
// failed runs of the annual-credits job and stops once the grants go through.
#include "support/billing_host.hpp"

#include "src/stripe_objects.hpp"
#include "support/test_env.hpp"

#include <codecouncil/sdk/json.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <sstream>
#include <thread>

using namespace cc::billing::test;

namespace {

constexpr std::int64_t kDay = 86400;

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

/// The value of one series line of the exposition ("name{labels} value"); -1 when absent.
double seriesValue(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

const std::string kLagCount = "stripe_webhook_lag_seconds_count";
std::string lagBucket(const std::string& le) { return "stripe_webhook_lag_seconds_bucket{le=\"" + le + "\"}"; }
const std::string kDrift = "billing_reconcile_drift_total";
const std::string kGrantFailures = "billing_credit_grant_failures_total";

/// A Stripe subscription object as GET /v1/subscriptions/:id answers it, with extra integer fields.
std::string stripeSubscription(const SubscriptionFixture& f, const std::map<std::string, std::int64_t>& extra = {}) {
  auto event = cc::json::parseObject(subscriptionEvent("evt_unused", "unused", 0, f));
  auto object = event->getObject("data")->getObject("object");
  for (auto& [key, value] : extra) object->set(key, value);
  return cc::json::stringify(object);
}

class BillingMetricsSeries : public ::testing::TestWithParam<std::string> {
 protected:
  struct Env {
    FakeStripeServer stripe;
    std::unique_ptr<BillingHost> billing;
    std::string nowSql;  ///< the database clock, as the scheduler writes scheduled_job_runs with it
  };
  static std::map<std::string, std::unique_ptr<Env>>& envs() {
    static std::map<std::string, std::unique_ptr<Env>> m;
    return m;
  }
  static void TearDownTestSuite() {
    for (auto& [k, e] : envs()) e->billing->host.stop();
    envs().clear();
  }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    auto& env = envs()[GetParam()];
    if (!env) {
      env = std::make_unique<Env>();
      std::string url = GetParam() == "postgresql" ? cc::test::createPostgresDatabase("billing_metrics") : "";
      env->billing = std::make_unique<BillingHost>(
          billingConfig(env->stripe, ", reconcile_interval_seconds: 1, reconcile_grace_seconds: 86400"), nullptr, url,
          cc::test::bundledPlugin("metrics"));
      ASSERT_TRUE(env->billing->host.start()) << env->billing->host.output();
      env->nowSql = cc::test::openTestDatabase(env->billing->host.databaseUrl())->nowSql();
    }
    e = env.get();
    b = e->billing.get();
  }

  std::string scrape() { return b->host.get("/metrics").body; }
  std::string newUser() {
    std::string n = std::to_string(nextId());
    std::string user = b->userId(b->host.signup("metrics" + n + "@example.com"));
    EXPECT_FALSE(user.empty());
    return user;
  }
  SubscriptionFixture paidSubscription(const std::string& user, std::int64_t startOffset, std::int64_t endOffset) {
    std::string n = std::to_string(nextId());
    SubscriptionFixture f;
    f.id = "sub_m" + n;
    f.customer = "cus_m" + n;
    f.itemId = "si_m" + n;
    f.userId = user;
    f.periodStart = nowUnix() + startOffset;
    f.periodEnd = nowUnix() + endOffset;
    return f;
  }

  /// Waits until a whole run of the reconcile job started and finished after this call (the
  /// scheduler records each run in scheduled_job_runs).
  void waitForAnotherRun(const std::string& job = "billing.reconcile_subscriptions") {
    const std::string since = b->value("SELECT " + e->nowSql);
    ASSERT_TRUE(waitUntil([&] {
      return b->count("SELECT slot FROM scheduled_job_runs WHERE job = '" + job + "'"
                      " AND \"startedAt\" > '" + since + "' AND \"finishedAt\" IS NOT NULL") >= 1;
    })) << b->host.output();
  }

  Env* e = nullptr;
  BillingHost* b = nullptr;
};

TEST_P(BillingMetricsSeries, WebhookLagIsObservedForHandledDeliveriesOnly) {
  std::string before = scrape();
  ASSERT_GE(seriesValue(before, kLagCount), 0) << "exported from the start:\n" << before;
  ASSERT_GE(seriesValue(before, kDrift), 0) << before;
  const double count0 = seriesValue(before, kLagCount), within300 = seriesValue(before, lagBucket("300")),
               within900 = seriesValue(before, lagBucket("900")), within1 = seriesValue(before, lagBucket("1"));

  // Created by Stripe ten minutes ago (a delivery retried after failures): lag 600 s.
  auto user = newUser();
  auto sub = paidSubscription(user, -kDay, 29 * kDay);
  std::string late = subscriptionEvent("evt_m_late_" + sub.id, "customer.subscription.created", nowUnix() - 600, sub);
  ASSERT_EQ(b->webhook(late).status, 200);
  std::string after = scrape();
  EXPECT_EQ(seriesValue(after, kLagCount), count0 + 1) << after;
  EXPECT_EQ(seriesValue(after, lagBucket("300")), within300) << after;
  EXPECT_EQ(seriesValue(after, lagBucket("900")), within900 + 1) << after;

  // Refused deliveries (bad signature, malformed) are not handled: not observed.
  EXPECT_EQ(b->webhook(late, "whsec_wrong").status, 400);
  EXPECT_EQ(b->webhook("{not json", kWebhookSecret).status, 400);
  EXPECT_EQ(seriesValue(scrape(), kLagCount), count0 + 1);

  // A sender clock ahead of ours counts as no lag, not as a negative one.
  auto other = paidSubscription(newUser(), -kDay, 29 * kDay);
  ASSERT_EQ(b->webhook(subscriptionEvent("evt_m_future_" + other.id, "customer.subscription.created", nowUnix() + 100,
                                         other))
                .status,
            200);
  after = scrape();
  EXPECT_EQ(seriesValue(after, kLagCount), count0 + 2) << after;
  EXPECT_EQ(seriesValue(after, lagBucket("1")), within1 + 1) << after;
}

TEST_P(BillingMetricsSeries, WebhookLagIsExactUnderConcurrentDeliveries) {
  const double count0 = seriesValue(scrape(), kLagCount);
  std::vector<std::string> events;
  for (int i = 0; i < 24; ++i) {
    auto sub = paidSubscription(newUser(), -kDay, 29 * kDay);
    events.push_back(subscriptionEvent("evt_m_conc_" + sub.id, "customer.subscription.created", nowUnix() - 20, sub));
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 24; i += 8) ok += b->webhook(events[static_cast<std::size_t>(i)]).status == 200;
    });
  for (auto& th : threads) th.join();
  ASSERT_EQ(ok.load(), 24);
  EXPECT_EQ(seriesValue(scrape(), kLagCount), count0 + 24);
}

TEST_P(BillingMetricsSeries, ReconcileDriftCountsTheLostWebhookItAppliedOnce) {
  const double drift0 = seriesValue(scrape(), kDrift);
  ASSERT_GE(drift0, 0);
  std::string user = newUser();
  auto sub = paidSubscription(user, -32 * kDay, -2 * kDay);
  // At Stripe it ended with its period; the customer.subscription.deleted webhook never came.
  SubscriptionFixture ended = sub;
  ended.status = "canceled";
  e->stripe.setSubscription(sub.id, stripeSubscription(ended, {{"created", sub.periodStart},
                                                               {"canceled_at", sub.periodEnd - kDay},
                                                               {"ended_at", sub.periodEnd}}));
  // Stored as the last webhook said, with a period ending tomorrow so no run looks yet...
  SubscriptionFixture notYetDue = sub;
  notYetDue.periodEnd = nowUnix() + kDay;
  ASSERT_EQ(b->webhook(subscriptionEvent("evt_m_upd_" + sub.id, "customer.subscription.updated", sub.periodStart + 10,
                                         notYetDue))
                .status,
            200);
  EXPECT_EQ(seriesValue(scrape(), kDrift), drift0) << "nothing applied yet";
  // ...then due: the next run fetches it and applies Stripe's state.
  cc::test::execute(b->host.databaseUrl(), "UPDATE \"Subscription\" SET \"currentPeriodEnd\" = '" +
                                               cc::billing::isoFromUnix(sub.periodEnd) + "' WHERE id = '" + sub.id + "'");
  ASSERT_TRUE(waitUntil([&] { return seriesValue(scrape(), kDrift) == drift0 + 1; }, std::chrono::seconds(20)))
      << scrape() << b->host.output();
  EXPECT_EQ(b->value("SELECT status FROM \"Subscription\" WHERE id = '" + sub.id + "'"), "canceled");
  // Later runs find Stripe and us agreeing: no more drift.
  const std::size_t fetches = e->stripe.requests("GET", "/v1/subscriptions/" + sub.id).size();
  waitForAnotherRun();
  waitForAnotherRun();
  EXPECT_EQ(seriesValue(scrape(), kDrift), drift0 + 1);
  EXPECT_EQ(e->stripe.requests("GET", "/v1/subscriptions/" + sub.id).size(), fetches) << "not fetched again";
}

TEST_P(BillingMetricsSeries, CreditGrantFailuresCountFailedRunsUntilTheGrantsGoThrough) {
  const double failures0 = seriesValue(scrape(), kGrantFailures);
  ASSERT_GE(failures0, 0) << "exported from the start";
  // The ledger cannot be written (its table is away) while an annual subscription has three
  // monthly grants due: every run of billing.annual_credits (every second here) fails.
  const std::string url = b->host.databaseUrl();
  cc::test::execute(url, "ALTER TABLE \"Transaction\" RENAME TO \"Transaction_away\"");
  struct PutBack {
    std::string url;
    bool done = false;
    void operator()() {
      if (!done) cc::test::execute(url, "ALTER TABLE \"Transaction_away\" RENAME TO \"Transaction\"");
      done = true;
    }
    ~PutBack() { (*this)(); }
  } putBack{url};
  std::string user = newUser();
  auto sub = paidSubscription(user, -(3 * 31 + 1) * kDay, (365 - 3 * 31 - 1) * kDay);
  sub.priceId = "price_startup_annual";
  ASSERT_EQ(b->webhook(subscriptionEvent("evt_m_annual_" + sub.id, "customer.subscription.created", nowUnix(), sub))
                .status,
            200);
  ASSERT_TRUE(waitUntil([&] { return seriesValue(scrape(), kGrantFailures) >= failures0 + 2; },
                        std::chrono::seconds(20)))
      << scrape() << b->host.output();

  // Back: the next run grants the three months, and runs stop failing.
  putBack();
  auto grants = [&] {
    return b->count("SELECT 1 FROM \"Transaction\" WHERE reference LIKE 'annual:" + sub.id + ":%'");
  };
  ASSERT_TRUE(waitUntil([&] { return grants() == 3; }, std::chrono::seconds(20))) << b->host.output();
  const double failures1 = seriesValue(scrape(), kGrantFailures);
  waitForAnotherRun("billing.annual_credits");
  waitForAnotherRun("billing.annual_credits");
  EXPECT_EQ(seriesValue(scrape(), kGrantFailures), failures1);
  EXPECT_EQ(grants(), 3);
}

INSTANTIATE_TEST_SUITE_P(Engines, BillingMetricsSeries, ::testing::Values("sqlite", "postgresql"));

}  // namespace
