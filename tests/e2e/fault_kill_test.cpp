// kill -9 of the host in the middle of concurrent writes, then a restart on the same database:
// Stripe webhooks redelivered after the crash are applied exactly once (events, credits, mail),
// and a rate-limited burst never lets more than the limit through across the crash. The
// database passes its integrity checks afterwards.
#include "fault_support.hpp"
#include "support/billing_host.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace cc::test;
using namespace cc::test::fault;
using namespace cc::billing::test;

namespace {

std::string databaseFor(const std::string& engine, const std::string& prefix) {
  return engine == "postgresql" ? createPostgresDatabase(prefix) : "";
}

std::string userIdByEmail(const HostProcess& host, const std::string& email) {
  return scalar(host.databaseUrl(), "SELECT id FROM \"User\" WHERE email = '" + email + "'");
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Every CreditBalance row equals the sum of its ledger: the invariant billing.md gives operators.
int balancesOffTheLedger(const std::string& url) {
  return count(url,
               "SELECT 1 FROM \"CreditBalance\" b WHERE b.balance <> (SELECT COALESCE(SUM(t.amount), 0) FROM "
               "\"Transaction\" t WHERE t.\"userId\" = b.\"userId\")");
}

// ---------------------------------------------------------------------------------------------
// Webhooks

constexpr int kUsers = 3;
constexpr int kEvents = 150;
constexpr int kSenders = 6;
constexpr std::int64_t kCreditsPerInvoice = 300;  // startup_monthly

/// One customer with an active startup subscription, set up before the burst so that every
/// invoice in the burst has a user to credit whatever order the events arrive in.
struct Customer {
  std::string email, userId;
  SubscriptionFixture sub;
};

/// The burst: every fifth event is a subscription update (cancel_at_period_end toggling, each
/// newer than the last), the rest are paid invoices, spread round-robin over the customers.
struct WebhookEvent {
  std::string id, payload;
  int customer = 0;
  bool isInvoice = false;
  bool cancelAtPeriodEnd = false;
  std::int64_t created = 0;
};

std::vector<WebhookEvent> makeBurst(std::vector<Customer>& customers, std::int64_t t0) {
  std::vector<WebhookEvent> events;
  for (int i = 0; i < kEvents; ++i) {
    WebhookEvent e;
    e.id = "evt_kill_" + std::to_string(i);
    e.customer = i % kUsers;
    e.created = t0 + 1 + i;
    Customer& c = customers[static_cast<std::size_t>(e.customer)];
    if (i % 5 == 0) {
      SubscriptionFixture s = c.sub;
      s.cancelAtPeriodEnd = e.cancelAtPeriodEnd = (i / 5) % 2 == 1;
      e.payload = subscriptionEvent(e.id, "customer.subscription.updated", e.created, s);
    } else {
      InvoiceFixture inv;
      inv.id = "in_kill_" + std::to_string(i);
      inv.customer = c.sub.customer;
      inv.subscription = c.sub.id;
      e.isInvoice = true;
      e.payload = invoiceEvent(e.id, i % 2 ? "invoice.paid" : "invoice.payment_succeeded", e.created, inv);
    }
    events.push_back(std::move(e));
  }
  return events;
}

HttpResult deliver(const HostProcess& host, const std::string& payload) {
  return http(host.port(), "POST", "/api/billing/stripe/webhook", payload,
              {{"Stripe-Signature", signatureHeader(payload, kWebhookSecret, nowUnix())}});
}

std::set<std::string> recordedBurstEvents(const std::string& url) {
  auto rows = queryStrings(url, "SELECT id FROM stripe_events WHERE id LIKE 'evt_kill_%'");
  return {rows.begin(), rows.end()};
}

class KillDuringWebhooks : public ::testing::TestWithParam<std::string> {};

TEST_P(KillDuringWebhooks, RedeliveryAfterRestartAppliesEveryEventExactlyOnce) {
  std::string url = databaseFor(GetParam(), "fault_kill_webhooks");
  if (GetParam() == "postgresql" && url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  FakeStripeServer stripe;
  HostProcess host(bundledPlugin("billing", billingConfig(stripe)), "", url);
  ASSERT_TRUE(host.start()) << host.output();
  const std::string db = host.databaseUrl();

  std::int64_t t0 = nowUnix();
  std::vector<Customer> customers(kUsers);
  for (int u = 0; u < kUsers; ++u) {
    Customer& c = customers[static_cast<std::size_t>(u)];
    std::string n = std::to_string(u);
    c.email = "killed" + n + "@example.com";
    host.signup(c.email);
    c.userId = userIdByEmail(host, c.email);
    c.sub.id = "sub_kill" + n;
    c.sub.customer = "cus_kill" + n;
    c.sub.itemId = "si_kill" + n;
    c.sub.userId = c.userId;
    auto created = deliver(host, subscriptionEvent("evt_setup_created" + n, "customer.subscription.created", t0, c.sub));
    ASSERT_EQ(created.status, 200) << created.body;
  }
  auto events = makeBurst(customers, t0);

  // First delivery, cut by kill -9 once a third has been answered.
  std::set<std::string> acknowledged;
  {
    Burst burst(kEvents, kSenders, [&](int i) { return deliver(host, events[static_cast<std::size_t>(i)].payload); });
    ASSERT_TRUE(pollUntil([&] { return burst.answered() >= kEvents / 3; }, std::chrono::seconds(30)))
        << "only " << burst.answered() << " answered\n" << host.output();
    host.kill9();
    burst.join();
    for (int i = 0; i < kEvents; ++i) {
      int status = burst.status(i);
      // Before the kill the host answers 200 to every well-formed event; anything else is a bug.
      EXPECT_TRUE(status == 200 || status == Burst::kConnectionFailed || status == Burst::kNotSent)
          << events[static_cast<std::size_t>(i)].id << " got " << status << ": " << burst.body(i);
      if (status == 200) acknowledged.insert(events[static_cast<std::size_t>(i)].id);
    }
    ASSERT_LT(static_cast<int>(acknowledged.size()), kEvents) << "the kill came too late to cut the burst";
  }

  // Nothing Stripe was told "200" about may be missing after the crash.
  std::set<std::string> survived = recordedBurstEvents(db);
  for (auto& id : acknowledged) EXPECT_TRUE(survived.count(id)) << id << " was acknowledged but lost in the crash";

  // Stripe redelivers everything it did not get a 2xx for; we redeliver all of them, which
  // is stricter (a 200 lost on the wire looks the same to Stripe).
  ASSERT_TRUE(host.start()) << host.output();
  Burst redelivery(kEvents, kSenders, [&](int i) { return deliver(host, events[static_cast<std::size_t>(i)].payload); });
  redelivery.join();
  int duplicates = 0;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_EQ(redelivery.status(i), 200) << events[static_cast<std::size_t>(i)].id << ": " << redelivery.body(i);
    duplicates += jsonField(redelivery.body(i), "outcome") == "duplicate" ? 1 : 0;
  }
  EXPECT_EQ(duplicates, static_cast<int>(survived.size())) << "exactly the events that survived are duplicates";

  // Every event recorded once; every invoice credited once; nothing else credited.
  EXPECT_EQ(recordedBurstEvents(db).size(), static_cast<std::size_t>(kEvents));
  std::map<int, std::int64_t> invoicesPerCustomer;
  for (auto& e : events) invoicesPerCustomer[e.customer] += e.isInvoice ? 1 : 0;
  for (int u = 0; u < kUsers; ++u) {
    const Customer& c = customers[static_cast<std::size_t>(u)];
    std::int64_t invoices = invoicesPerCustomer[u];
    std::string user = quoted(c.userId);
    EXPECT_EQ(count(db, "SELECT 1 FROM \"Transaction\" WHERE \"userId\" = " + user), invoices) << c.email;
    EXPECT_EQ(scalar(db, "SELECT SUM(amount) FROM \"Transaction\" WHERE \"userId\" = " + user),
              std::to_string(invoices * kCreditsPerInvoice));
    EXPECT_EQ(scalar(db, "SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = " + user),
              std::to_string(invoices * kCreditsPerInvoice));
    // The newest update wins, however the crash and the redelivery reordered them.
    const WebhookEvent* newest = nullptr;
    for (auto& e : events)
      if (e.customer == u && !e.isInvoice && (!newest || e.created > newest->created)) newest = &e;
    ASSERT_NE(newest, nullptr);
    EXPECT_EQ(scalar(db, "SELECT CASE WHEN \"cancelAtPeriodEnd\" THEN 'yes' ELSE 'no' END FROM \"Subscription\" WHERE id = " +
                             quoted(c.sub.id)),
              newest->cancelAtPeriodEnd ? "yes" : "no");
    EXPECT_EQ(scalar(db, "SELECT \"lastEventAt\" FROM \"Subscription\" WHERE id = " + quoted(c.sub.id)),
              std::to_string(newest->created));
  }
  for (auto& e : events)
    if (e.isInvoice)
      EXPECT_EQ(count(db, "SELECT 1 FROM mail_outbox WHERE \"dedupeKey\" = 'stripe:" + e.id + "'"), 1) << e.id;
  EXPECT_EQ(balancesOffTheLedger(db), 0);
  EXPECT_EQ(host.stop(), 0) << host.output();
  if (isSqlite(db)) EXPECT_EQ(sqliteIntegrityProblems(db), "");
}

INSTANTIATE_TEST_SUITE_P(Engines, KillDuringWebhooks, ::testing::Values("sqlite", "postgresql"));

// ---------------------------------------------------------------------------------------------
// Rate limiting

constexpr int kDailyLimit = 50;
constexpr int kRequests = 200;
constexpr int kClients = 16;

// fail_open: false, so a tracker error shows up as a 503 instead of an uncounted success.
const char* kRateLimitConfig = "{ fail_open: false, tiers: { free: { requests_per_day: 50 } } }";

int requestsToday(const HostProcess& host, const std::string& userId) {
  return std::stoi(scalar(host.databaseUrl(),
                          "SELECT \"requestsToday\" FROM \"RateLimitTracker\" WHERE \"userId\" = " + quoted(userId)));
}

bool isSuccess(int status) { return status >= 200 && status < 300; }

class KillDuringRateLimitedBurst : public ::testing::TestWithParam<std::string> {};

TEST_P(KillDuringRateLimitedBurst, NoMoreThanTheLimitGetsThroughAcrossTheCrash) {
  std::string url = databaseFor(GetParam(), "fault_kill_ratelimit");
  if (GetParam() == "postgresql" && url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess host(bundledPlugin("ratelimit", kRateLimitConfig), "", url);
  ASSERT_TRUE(host.start()) << host.output();
  // Signing up is not counted (no token yet); the id comes from the database, not /api/auth/me.
  std::string token = host.signup("burst@example.com");
  std::string userId = userIdByEmail(host, "burst@example.com");

  int okBeforeKill = 0;
  {
    Burst burst(kRequests, kClients, [&](int) { return host.get("/api/auth/me", token); });
    ASSERT_TRUE(pollUntil([&] { return burst.answered() >= kDailyLimit / 3; }, std::chrono::seconds(30)))
        << host.output();
    host.kill9();
    burst.join();
    okBeforeKill = burst.countStatus(isSuccess);
    int unexpected = burst.countStatus([](int s) { return s > 0 && !isSuccess(s) && s != 429; });
    EXPECT_EQ(unexpected, 0) << "only 2xx and 429 are acceptable answers before the kill";
    ASSERT_LT(burst.countStatus([](int s) { return s > 0; }), kRequests) << "the kill came too late";
  }

  // Every success the client saw was counted; at most the requests in flight at the kill
  // (one per client thread) were counted without the client seeing the answer.
  int counted = requestsToday(host, userId);
  EXPECT_LE(counted, kDailyLimit);
  EXPECT_GE(counted, okBeforeKill);
  EXPECT_LE(counted - okBeforeKill, kClients);

  ASSERT_TRUE(host.start()) << host.output();
  int okAfterRestart = 0;
  for (int i = 0; i <= kDailyLimit; ++i) {
    auto r = host.get("/api/auth/me", token);
    if (r.status == 429) break;
    ASSERT_EQ(r.status, 200) << r.body;
    ++okAfterRestart;
  }
  EXPECT_EQ(okAfterRestart, kDailyLimit - counted) << "the restarted host must go on from the stored counter";
  EXPECT_EQ(host.get("/api/auth/me", token).status, 429);
  EXPECT_EQ(requestsToday(host, userId), kDailyLimit);
  EXPECT_LE(okBeforeKill + okAfterRestart, kDailyLimit);
  EXPECT_GE(okBeforeKill + okAfterRestart, kDailyLimit - kClients);
  EXPECT_EQ(host.stop(), 0) << host.output();
  if (isSqlite(host.databaseUrl())) EXPECT_EQ(sqliteIntegrityProblems(host.databaseUrl()), "");
}

INSTANTIATE_TEST_SUITE_P(Engines, KillDuringRateLimitedBurst, ::testing::Values("sqlite", "postgresql"));

}  // namespace
