// Stripe webhooks against the real host, on SQLite and (with CC_TEST_POSTGRES_URL) on
// PostgreSQL: signatures, exactly-once effects, ordering, failures, tier, ledger and mail.
#include "support/billing_host.hpp"

#include <gtest/gtest.h>

#include <Poco/Data/Session.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

class Webhooks : public ::testing::TestWithParam<std::string> {
 protected:
  static SharedBillingHosts& hosts() {
    static SharedBillingHosts shared("billing_webhooks");
    return shared;
  }
  static void TearDownTestSuite() { hosts().stopAll(); }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    b = &hosts().get(GetParam());
    n = std::to_string(nextId());
    token = b->host.signup("webhook" + n + "@example.com");
    user = b->userId(token);
    sub.id = "sub_w" + n;
    sub.customer = "cus_w" + n;
    sub.itemId = "si_w" + n;
    sub.userId = user;
    invoice.id = "in_w" + n;
    invoice.customer = sub.customer;
    invoice.subscription = sub.id;
  }
  std::string evt(const std::string& name) { return "evt_" + name + "_" + n; }
  std::string tier() { return b->value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"); }
  std::string status() { return b->value("SELECT status FROM \"Subscription\" WHERE id = '" + sub.id + "'"); }
  int rows(const std::string& table, const std::string& where) {
    return b->count("SELECT 1 FROM " + table + " WHERE " + where);
  }

  BillingHost* b = nullptr;
  std::string n, token, user;
  SubscriptionFixture sub;
  InvoiceFixture invoice;
};

}  // namespace

TEST_P(Webhooks, LifecycleUpdatesRowTierLedgerAndPublishes) {
  std::int64_t t = nowUnix();
  sub.status = "incomplete";
  auto r = b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "outcome"), "applied");
  EXPECT_EQ(status(), "incomplete");
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(b->value("SELECT \"customerId\" FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), sub.customer);

  invoice.billingReason = "subscription_create";
  ASSERT_EQ(b->webhook(invoiceEvent(evt("paid"), "invoice.payment_succeeded", t + 1, invoice)).status, 200);
  EXPECT_EQ(b->value("SELECT amount FROM \"Transaction\" WHERE reference = 'invoice:" + invoice.id + "'"), "300");
  EXPECT_EQ(b->value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"), "300");

  sub.status = "active";
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("active"), "customer.subscription.updated", t + 2, sub)).status, 200);
  EXPECT_EQ(status(), "active");
  EXPECT_EQ(tier(), "startup");

  auto current = b->host.get("/api/subscriptions/current", token);
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_EQ(jsonField(current.body, "plan"), "startup_monthly");
  EXPECT_EQ(jsonField(current.body, "status"), "active");
  EXPECT_EQ(jsonField(current.body, "currentPeriodStart"), "2025-01-15T00:00:00.000Z");
  EXPECT_EQ(jsonField(current.body, "currentPeriodEnd"), "2025-02-15T00:00:00.000Z");
  EXPECT_EQ(jsonField(current.body, "cancelAtPeriodEnd"), "false");
  EXPECT_EQ(jsonField(current.body, "plan_details.creditsPerMonth"), "300");
  EXPECT_EQ(jsonField(current.body, "credits"), "300");

  sub.status = "canceled";
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("deleted"), "customer.subscription.deleted", t + 3, sub)).status, 200);
  EXPECT_EQ(status(), "canceled");
  EXPECT_EQ(tier(), "free");

  // Each event was published once, after its commit, with the catalogue's fields. The log is
  // written by its own thread: wait for the last event's line before reading it.
  ASSERT_TRUE(b->host.waitForOutput("probe event subscription_canceled"));
  std::string log = b->host.output();
  EXPECT_NE(log.find("probe event subscription_created {\"plan\":\"startup_monthly\",\"status\":\"incomplete\",\"subscriptionId\":\"" + sub.id), std::string::npos) << log;
  EXPECT_NE(log.find("\"amount\":4900,\"currency\":\"usd\",\"invoiceId\":\"" + invoice.id), std::string::npos);
  EXPECT_NE(log.find("probe event credits_granted {\"amount\":300,\"reference\":\"invoice:" + invoice.id), std::string::npos);
  EXPECT_NE(log.find("\"previousPlan\":\"startup_monthly\",\"status\":\"active\",\"subscriptionId\":\"" + sub.id), std::string::npos);
  EXPECT_NE(log.find("probe event subscription_canceled {\"atPeriodEnd\":false,\"plan\":\"startup_monthly\",\"subscriptionId\":\"" + sub.id), std::string::npos);
  // One mail per event, keyed by the event id.
  EXPECT_EQ(rows("mail_outbox", "\"dedupeKey\" IN ('stripe:" + evt("created") + "', 'stripe:" + evt("paid") +
                                    "', 'stripe:" + evt("active") + "', 'stripe:" + evt("deleted") + "')"), 4);
}

TEST_P(Webhooks, RedeliveredEventHasOneEffect) {
  std::int64_t t = nowUnix();
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub)).status, 200);
  std::string paid = invoiceEvent(evt("paid"), "invoice.payment_succeeded", t + 1, invoice);
  auto first = b->webhook(paid);
  ASSERT_EQ(first.status, 200);
  auto again = b->webhook(paid);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(jsonField(again.body, "outcome"), "duplicate");
  // And eight deliveries at once: still one grant, one mail.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] { ok += b->webhook(paid).status == 200; });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(rows("\"Transaction\"", "\"userId\" = '" + user + "'"), 1);
  EXPECT_EQ(b->value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"), "300");
  EXPECT_EQ(rows("mail_outbox", "\"dedupeKey\" = 'stripe:" + evt("paid") + "'"), 1);
  EXPECT_EQ(rows("stripe_events", "id = '" + evt("paid") + "'"), 1);
}

TEST_P(Webhooks, TheSameInvoiceInAnotherEventIsNotGrantedTwice) {
  std::int64_t t = nowUnix();
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub)).status, 200);
  ASSERT_EQ(b->webhook(invoiceEvent(evt("paid1"), "invoice.payment_succeeded", t + 1, invoice)).status, 200);
  ASSERT_EQ(b->webhook(invoiceEvent(evt("paid2"), "invoice.paid", t + 1, invoice)).status, 200);
  EXPECT_EQ(rows("\"Transaction\"", "\"userId\" = '" + user + "'"), 1);
}

TEST_P(Webhooks, OlderEventsNeverOverwriteNewerState) {
  std::int64_t t = nowUnix();
  sub.status = "active";
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("updated"), "customer.subscription.updated", t + 10, sub)).status, 200);
  // The created event (earlier) arrives after the update: the row keeps "active".
  sub.status = "incomplete";
  auto late = b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub));
  ASSERT_EQ(late.status, 200);
  EXPECT_EQ(jsonField(late.body, "outcome"), "stale");
  EXPECT_EQ(status(), "active");
  sub.status = "past_due";
  auto stale = b->webhook(subscriptionEvent(evt("older"), "customer.subscription.updated", t + 5, sub));
  EXPECT_EQ(jsonField(stale.body, "outcome"), "stale");
  EXPECT_EQ(status(), "active");
  EXPECT_EQ(tier(), "startup");
  EXPECT_EQ(rows("\"Subscription\"", "id = '" + sub.id + "'"), 1);
  // A stale update mails nobody.
  EXPECT_EQ(rows("mail_outbox", "\"dedupeKey\" = 'stripe:" + evt("older") + "'"), 0);
  // After the end, nothing brings it back.
  sub.status = "canceled";
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("deleted"), "customer.subscription.deleted", t + 20, sub)).status, 200);
  sub.status = "active";
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("zombie"), "customer.subscription.updated", t + 30, sub)).status, 200);
  EXPECT_EQ(status(), "canceled");
  EXPECT_EQ(tier(), "free");
}

TEST_P(Webhooks, BadSignaturesAreRefusedAndWriteNothing) {
  std::string payload = subscriptionEvent(evt("created"), "customer.subscription.created", nowUnix(), sub);
  std::string header = signatureHeader(payload, kWebhookSecret, nowUnix());
  auto post = [&](const std::string& body, const std::map<std::string, std::string>& headers) {
    return cc::test::http(b->host.port(), "POST", "/api/billing/stripe/webhook", body, headers);
  };
  std::string tampered = payload;
  tampered.replace(tampered.find("\"active\""), 8, "\"paused\"");
  for (auto r : {post(tampered, {{"Stripe-Signature", header}}), post(payload, {}),
                 post(payload, {{"Stripe-Signature", "t=1,v1=00"}}),
                 post(payload + " ", {{"Stripe-Signature", header}}),
                 b->webhook(payload, "whsec_someone_else"),
                 b->webhook(payload, kWebhookSecret, nowUnix() - 301)}) {
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty());
  }
  EXPECT_EQ(rows("stripe_events", "id = '" + evt("created") + "'"), 0);
  EXPECT_EQ(rows("\"Subscription\"", "id = '" + sub.id + "'"), 0);
  // The previous secret still works during a rotation.
  EXPECT_EQ(b->webhook(payload, kPreviousWebhookSecret).status, 200);
  EXPECT_EQ(rows("\"Subscription\"", "id = '" + sub.id + "'"), 1);
}

TEST_P(Webhooks, SignedButMalformedBodiesAre400) {
  for (std::string body : {std::string("not json"), std::string("[]"), std::string("{\"id\":\"evt_x\"}")}) {
    auto r = b->webhook(body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
}

TEST_P(Webhooks, UnknownCustomerAndUnhandledTypesAre200) {
  sub.userId = "";  // no metadata, and a customer nobody has: parked until a link (out_of_order_test)
  auto r = b->webhook(subscriptionEvent(evt("stranger"), "customer.subscription.created", nowUnix(), sub));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(jsonField(r.body, "outcome"), "parked");
  EXPECT_EQ(rows("\"Subscription\"", "id = '" + sub.id + "'"), 0);
  auto other = b->webhook(rawEvent(evt("charge"), "charge.succeeded", nowUnix(), "{\"id\":\"ch_1\"}"));
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(jsonField(other.body, "outcome"), "ignored");
  auto price = sub;
  price.userId = user;
  price.priceId = "price_not_ours";
  auto unknownPrice = b->webhook(subscriptionEvent(evt("price"), "customer.subscription.created", nowUnix(), price));
  EXPECT_EQ(jsonField(unknownPrice.body, "outcome"), "unknown_price");
}

TEST_P(Webhooks, DatabaseFailureMidEventRollsBackAndRedeliveryApplies) {
  std::int64_t t = nowUnix();
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub)).status, 200);
  std::string paid = invoiceEvent(evt("paid"), "invoice.payment_succeeded", t + 1, invoice);
  // The ledger table vanishes after the event id is recorded and before the grant is written.
  cc::test::execute(b->host.databaseUrl(), "ALTER TABLE \"Transaction\" RENAME TO \"Transaction_away\"");
  auto failed = b->webhook(paid);
  cc::test::execute(b->host.databaseUrl(), "ALTER TABLE \"Transaction_away\" RENAME TO \"Transaction\"");
  EXPECT_EQ(failed.status, 500) << failed.body;
  EXPECT_EQ(rows("stripe_events", "id = '" + evt("paid") + "'"), 0);
  EXPECT_EQ(rows("mail_outbox", "\"dedupeKey\" = 'stripe:" + evt("paid") + "'"), 0);
  EXPECT_EQ(b->host.output().find("probe event payment_succeeded {\"amount\":4900,\"currency\":\"usd\",\"invoiceId\":\"" + invoice.id), std::string::npos);
  // Stripe delivers again: now it applies, once.
  auto retried = b->webhook(paid);
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(jsonField(retried.body, "outcome"), "applied");
  EXPECT_EQ(rows("\"Transaction\"", "\"userId\" = '" + user + "'"), 1);
}

// A database that is unavailable while an event is processed (SQLite: the test holds the write
// lock past busy_timeout_ms; PostgreSQL: the host's backend, waiting for the test's lock on
// stripe_events, is terminated as in a server restart) is answered 503 with Retry-After, as the
// host answers its own, not 500; nothing is written and Stripe's redelivery applies once.
TEST_P(Webhooks, DatabaseUnavailableMidEventIs503WithRetryAfter) {
  std::int64_t t = nowUnix();
  const std::string created = subscriptionEvent(evt("created"), "customer.subscription.created", t, sub);
  auto blocker = cc::test::openTestDatabase(b->host.databaseUrl());
  auto lock = blocker->session();
  cc::test::HttpResult refused;
  if (GetParam() == "sqlite") {
    lock << "BEGIN IMMEDIATE", Poco::Data::Keywords::now;
    refused = b->webhook(created);  // waits busy_timeout_ms (5 s), then SQLITE_BUSY
  } else {
    lock << "BEGIN", Poco::Data::Keywords::now;
    lock << "LOCK TABLE stripe_events IN ACCESS EXCLUSIVE MODE", Poco::Data::Keywords::now;
    std::thread sender([&] { refused = b->webhook(created); });
    auto watcher = cc::test::openTestDatabase(b->host.databaseUrl());
    auto watch = watcher->session();
    int terminated = 0;
    for (int i = 0; i < 250 && terminated == 0; ++i) {
      watch << "SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE datname = current_database() "
               "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
          Poco::Data::Keywords::into(terminated), Poco::Data::Keywords::now;
      if (terminated == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    sender.join();
    EXPECT_EQ(terminated, 1) << "the webhook never waited for the lock";
  }
  lock << "ROLLBACK", Poco::Data::Keywords::now;
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.header("Retry-After"), "1") << refused.body;
  EXPECT_NE(jsonField(refused.body, "error").find("database is temporarily unavailable"), std::string::npos)
      << refused.body;
  EXPECT_EQ(rows("stripe_events", "id = '" + evt("created") + "'"), 0);
  auto retried = b->webhook(created);
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(jsonField(retried.body, "outcome"), "applied");
}

TEST_P(Webhooks, FirstPaymentFailureSendsNoMailLaterOnesDo) {
  std::int64_t t = nowUnix();
  sub.status = "incomplete";
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub)).status, 200);
  invoice.billingReason = "subscription_create";
  invoice.declineCode = "insufficient_funds";
  ASSERT_EQ(b->webhook(invoiceEvent(evt("fail1"), "invoice.payment_failed", t + 1, invoice)).status, 200);
  EXPECT_EQ(rows("mail_outbox", "\"dedupeKey\" = 'stripe:" + evt("fail1") + "'"), 0);
  EXPECT_TRUE(b->host.waitForOutput("probe event payment_failed {\"amount\":4900,\"errorCode\":\"insufficient_funds\",\"invoiceId\":\"" + invoice.id));

  sub.status = "active";
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("active"), "customer.subscription.updated", t + 2, sub)).status, 200);
  invoice.id += "_renewal";
  invoice.billingReason = "subscription_cycle";
  ASSERT_EQ(b->webhook(invoiceEvent(evt("fail2"), "invoice.payment_failed", t + 3, invoice)).status, 200);
  EXPECT_EQ(rows("mail_outbox", "\"dedupeKey\" = 'stripe:" + evt("fail2") + "' AND subject = 'Payment failed'"), 1);
  EXPECT_EQ(rows("\"Transaction\"", "\"userId\" = '" + user + "'"), 0);
}

TEST_P(Webhooks, LegacyFieldLayoutIsReadToo) {
  std::int64_t t = nowUnix();
  sub.legacyLayout = true;
  invoice.legacyLayout = true;
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub)).status, 200);
  EXPECT_EQ(b->value("SELECT \"currentPeriodEnd\" FROM \"Subscription\" WHERE id = '" + sub.id + "'"), "2025-02-15T00:00:00.000Z");
  ASSERT_EQ(b->webhook(invoiceEvent(evt("paid"), "invoice.payment_succeeded", t + 1, invoice)).status, 200);
  EXPECT_EQ(b->value("SELECT \"subscriptionId\" FROM \"Transaction\" WHERE reference = 'invoice:" + invoice.id + "'"), sub.id);
}

TEST_P(Webhooks, AnnualPlansGrantEveryMonthOfThePaidYearOnce) {
  std::int64_t now = nowUnix();
  sub.priceId = "price_startup_annual";
  sub.periodStart = now - (3 * 31 + 1) * 86400LL;  // three monthly anniversaries have passed
  sub.periodEnd = sub.periodStart + 365 * 86400LL;
  ASSERT_EQ(b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", now, sub)).status, 200);
  invoice.priceId = sub.priceId;
  invoice.amountPaid = 49900;
  ASSERT_EQ(b->webhook(invoiceEvent(evt("paid"), "invoice.payment_succeeded", now + 1, invoice)).status, 200);
  // The job (every second in this config) grants months 1..3; the invoice granted month 0.
  auto balance = [&] { return b->value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"); };
  EXPECT_TRUE(waitUntil([&] { return balance() == "1400"; })) << balance();
  EXPECT_EQ(rows("\"Transaction\"", "reference LIKE 'annual:" + sub.id + ":%'"), 3);
  // Running it by hand (or on another host) grants nothing twice.
  auto run = cc::test::runHost({"billing-grant-annual", "--config", b->host.configPath()});
  EXPECT_EQ(run.exitCode, 0) << run.output;
  EXPECT_NE(run.output.find("granted 0 monthly credit grants"), std::string::npos) << run.output;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(balance(), "1400");
}

INSTANTIATE_TEST_SUITE_P(Engines, Webhooks, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
