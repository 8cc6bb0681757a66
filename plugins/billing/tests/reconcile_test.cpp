// billing.reconcile_subscriptions: a paid tier must not outlive a lost webhook. Subscriptions
// whose stored state gives access although their period ended more than the grace ago are
// fetched from (fake) Stripe and applied through the webhook path. Real host, job every
// second, on SQLite and (with CC_TEST_POSTGRES_URL) on PostgreSQL.
//
// The job runs every second while the tests plant and look, so they never assume where a run
// falls: a row the test must see as stored first is planted not yet due and made due after the
// look, runs are observed in scheduled_job_runs (a whole run, started after the call), and the
// probe's event lines, logged asynchronously, are waited for before they are counted.
#include "support/billing_host.hpp"

#include "src/stripe_objects.hpp"
#include "support/test_env.hpp"

#include <codecouncil/sdk/json.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <map>

using namespace cc::billing::test;

namespace {

constexpr std::int64_t kDay = 86400;

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

/// A Stripe subscription object (basil layout) as GET /v1/subscriptions/:id answers it, with
/// extra top-level integer fields such as created, canceled_at and ended_at.
std::string stripeSubscription(const SubscriptionFixture& f, const std::map<std::string, std::int64_t>& extra = {}) {
  auto event = cc::json::parseObject(subscriptionEvent("evt_unused", "unused", 0, f));
  auto object = event->getObject("data")->getObject("object");
  for (auto& [key, value] : extra) object->set(key, value);
  return cc::json::stringify(object);
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

struct Env {
  FakeStripeServer stripe;
  std::string databaseUrl;
  std::unique_ptr<BillingHost> billing;
  std::string nowSql;  ///< the database clock, as the scheduler writes scheduled_job_runs with it
  /// Stripe agrees with what we store, and its period ended first: fetched first by every
  /// run and never changed, so its fetch count tells when runs have happened.
  SubscriptionFixture sentinel;
};

class Reconcile : public ::testing::TestWithParam<std::string> {
 protected:
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
      if (GetParam() == "postgresql") env->databaseUrl = cc::test::createPostgresDatabase("billing_reconcile");
      env->billing = std::make_unique<BillingHost>(
          billingConfig(env->stripe, ", reconcile_interval_seconds: 1, reconcile_grace_seconds: 86400"), nullptr,
          env->databaseUrl);
      ASSERT_TRUE(env->billing->host.start()) << env->billing->host.output();
      env->nowSql = cc::test::openTestDatabase(env->billing->host.databaseUrl())->nowSql();
      e = env.get();
      b = e->billing.get();
      e->sentinel = paidSubscription(newUser(), -33 * kDay, -3 * kDay);
      e->stripe.setSubscription(e->sentinel.id, stripeSubscription(e->sentinel, {{"created", e->sentinel.periodStart}}));
      storeViaWebhook(e->sentinel);
    }
    e = env.get();
    b = e->billing.get();
  }

  std::string newUser() {
    std::string n = std::to_string(nextId());
    std::string user = b->userId(b->host.signup("rec" + n + "@example.com"));
    EXPECT_FALSE(user.empty());
    return user;
  }
  /// A startup subscription of `user` whose period runs from now+startOffset to now+endOffset.
  SubscriptionFixture paidSubscription(const std::string& user, std::int64_t startOffset, std::int64_t endOffset) {
    std::string n = std::to_string(nextId());
    SubscriptionFixture f;
    f.id = "sub_r" + n;
    f.customer = "cus_r" + n;
    f.itemId = "si_r" + n;
    f.userId = user;
    f.periodStart = nowUnix() + startOffset;
    f.periodEnd = nowUnix() + endOffset;
    return f;
  }
  /// Stores `f` as the last webhook we received did: an update sent just after the period began.
  void storeViaWebhook(const SubscriptionFixture& f, std::int64_t created = 0) {
    std::string event = subscriptionEvent("evt_" + f.id + "_" + std::to_string(nextId()), "customer.subscription.updated",
                                          created ? created : f.periodStart + 10, f);
    auto r = b->webhook(event);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  /// Stores `f` as storeViaWebhook does, but with a period that ends tomorrow, so no run
  /// touches it while the test looks at what the webhook stored; makeDue() then moves the
  /// stored period end to f.periodEnd.
  void storeNotYetDue(const SubscriptionFixture& f) {
    SubscriptionFixture notYetDue = f;
    notYetDue.periodEnd = nowUnix() + kDay;
    storeViaWebhook(notYetDue, f.periodStart + 10);
  }
  void makeDue(const SubscriptionFixture& f) {
    cc::test::execute(b->host.databaseUrl(), "UPDATE \"Subscription\" SET \"currentPeriodEnd\" = '" +
                                                 cc::billing::isoFromUnix(f.periodEnd) + "' WHERE id = '" + f.id + "'");
  }

  std::string column(const std::string& sub, const std::string& name) {
    return b->value("SELECT " + name + " FROM \"Subscription\" WHERE id = '" + sub + "'");
  }
  std::string tierOf(const std::string& user) { return b->value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"); }
  std::size_t fetchesOf(const std::string& sub) { return e->stripe.requests("GET", "/v1/subscriptions/" + sub).size(); }
  /// Waits until a whole run of the job has started and finished after this call: the
  /// scheduler records every run of an exclusive job in scheduled_job_runs. A job never
  /// overlaps itself in one host, so a run going on at the call has finished too.
  void waitForAnotherRun() {
    const std::string since = b->value("SELECT " + e->nowSql);
    ASSERT_TRUE(waitUntil([&] {
      return b->count("SELECT slot FROM scheduled_job_runs WHERE job = 'billing.reconcile_subscriptions'"
                      " AND \"startedAt\" > '" + since + "' AND \"finishedAt\" IS NOT NULL") >= 1;
    })) << b->host.output();
  }
  /// The probe's line for the bus event; the host logs asynchronously, so a test waits for
  /// the line (waitForOutput) before it counts.
  static std::string canceledEvent(const std::string& sub) {
    return "probe event subscription_canceled {\"atPeriodEnd\":false,\"plan\":\"startup_monthly\","
           "\"subscriptionId\":\"" + sub + "\"";
  }
  static std::string updatedEvent(const std::string& sub, const std::string& status = "active") {
    return "probe event subscription_updated {\"plan\":\"startup_monthly\",\"previousPlan\":"
           "\"startup_monthly\",\"status\":\"" + status + "\",\"subscriptionId\":\"" + sub + "\"";
  }
  std::size_t canceledEventsOf(const std::string& sub) { return occurrences(b->host.output(), canceledEvent(sub)); }
  std::size_t updatedEventsOf(const std::string& sub, const std::string& status = "active") {
    return occurrences(b->host.output(), updatedEvent(sub, status));
  }

  Env* e = nullptr;
  BillingHost* b = nullptr;
};

TEST_P(Reconcile, LostDeletionWebhookDowngradesToFreeOnce) {
  std::string user = newUser();
  auto sub = paidSubscription(user, -32 * kDay, -2 * kDay);
  // At Stripe it ended with its period; the customer.subscription.deleted webhook never came.
  SubscriptionFixture ended = sub;
  ended.status = "canceled";
  e->stripe.setSubscription(sub.id, stripeSubscription(ended, {{"created", sub.periodStart},
                                                               {"canceled_at", sub.periodEnd - kDay},
                                                               {"ended_at", sub.periodEnd}}));
  storeNotYetDue(sub);
  ASSERT_EQ(tierOf(user), "startup");
  makeDue(sub);

  ASSERT_TRUE(waitUntil([&] { return column(sub.id, "status") == "canceled"; })) << b->host.output();
  EXPECT_EQ(tierOf(user), "free");
  EXPECT_EQ(column(sub.id, "\"lastEventAt\""), std::to_string(sub.periodEnd));  // Stripe's ended_at, not our clock
  EXPECT_TRUE(b->host.waitForOutput(canceledEvent(sub.id))) << b->host.output();
  waitForAnotherRun();
  EXPECT_EQ(fetchesOf(sub.id), 1u) << "a canceled subscription is not checked again";
  EXPECT_EQ(canceledEventsOf(sub.id), 1u) << b->host.output();
}

TEST_P(Reconcile, RenewedSubscriptionKeepsTierWithNewPeriod) {
  std::string user = newUser();
  auto sub = paidSubscription(user, -32 * kDay, -2 * kDay);
  SubscriptionFixture renewed = sub;
  renewed.periodStart = sub.periodEnd;
  renewed.periodEnd = sub.periodEnd + 30 * kDay;
  e->stripe.setSubscription(sub.id, stripeSubscription(renewed, {{"created", sub.periodStart}}));
  storeViaWebhook(sub);

  ASSERT_TRUE(waitUntil([&] { return column(sub.id, "\"lastEventAt\"") == std::to_string(renewed.periodStart); }))
      << b->host.output();
  EXPECT_EQ(column(sub.id, "status"), "active");
  EXPECT_EQ(tierOf(user), "startup");
  EXPECT_EQ(cc::billing::unixFromIso(column(sub.id, "\"currentPeriodEnd\"")), renewed.periodEnd);
  EXPECT_TRUE(b->host.waitForOutput(updatedEvent(sub.id))) << b->host.output();
  waitForAnotherRun();
  EXPECT_EQ(fetchesOf(sub.id), 1u) << "a renewed subscription is no longer due";
  EXPECT_EQ(updatedEventsOf(sub.id), 1u) << b->host.output();
}

TEST_P(Reconcile, SubscriptionWithinGraceIsNotFetched) {
  std::string user = newUser();
  auto sub = paidSubscription(user, -30 * kDay - 3600, -3600);  // ended an hour ago: the webhook may still come
  storeViaWebhook(sub);
  waitForAnotherRun();
  waitForAnotherRun();
  EXPECT_EQ(fetchesOf(sub.id), 0u);
  EXPECT_EQ(column(sub.id, "status"), "active");
  EXPECT_EQ(tierOf(user), "startup");
}

TEST_P(Reconcile, StripeErrorChangesNothingAndIsRetried) {
  std::string user = newUser();
  auto sub = paidSubscription(user, -32 * kDay, -2 * kDay);
  SubscriptionFixture ended = sub;
  ended.status = "canceled";
  e->stripe.setSubscription(sub.id, stripeSubscription(ended, {{"ended_at", sub.periodEnd}}));
  // Two whole runs fail: 1 try + 3 retries (max_retries default) each.
  e->stripe.failNextFor(sub.id, ScriptedFailure{}, 8);
  storeViaWebhook(sub);
  std::string lastEventAt = column(sub.id, "\"lastEventAt\"");

  ASSERT_TRUE(waitUntil([&] { return fetchesOf(sub.id) >= 5; })) << b->host.output();  // run 1 failed for good
  EXPECT_EQ(column(sub.id, "status"), "active");
  EXPECT_EQ(column(sub.id, "\"lastEventAt\""), lastEventAt);
  EXPECT_EQ(tierOf(user), "startup") << "an error must never downgrade";

  ASSERT_TRUE(waitUntil([&] { return column(sub.id, "status") == "canceled"; })) << b->host.output();
  EXPECT_EQ(fetchesOf(sub.id), 9u) << "retried by a later run once Stripe answers";
  EXPECT_EQ(tierOf(user), "free");
  EXPECT_TRUE(b->host.waitForOutput(canceledEvent(sub.id))) << b->host.output();
  waitForAnotherRun();
  EXPECT_EQ(canceledEventsOf(sub.id), 1u);
}

TEST_P(Reconcile, SubscriptionUnknownToStripeIsTreatedAsDeleted) {
  std::string user = newUser();
  auto sub = paidSubscription(user, -32 * kDay, -2 * kDay);  // never given to the fake: 404 resource_missing
  storeViaWebhook(sub);

  ASSERT_TRUE(waitUntil([&] { return column(sub.id, "status") == "canceled"; })) << b->host.output();
  EXPECT_EQ(tierOf(user), "free");
  EXPECT_FALSE(column(sub.id, "\"canceledAt\"").empty());
  EXPECT_TRUE(b->host.waitForOutput(canceledEvent(sub.id))) << b->host.output();
  waitForAnotherRun();
  EXPECT_EQ(fetchesOf(sub.id), 1u);
  EXPECT_EQ(canceledEventsOf(sub.id), 1u) << b->host.output();
}

TEST_P(Reconcile, NewerWebhookIsNotOverwrittenByOlderStripeState) {
  std::string user = newUser();
  auto sub = paidSubscription(user, -32 * kDay, -2 * kDay);
  // Stripe's answer says canceled, but as of 3 days ago; the webhook we got is from a minute ago.
  SubscriptionFixture older = sub;
  older.status = "canceled";
  e->stripe.setSubscription(sub.id, stripeSubscription(older, {{"created", sub.periodStart},
                                                               {"canceled_at", nowUnix() - 3 * kDay},
                                                               {"ended_at", nowUnix() - 3 * kDay}}));
  storeViaWebhook(sub, nowUnix() - 60);
  std::string lastEventAt = column(sub.id, "\"lastEventAt\"");

  ASSERT_TRUE(waitUntil([&] { return fetchesOf(sub.id) >= 2; })) << b->host.output();  // run 1 done with it
  EXPECT_EQ(column(sub.id, "status"), "active");
  EXPECT_EQ(column(sub.id, "\"lastEventAt\""), lastEventAt);
  EXPECT_EQ(tierOf(user), "startup");
  EXPECT_EQ(canceledEventsOf(sub.id), 0u);
}

TEST_P(Reconcile, StateStripeAgreesWithChangesNothing) {
  // The sentinel, due since the host started, is fetched again, and that run finishes.
  const std::size_t seen = fetchesOf(e->sentinel.id);
  ASSERT_TRUE(waitUntil([&] { return fetchesOf(e->sentinel.id) > seen; })) << b->host.output();
  waitForAnotherRun();
  EXPECT_EQ(column(e->sentinel.id, "status"), "active");
  EXPECT_EQ(column(e->sentinel.id, "\"lastEventAt\""), std::to_string(e->sentinel.periodStart + 10));
  EXPECT_EQ(updatedEventsOf(e->sentinel.id), 0u);
  // Not LIKE: its `_` matches any character, so sub_r2's pattern would count sub_r22's events.
  const std::string prefix = "reconcile_" + e->sentinel.id + "_";
  EXPECT_EQ(b->count("SELECT id FROM stripe_events WHERE substr(id, 1, " + std::to_string(prefix.size()) + ") = '" +
                     prefix + "'"),
            0);
}

TEST_P(Reconcile, PastDueWithinPeriodIsAppliedOnce) {
  std::string user = newUser();
  auto sub = paidSubscription(user, -32 * kDay, -2 * kDay);
  // The renewal payment failed: Stripe moved it to past_due without touching any timestamp of
  // the object (same period, no canceled_at), and that webhook never came.
  SubscriptionFixture pastDue = sub;
  pastDue.status = "past_due";
  e->stripe.setSubscription(sub.id, stripeSubscription(pastDue, {{"created", sub.periodStart}}));
  storeNotYetDue(sub);
  ASSERT_EQ(tierOf(user), "startup");
  makeDue(sub);

  ASSERT_TRUE(waitUntil([&] { return column(sub.id, "status") == "past_due"; })) << b->host.output();
  EXPECT_EQ(tierOf(user), "free") << "past_due gives no access";
  EXPECT_GT(std::stoll(column(sub.id, "\"lastEventAt\"")), sub.periodStart + 10);
  EXPECT_TRUE(b->host.waitForOutput(updatedEvent(sub.id, "past_due"))) << b->host.output();
  waitForAnotherRun();
  EXPECT_EQ(fetchesOf(sub.id), 1u) << "a past_due subscription is no longer due";
  EXPECT_EQ(updatedEventsOf(sub.id, "past_due"), 1u) << b->host.output();
  EXPECT_EQ(b->count("SELECT id FROM stripe_events WHERE id LIKE 'reconcile_" + sub.id + "_past_due_%'"), 1);
}

TEST_P(Reconcile, FetchStampsReconcileColumns) {
  std::string user = newUser();
  auto sub = paidSubscription(user, -32 * kDay, -2 * kDay);
  e->stripe.setSubscription(sub.id, stripeSubscription(sub, {{"created", sub.periodStart}}));
  storeViaWebhook(sub);
  ASSERT_TRUE(waitUntil([&] { return fetchesOf(sub.id) >= 1; })) << b->host.output();
  waitForAnotherRun();  // the fetching run has finished: it stamps the row after Stripe answered
  EXPECT_FALSE(column(sub.id, "\"lastReconciledAt\"").empty());
  EXPECT_FALSE(column(sub.id, "\"reconcileAttemptedAt\"").empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, Reconcile, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace

namespace {

// reconcile_batch_size 1: rows that stay due (Stripe's state older than ours) or keep failing
// must rotate with the others instead of taking the only slot of every run.
class ReconcileBatchOfOne : public ::testing::TestWithParam<std::string> {};

TEST_P(ReconcileBatchOfOne, StaleAndFailingRowsDoNotStarveTheOthers) {
  if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
    GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  FakeStripeServer stripe;
  std::string databaseUrl = GetParam() == "postgresql" ? cc::test::createPostgresDatabase("billing_reconcile1") : "";
  BillingHost billing(billingConfig(stripe, ", reconcile_interval_seconds: 1, reconcile_grace_seconds: 86400,"
                                            " reconcile_batch_size: 1"),
                      nullptr, databaseUrl);
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  auto fixture = [&](const std::string& name, std::int64_t periodEndOffset) {
    SubscriptionFixture f;
    f.id = "sub_" + name;
    f.customer = "cus_" + name;
    f.itemId = "si_" + name;
    f.userId = billing.userId(billing.host.signup(name + "@example.com"));
    f.periodStart = nowUnix() + periodEndOffset - 30 * kDay;
    f.periodEnd = nowUnix() + periodEndOffset;
    return f;
  };
  auto store = [&](const SubscriptionFixture& f, std::int64_t created) {
    auto r = billing.webhook(subscriptionEvent("evt_" + f.id, "customer.subscription.updated", created, f));
    ASSERT_EQ(r.status, 200) << r.body;
  };
  auto fetches = [&](const SubscriptionFixture& f) { return stripe.requests("GET", "/v1/subscriptions/" + f.id).size(); };
  auto status = [&](const SubscriptionFixture& f) {
    return billing.value("SELECT status FROM \"Subscription\" WHERE id = '" + f.id + "'");
  };

  // Oldest period end: the first pick by period end. Stripe says canceled 3 days ago, our
  // webhook is a minute old: it disagrees but is stale, so it stays due forever.
  auto stale = fixture("stale", -5 * kDay);
  SubscriptionFixture staleAtStripe = stale;
  staleAtStripe.status = "canceled";
  stripe.setSubscription(stale.id, stripeSubscription(staleAtStripe, {{"created", stale.periodStart},
                                                                      {"canceled_at", nowUnix() - 3 * kDay},
                                                                      {"ended_at", nowUnix() - 3 * kDay}}));
  store(stale, nowUnix() - 60);
  // Stripe refuses this one for good (a 4xx that concerns it only).
  auto failing = fixture("failing", -4 * kDay);
  stripe.setSubscription(failing.id, stripeSubscription(failing, {{"created", failing.periodStart}}));
  stripe.failNextFor(failing.id, ScriptedFailure{403, "invalid_request_error", "", "Forbidden"}, 1000);
  store(failing, failing.periodStart + 10);
  // The deletion webhook was lost: the row the others must not starve.
  auto lost = fixture("lost", -3 * kDay);
  SubscriptionFixture lostAtStripe = lost;
  lostAtStripe.status = "canceled";
  stripe.setSubscription(lost.id, stripeSubscription(lostAtStripe, {{"created", lost.periodStart},
                                                                    {"ended_at", lost.periodEnd}}));
  store(lost, lost.periodStart + 10);

  EXPECT_TRUE(waitUntil([&] { return status(lost) == "canceled"; })) << billing.host.output();
  EXPECT_TRUE(waitUntil([&] { return fetches(stale) >= 2 && fetches(failing) >= 2; }))
      << "stale " << fetches(stale) << ", failing " << fetches(failing) << "\n" << billing.host.output();
  EXPECT_EQ(status(stale), "active");
  EXPECT_EQ(status(failing), "active");
  EXPECT_EQ(fetches(lost), 1u);
  billing.host.stop();
}

INSTANTIATE_TEST_SUITE_P(Engines, ReconcileBatchOfOne, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
