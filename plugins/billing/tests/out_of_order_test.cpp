// Stripe does not deliver webhooks in order. Events whose customer is not linked to a user
// yet are parked and applied, exactly once and in Stripe `created` order, when the customer
// gets linked; orphans expire. Against the real host, on SQLite and (with
// CC_TEST_POSTGRES_URL) on PostgreSQL.
#include "support/billing_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

struct Env {
  FakeStripeServer stripe;
  std::string databaseUrl;
  std::unique_ptr<BillingHost> billing;
  std::unique_ptr<BillingHost> peer;      ///< a second host on billing's database; started by the test that needs it
  std::unique_ptr<BillingHost> expiring;  ///< parked events expire after 1 s; started by the test that needs it
};

/// The event Stripe sends when a hosted checkout finishes: it names our user (client_reference_id).
std::string checkoutCompletedEvent(const std::string& eventId, std::int64_t created, const std::string& customer,
                                   const std::string& userId, const std::string& subscription) {
  return rawEvent(eventId, "checkout.session.completed", created,
                  "{\"id\":\"cs_" + eventId + "\",\"object\":\"checkout.session\",\"mode\":\"subscription\","
                  "\"customer\":\"" + customer + "\",\"client_reference_id\":\"" + userId +
                  "\",\"subscription\":\"" + subscription + "\",\"status\":\"complete\"}");
}

class OutOfOrder : public ::testing::TestWithParam<std::string> {
 protected:
  static std::map<std::string, std::unique_ptr<Env>>& envs() {
    static std::map<std::string, std::unique_ptr<Env>> m;
    return m;
  }
  static void TearDownTestSuite() {
    for (auto& [k, e] : envs()) {
      e->billing->host.stop();
      if (e->peer) e->peer->host.stop();
      if (e->expiring) e->expiring->host.stop();
    }
    envs().clear();
  }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    auto& env = envs()[GetParam()];
    if (!env) {
      env = std::make_unique<Env>();
      if (GetParam() == "postgresql") env->databaseUrl = cc::test::createPostgresDatabase("billing_out_of_order");
      env->billing = std::make_unique<BillingHost>(billingConfig(env->stripe), nullptr, env->databaseUrl);
      ASSERT_TRUE(env->billing->host.start()) << env->billing->host.output();
    }
    e = env.get();
    useHost(e->billing.get());
  }
  /// Points the test at `host` with a fresh user, customer, subscription and invoice.
  void useHost(BillingHost* host) {
    b = host;
    n = std::to_string(nextId());
    token = b->host.signup("ooo" + n + "@example.com");
    user = b->userId(token);
    ASSERT_FALSE(user.empty());
    sub.id = "sub_o" + n;
    sub.customer = "cus_o" + n;
    sub.itemId = "si_o" + n;
    sub.userId = "";  // no metadata.user_id: only a link can tell whose it is
    invoice.id = "in_o" + n;
    invoice.customer = sub.customer;
    invoice.subscription = sub.id;
  }
  /// Another host on the same database, as behind a load balancer; null if it did not start.
  BillingHost* peerHost() {
    if (!e->peer) {
      auto host = std::make_unique<BillingHost>(billingConfig(e->stripe), nullptr, e->billing->host.databaseUrl());
      if (!host->host.start()) {
        ADD_FAILURE() << host->host.output();
        return nullptr;
      }
      e->peer = std::move(host);
    }
    return e->peer.get();
  }
  /// A second host (own database) whose parked events expire after a second; null if it did not start.
  BillingHost* expiringHost() {
    if (!e->expiring) {
      std::string url = e->databaseUrl.empty() ? "" : cc::test::createPostgresDatabase("billing_expiry");
      auto host = std::make_unique<BillingHost>(billingConfig(e->stripe, ", pending_event_ttl_seconds: 1"), nullptr, url);
      if (!host->host.start()) {
        ADD_FAILURE() << host->host.output();
        return nullptr;
      }
      e->expiring = std::move(host);
    }
    return e->expiring.get();
  }

  std::string evt(const std::string& name) { return "evt_" + name + "_o" + n; }
  std::string checkout(std::int64_t created) {
    return checkoutCompletedEvent(evt("checkout"), created, sub.customer, user, sub.id);
  }
  std::string outcome(const std::string& eventId) {
    return b->value("SELECT outcome FROM stripe_events WHERE id = '" + eventId + "'");
  }
  int rows(const std::string& table, const std::string& where) {
    return b->count("SELECT 1 FROM " + table + " WHERE " + where);
  }
  int grants() { return rows("\"Transaction\"", "reference = 'invoice:" + invoice.id + "'"); }
  std::string balance() { return b->value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"); }
  int mails(const std::string& eventId) { return rows("mail_outbox", "\"dedupeKey\" = 'stripe:" + eventId + "'"); }
  int parked() { return rows("stripe_pending_events", "\"customerId\" = '" + sub.customer + "'"); }
  std::string status() { return b->value("SELECT status FROM \"Subscription\" WHERE id = '" + sub.id + "'"); }
  std::string tier() { return b->value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"); }

  Env* e = nullptr;
  BillingHost* b = nullptr;
  std::string n, token, user;
  SubscriptionFixture sub;
  InvoiceFixture invoice;
};

}  // namespace

TEST_P(OutOfOrder, InvoicePaidBeforeCheckoutIsGrantedOnceWhenTheCheckoutLinksTheCustomer) {
  std::int64_t t = nowUnix();
  std::string paid = invoiceEvent(evt("paid"), "invoice.paid", t + 2, invoice);
  auto early = b->webhook(paid);
  ASSERT_EQ(early.status, 200) << early.body;
  EXPECT_EQ(jsonField(early.body, "outcome"), "parked");
  EXPECT_EQ(outcome(evt("paid")), "parked");
  EXPECT_EQ(parked(), 1);
  EXPECT_EQ(grants(), 0);
  EXPECT_EQ(mails(evt("paid")), 0);

  // Stripe retries (or a second host gets it) before the link: still one parked copy.
  auto again = b->webhook(paid);
  EXPECT_EQ(jsonField(again.body, "outcome"), "duplicate");
  EXPECT_EQ(parked(), 1);

  auto link = b->webhook(checkout(t));
  ASSERT_EQ(link.status, 200) << link.body;
  EXPECT_EQ(jsonField(link.body, "outcome"), "applied");
  EXPECT_EQ(grants(), 1);
  EXPECT_EQ(balance(), "300");
  EXPECT_EQ(mails(evt("paid")), 1);
  EXPECT_EQ(outcome(evt("paid")), "applied");
  EXPECT_EQ(parked(), 0);
  // The bus hears about the credits only now, after the link committed.
  EXPECT_TRUE(waitUntil([&] {
    return b->host.output().find("probe event credits_granted {\"amount\":300,\"reference\":\"invoice:" + invoice.id) !=
           std::string::npos;
  }));

  // Redelivery after the link, of both events: nothing more.
  EXPECT_EQ(jsonField(b->webhook(paid).body, "outcome"), "duplicate");
  EXPECT_EQ(jsonField(b->webhook(checkout(t)).body, "outcome"), "duplicate");
  EXPECT_EQ(grants(), 1);
  EXPECT_EQ(balance(), "300");
  EXPECT_EQ(mails(evt("paid")), 1);
  EXPECT_EQ(rows("stripe_events", "id = '" + evt("paid") + "'"), 1);
}

TEST_P(OutOfOrder, ParkedSubscriptionEventsApplyInCreatedOrderAndConvergeToTheNewest) {
  std::int64_t t = nowUnix();
  // Delivered newest first, neither names a user.
  sub.status = "active";
  ASSERT_EQ(jsonField(b->webhook(subscriptionEvent(evt("updated"), "customer.subscription.updated", t + 10, sub)).body,
                      "outcome"), "parked");
  sub.status = "incomplete";
  ASSERT_EQ(jsonField(b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub)).body,
                      "outcome"), "parked");
  EXPECT_EQ(rows("\"Subscription\"", "id = '" + sub.id + "'"), 0);
  EXPECT_EQ(parked(), 2);

  ASSERT_EQ(b->webhook(checkout(t + 1)).status, 200);
  // Applied oldest first: "created" is not stale, and the newer "updated" wins.
  EXPECT_EQ(outcome(evt("created")), "applied");
  EXPECT_EQ(outcome(evt("updated")), "applied");
  EXPECT_EQ(status(), "active");
  EXPECT_EQ(tier(), "startup");
  EXPECT_EQ(b->value("SELECT \"lastEventAt\" FROM \"Subscription\" WHERE id = '" + sub.id + "'"), std::to_string(t + 10));
  EXPECT_EQ(mails(evt("created")), 1);
  EXPECT_EQ(mails(evt("updated")), 1);
  EXPECT_EQ(parked(), 0);
}

TEST_P(OutOfOrder, SubscriptionUpdatedBeforeCreatedWithUserMetadata) {
  std::int64_t t = nowUnix();
  sub.status = "active";
  auto early = b->webhook(subscriptionEvent(evt("updated"), "customer.subscription.updated", t + 5, sub));
  ASSERT_EQ(jsonField(early.body, "outcome"), "parked") << early.body;

  // The created event carries metadata.user_id (we created it through our API): that links
  // the customer, and the parked, newer update is applied on top in the same transaction.
  sub.status = "incomplete";
  sub.userId = user;
  auto created = b->webhook(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub));
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(jsonField(created.body, "outcome"), "applied");
  EXPECT_EQ(outcome(evt("updated")), "applied");
  EXPECT_EQ(status(), "active");
  EXPECT_EQ(tier(), "startup");
  EXPECT_EQ(parked(), 0);

  // An older update arriving last still loses against the newest state.
  sub.status = "past_due";
  auto older = b->webhook(subscriptionEvent(evt("older"), "customer.subscription.updated", t + 3, sub));
  EXPECT_EQ(jsonField(older.body, "outcome"), "stale");
  EXPECT_EQ(status(), "active");
}

TEST_P(OutOfOrder, ConcurrentLinkAndRedeliveriesApplyTheParkedInvoiceOnce) {
  std::int64_t t = nowUnix();
  std::string paid = invoiceEvent(evt("paid"), "invoice.payment_succeeded", t + 2, invoice);
  ASSERT_EQ(jsonField(b->webhook(paid).body, "outcome"), "parked");
  // The linking event and the parked event's redeliveries, from several threads, to two
  // hosts sharing the database (Stripe's retries spread over the load balancer).
  BillingHost* peer = peerHost();
  ASSERT_NE(peer, nullptr);
  std::string link = checkout(t);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] { ok += (i < 4 ? b : peer)->webhook(i % 2 ? paid : link).status == 200; });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(grants(), 1);
  EXPECT_EQ(balance(), "300");
  EXPECT_EQ(mails(evt("paid")), 1);
  EXPECT_EQ(outcome(evt("paid")), "applied");
  EXPECT_EQ(parked(), 0);
}

TEST_P(OutOfOrder, AnEventRacingTheLinkOfItsCustomerIsNeitherLostNorDoubled) {
  // For several customers at once, the invoice and the checkout that links its customer
  // arrive together: whichever transaction goes first, the credits are granted exactly once
  // (a park that misses a concurrent link would lose them).
  struct Pair {
    std::string user, customer, invoiceId, paid, link;
  };
  std::int64_t t = nowUnix();
  std::vector<Pair> pairs;
  for (int i = 0; i < 12; ++i) {
    std::string k = n + "_" + std::to_string(i);
    std::string u = b->userId(b->host.signup("race" + k + "@example.com"));
    ASSERT_FALSE(u.empty());
    InvoiceFixture inv = invoice;
    inv.id = "in_race" + k;
    inv.customer = "cus_race" + k;
    inv.subscription = "sub_race" + k;
    pairs.push_back({u, inv.customer, inv.id, invoiceEvent("evt_race_paid" + k, "invoice.paid", t + 2, inv),
                     checkoutCompletedEvent("evt_race_checkout" + k, t, inv.customer, u, inv.subscription)});
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (auto& p : pairs)
    for (const std::string* body : {&p.paid, &p.link, &p.paid})
      threads.emplace_back([&, body] { ok += b->webhook(*body).status == 200; });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), static_cast<int>(pairs.size() * 3));
  for (auto& p : pairs) {
    EXPECT_EQ(rows("\"Transaction\"", "reference = 'invoice:" + p.invoiceId + "'"), 1) << p.customer;
    EXPECT_EQ(b->value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + p.user + "'"), "300") << p.customer;
    EXPECT_EQ(rows("stripe_pending_events", "\"customerId\" = '" + p.customer + "'"), 0) << p.customer;
  }
}

TEST_P(OutOfOrder, AnOrphanExpiresAndALaterLinkGrantsNothing) {
  BillingHost* host = expiringHost();
  ASSERT_NE(host, nullptr);
  useHost(host);
  std::string paid = invoiceEvent(evt("paid"), "invoice.paid", nowUnix(), invoice);
  ASSERT_EQ(jsonField(b->webhook(paid).body, "outcome"), "parked");
  // The job runs every second here and drops events parked for more than a second.
  EXPECT_TRUE(waitUntil([&] { return outcome(evt("paid")) == "expired"; })) << outcome(evt("paid"));
  EXPECT_EQ(parked(), 0);
  EXPECT_TRUE(waitUntil([&] {
    return b->host.output().find("stripe event " + evt("paid") + " (invoice.paid) expired: customer " + sub.customer) !=
           std::string::npos;
  })) << b->host.output();
  // Dropped means dropped: a link now, or a redelivery, grants nothing.
  ASSERT_EQ(b->webhook(checkout(nowUnix())).status, 200);
  EXPECT_EQ(jsonField(b->webhook(paid).body, "outcome"), "duplicate");
  EXPECT_EQ(grants(), 0);
  EXPECT_EQ(mails(evt("paid")), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, OutOfOrder, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
