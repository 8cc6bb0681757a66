// The reconciler's wrong key guard (docs/billing.md, "Wrong key guard"). With a secret key of
// another Stripe account or mode every subscription answers 404 resource_missing; applied as
// deletions, that would cancel every paid subscription and mail every customer. A run checks
// the key's account (GET /v1/account) and mode first and stops when the answers look like a
// wrong key: nothing cancelled, no mail, an error line naming the reason (never the key) and
// billing_reconcile_stopped_total{reason} on /metrics. A genuine deletion among healthy
// subscriptions is still applied. Real host (billing, probe and metrics plugins), fake Stripe,
// job every second, on SQLite and (with CC_TEST_POSTGRES_URL) on PostgreSQL.
#include "support/billing_host.hpp"

#include "src/stripe_objects.hpp"

#include <codecouncil/sdk/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

using namespace cc::billing::test;

namespace {

constexpr std::int64_t kDay = 86400;
const std::string kSecretKey = "sk_test_guard_7d1f0c";  // must never show up in the output

/// GET /v1/subscriptions/:id's answer for `f` (basil layout).
std::string stripeSubscription(const SubscriptionFixture& f) {
  auto event = cc::json::parseObject(subscriptionEvent("evt_unused", "unused", 0, f));
  auto object = event->getObject("data")->getObject("object");
  object->set("created", f.periodStart);
  return cc::json::stringify(object);
}

class ReconcileGuard : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  }

  /// Starts the host; `extra` adds billing config keys (", key: value").
  void start(const std::string& extra = "", const std::string& secretKey = kSecretKey) {
    std::string url = GetParam() == "postgresql" ? cc::test::createPostgresDatabase("billing_guard") : "";
    std::string config = "{ secret_key: " + secretKey + ", webhook_secret: '" + kWebhookSecret + "', api_base: '" +
                         stripe_.baseUrl() + "', retry_base_ms: 5, retry_max_ms: 20, reconcile_interval_seconds: 1,"
                         " reconcile_grace_seconds: 86400" + extra + " }";
    b_ = std::make_unique<BillingHost>(config, nullptr, url, cc::test::bundledPlugin("metrics"));
    ASSERT_TRUE(b_->host.start()) << b_->host.output();
  }

  /// A startup subscription of a new user whose period ended two days ago (due), stored as
  /// our last webhook left it. `atStripe`: Stripe answers it unchanged; else 404. With
  /// `endOffset` its period ends that long from now instead.
  SubscriptionFixture dueSubscription(const std::string& name, bool atStripe, std::int64_t endOffset = -2 * kDay) {
    SubscriptionFixture f;
    f.id = "sub_" + name;
    f.customer = "cus_" + name;
    f.itemId = "si_" + name;
    f.userId = b_->userId(b_->host.signup(name + "@example.com"));
    f.periodStart = nowUnix() + endOffset - 30 * kDay;
    f.periodEnd = nowUnix() + endOffset;
    if (atStripe) stripe_.setSubscription(f.id, stripeSubscription(f));
    auto r = b_->webhook(subscriptionEvent("evt_" + name, "customer.subscription.updated", f.periodStart + 10, f));
    EXPECT_EQ(r.status, 200) << r.body;
    return f;
  }

  std::string status(const SubscriptionFixture& f) {
    return b_->value("SELECT status FROM \"Subscription\" WHERE id = '" + f.id + "'");
  }
  std::string tier(const SubscriptionFixture& f) {
    return b_->value("SELECT tier FROM \"User\" WHERE id = '" + f.userId + "'");
  }
  std::size_t fetches(const SubscriptionFixture& f) {
    return stripe_.requests("GET", "/v1/subscriptions/" + f.id).size();
  }
  std::size_t accountChecks() { return stripe_.requests("GET", "/v1/account").size(); }
  /// Mails and events the reconciler produced (its synthetic event ids start with reconcile_).
  int reconcileMails() { return b_->count("SELECT id FROM mail_outbox WHERE \"dedupeKey\" LIKE 'stripe:reconcile_%'"); }
  int reconcileEvents() { return b_->count("SELECT id FROM stripe_events WHERE id LIKE 'reconcile_%'"); }

  /// billing_reconcile_stopped_total{reason} as /metrics shows it (-1 when absent).
  double stopped(const std::string& reason) {
    std::string series = "billing_reconcile_stopped_total{reason=\"" + reason + "\"} ";
    std::istringstream lines(b_->host.get("/metrics").body);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(series, 0) == 0) return std::strtod(line.c_str() + series.size(), nullptr);
    return -1;
  }

  /// No subscription was cancelled, downgraded or mailed about.
  void expectNothingApplied(const std::vector<SubscriptionFixture>& subs) {
    for (auto& f : subs) {
      EXPECT_EQ(status(f), "active") << f.id;
      EXPECT_EQ(tier(f), "startup") << f.id;
    }
    EXPECT_EQ(reconcileMails(), 0);
    EXPECT_EQ(reconcileEvents(), 0);
  }
  void expectKeyNeverLogged() {
    std::string out = b_->host.output();
    EXPECT_EQ(out.find("guard_7d1f0c"), std::string::npos) << "the secret key was logged:\n" << out;
  }

  FakeStripeServer stripe_;
  std::unique_ptr<BillingHost> b_;
};

TEST_P(ReconcileGuard, KeyOfAnotherAccountThanAccountIdStopsEveryRunBeforeAnyFetch) {
  start(", account_id: acct_1Expected");  // the fake answers GET /v1/account with acct_1FakePlatform
  std::vector<SubscriptionFixture> subs{dueSubscription("wa1", false), dueSubscription("wa2", false),
                                        dueSubscription("wa3", false)};
  ASSERT_TRUE(b_->host.waitForOutput("billing reconcile stopped (wrong_account): the secret key belongs to Stripe "
                                     "account acct_1FakePlatform, not acct_1Expected (config account_id); nothing "
                                     "was applied as deleted",
                                     15000))
      << b_->host.output();
  ASSERT_TRUE(waitUntil([&] { return stopped("wrong_account") >= 2; })) << "every run checks and stops";
  for (auto& f : subs) EXPECT_EQ(fetches(f), 0u) << f.id;
  expectNothingApplied(subs);
  EXPECT_EQ(stopped("too_many_missing"), 0);
  expectKeyNeverLogged();
}

TEST_P(ReconcileGuard, KeyOfAnotherAccountThanThePinnedOneStopsRunsUntilTheKeyIsBack) {
  start();
  auto healthy = dueSubscription("pin_ok", true);
  ASSERT_TRUE(waitUntil([&] { return fetches(healthy) >= 1; })) << b_->host.output();
  EXPECT_TRUE(b_->host.waitForOutput("pinned Stripe account acct_1FakePlatform for test mode")) << b_->host.output();
  EXPECT_EQ(b_->value("SELECT \"accountId\" FROM stripe_account_pins WHERE mode = 'test'"), "acct_1FakePlatform");

  // Someone deploys the key of another account; the subscriptions it cannot see fall due.
  stripe_.setAccount("acct_1Elsewhere");
  std::vector<SubscriptionFixture> subs{dueSubscription("pin_a", false), dueSubscription("pin_b", false)};
  ASSERT_TRUE(waitUntil([&] { return stopped("wrong_account") >= 2; })) << b_->host.output();
  EXPECT_TRUE(b_->host.waitForOutput("the secret key belongs to Stripe account acct_1Elsewhere, but this database's "
                                     "test-mode subscriptions belong to acct_1FakePlatform"))
      << b_->host.output();
  for (auto& f : subs) EXPECT_EQ(fetches(f), 0u) << f.id;
  expectNothingApplied(subs);
  EXPECT_EQ(b_->value("SELECT \"accountId\" FROM stripe_account_pins WHERE mode = 'test'"), "acct_1FakePlatform");

  // The right key is back: the two (fewer than the limit) are genuine deletions.
  stripe_.setAccount(FakeStripeServer::kDefaultAccount);
  ASSERT_TRUE(waitUntil([&] { return status(subs[0]) == "canceled" && status(subs[1]) == "canceled"; }))
      << b_->host.output();
  EXPECT_EQ(tier(subs[0]), "free");
  expectKeyNeverLogged();
}

TEST_P(ReconcileGuard, EverySubscriptionMissingStopsTheRunAtTheLimitAndCancelsNothing) {
  start(", account_id: acct_1FakePlatform");  // the account check passes: only the 404s tell
  // Stored as running for another week, then all due at once: a run must meet all five.
  std::vector<SubscriptionFixture> subs;
  for (int i = 0; i < 5; ++i) subs.push_back(dueSubscription("gone" + std::to_string(i), false, 7 * kDay));
  cc::test::execute(b_->host.databaseUrl(), "UPDATE \"Subscription\" SET \"currentPeriodEnd\" = '" +
                                                cc::billing::isoFromUnix(nowUnix() - 2 * kDay) +
                                                "' WHERE id LIKE 'sub_gone%'");
  ASSERT_TRUE(waitUntil([&] { return stopped("too_many_missing") >= 2; }, std::chrono::seconds(15)))
      << b_->host.output();
  EXPECT_TRUE(b_->host.waitForOutput("billing reconcile stopped (too_many_missing): 3 subscriptions answered 404 "
                                     "resource_missing in one run (reconcile_missing_limit 3)"))
      << b_->host.output();
  // Each run asked about the account, then about 3 subscriptions, and stopped there.
  auto requests = stripe_.requests();
  std::vector<int> perRun;
  for (auto& r : requests) {
    if (r.path == "/v1/account") perRun.push_back(0);
    else if (r.path.rfind("/v1/subscriptions/", 0) == 0 && !perRun.empty()) ++perRun.back();
  }
  ASSERT_GE(perRun.size(), 2u);
  EXPECT_EQ(perRun[0], 3);
  EXPECT_EQ(perRun[1], 3);
  expectNothingApplied(subs);
  EXPECT_EQ(stopped("wrong_account"), 0);
  expectKeyNeverLogged();
}

TEST_P(ReconcileGuard, OneGenuineDeletionAmongHealthySubscriptionsIsStillApplied) {
  start();
  auto first = dueSubscription("fine1", true);
  auto deleted = dueSubscription("deleted", false);  // gone at Stripe: 404 resource_missing
  auto second = dueSubscription("fine2", true);
  ASSERT_TRUE(waitUntil([&] { return status(deleted) == "canceled"; })) << b_->host.output();
  EXPECT_EQ(tier(deleted), "free");
  EXPECT_EQ(b_->count("SELECT id FROM mail_outbox WHERE \"dedupeKey\" LIKE 'stripe:reconcile_" + deleted.id + "_%'"),
            1);
  EXPECT_EQ(status(first), "active");
  EXPECT_EQ(status(second), "active");
  EXPECT_EQ(tier(first), "startup");
  for (auto reason : {"wrong_mode", "wrong_account", "account_unverified", "too_many_missing"})
    EXPECT_EQ(stopped(reason), 0) << reason;
  EXPECT_EQ(reconcileMails(), 1);
}

TEST_P(ReconcileGuard, KeyWithoutAccessToItsAccountStopsRuns) {
  stripe_.setAccount("");  // GET /v1/account answers 403, as for a restricted key without that right
  start();
  auto sub = dueSubscription("noaccess", false);
  ASSERT_TRUE(waitUntil([&] { return stopped("account_unverified") >= 1; })) << b_->host.output();
  EXPECT_TRUE(b_->host.waitForOutput("billing reconcile stopped (account_unverified): Stripe refused GET /v1/account "
                                     "(HTTP 403)"))
      << b_->host.output();
  EXPECT_EQ(fetches(sub), 0u);
  expectNothingApplied({sub});
  expectKeyNeverLogged();
}

TEST_P(ReconcileGuard, KeyOfTheOtherModeStopsRuns) {
  // livemode overrides a live key: Stripe would answer 404 for every test-mode subscription.
  start(", livemode: false", "sk_live_guard_7d1f0c");
  auto sub = dueSubscription("othermode", false);
  ASSERT_TRUE(waitUntil([&] { return stopped("wrong_mode") >= 1; })) << b_->host.output();
  EXPECT_TRUE(b_->host.waitForOutput("billing reconcile stopped (wrong_mode): the secret key is a live-mode key but "
                                     "this deployment serves test mode"))
      << b_->host.output();
  EXPECT_EQ(accountChecks(), 0u);
  EXPECT_EQ(fetches(sub), 0u);
  expectNothingApplied({sub});
  expectKeyNeverLogged();
}

INSTANTIATE_TEST_SUITE_P(Engines, ReconcileGuard, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace

namespace {

// Two hosts on one PostgreSQL database whose keys belong to different accounts (each host has
// its own fake Stripe): whichever run pins first, both hosts then hold the same pin, and only
// the host whose key belongs to it reconciles.
TEST(ReconcileGuardHosts, TwoHostsAgreeOnOnePinnedAccount) {
  if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  const std::string url = cc::test::createPostgresDatabase("billing_guard_hosts");
  FakeStripeServer first, second;
  second.setAccount("acct_1Second");
  auto config = [](const FakeStripeServer& stripe) {
    return "{ secret_key: " + kSecretKey + ", webhook_secret: '" + kWebhookSecret + "', api_base: '" + stripe.baseUrl() +
           "', retry_base_ms: 5, retry_max_ms: 20, reconcile_interval_seconds: 1, reconcile_grace_seconds: 86400 }";
  };
  BillingHost a(config(first), nullptr, url), b(config(second), nullptr, url);
  ASSERT_TRUE(a.host.start()) << a.host.output();
  ASSERT_TRUE(b.host.start()) << b.host.output();

  SubscriptionFixture f;
  f.id = "sub_two_hosts";
  f.customer = "cus_two_hosts";
  f.userId = a.userId(a.host.signup("twohosts@example.com"));
  f.periodStart = nowUnix() - 32 * kDay;
  f.periodEnd = nowUnix() - 2 * kDay;
  first.setSubscription(f.id, stripeSubscription(f));
  second.setSubscription(f.id, stripeSubscription(f));
  ASSERT_EQ(a.webhook(subscriptionEvent("evt_two_hosts", "customer.subscription.updated", f.periodStart + 10, f)).status,
            200);

  // Runs are once per slot across hosts: wait until each host has run at least once.
  ASSERT_TRUE(waitUntil([&] { return !first.requests("GET", "/v1/account").empty() &&
                                     !second.requests("GET", "/v1/account").empty(); },
                        std::chrono::seconds(30)))
      << a.host.output() << b.host.output();
  ASSERT_EQ(a.count("SELECT mode FROM stripe_account_pins"), 1);
  const std::string pinned = a.value("SELECT \"accountId\" FROM stripe_account_pins WHERE mode = 'test'");
  ASSERT_TRUE(pinned == FakeStripeServer::kDefaultAccount || pinned == "acct_1Second") << pinned;
  FakeStripeServer& right = pinned == "acct_1Second" ? second : first;
  FakeStripeServer& wrong = pinned == "acct_1Second" ? first : second;
  BillingHost& wrongHost = pinned == "acct_1Second" ? a : b;
  EXPECT_TRUE(wrongHost.host.waitForOutput("billing reconcile stopped (wrong_account)")) << wrongHost.host.output();
  EXPECT_TRUE(wrong.requests("GET", "/v1/subscriptions/" + f.id).empty()) << "the other account's key fetched";
  // The right host's fetch follows its account check in the same run, maybe after the wait
  // above saw that check.
  EXPECT_TRUE(waitUntil([&] { return !right.requests("GET", "/v1/subscriptions/" + f.id).empty(); }))
      << a.host.output() << b.host.output();
  EXPECT_EQ(a.value("SELECT status FROM \"Subscription\" WHERE id = '" + f.id + "'"), "active");
  a.host.stop();
  b.host.stop();
}

}  // namespace
