// The credit ledger through the SDK service, as other plugins use it: exact under
// concurrent debits on one host, and across two hosts sharing one PostgreSQL.
#include "support/billing_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

/// Grants the user 300 credits the way production does: a paid startup_monthly invoice.
void grant300(const BillingHost& b, const std::string& userId, const std::string& tag) {
  SubscriptionFixture sub;
  sub.id = "sub_" + tag;
  sub.customer = "cus_" + tag;
  sub.userId = userId;
  ASSERT_EQ(b.webhook(subscriptionEvent("evt_sub_" + tag, "customer.subscription.created", nowUnix(), sub)).status, 200);
  InvoiceFixture invoice;
  invoice.id = "in_" + tag;
  invoice.customer = sub.customer;
  invoice.subscription = sub.id;
  ASSERT_EQ(b.webhook(invoiceEvent("evt_in_" + tag, "invoice.payment_succeeded", nowUnix(), invoice)).status, 200);
}

std::string debitBody(int amount, const std::string& reference) {
  return "{\"amount\":" + std::to_string(amount) + ",\"reference\":\"" + reference + "\"}";
}

/// 40 debits of 10 from a balance of 300, spread over the given hosts: exactly 30 succeed.
void raceDebits(const std::vector<BillingHost*>& hosts, const std::string& token, const std::string& tag) {
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i)
    threads.emplace_back([&, i] {
      auto r = hosts[i % hosts.size()]->host.post("/api/test/billing/debit", debitBody(10, tag + ":" + std::to_string(i)), token);
      (r.status == 200 ? ok : r.status == 402 ? refused : other)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 30);
  EXPECT_EQ(refused.load(), 10);
  EXPECT_EQ(other.load(), 0);
}

/// 20 grants of 50 with one idempotency key, spread over the given hosts: exactly one grants.
void raceGrants(const std::vector<BillingHost*>& hosts, const std::string& token, const std::string& key) {
  std::atomic<int> granted{0}, repeated{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      auto r = hosts[i % hosts.size()]->host.post("/api/test/billing/grant",
                                                  "{\"amount\":50,\"key\":\"" + key + "\"}", token);
      if (r.status != 200) other++;
      else (jsonField(r.body, "granted") == "true" ? granted : repeated)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 1);
  EXPECT_EQ(repeated.load(), 19);
  EXPECT_EQ(other.load(), 0);
}

void expectConsistentLedger(const BillingHost& b, const std::string& userId, const std::string& balance) {
  EXPECT_EQ(b.value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + userId + "'"), balance);
  EXPECT_EQ(b.value("SELECT CAST(SUM(amount) AS BIGINT) FROM \"Transaction\" WHERE \"userId\" = '" + userId + "'"), balance);
  EXPECT_EQ(b.count("SELECT 1 FROM \"Transaction\" WHERE \"balanceAfter\" < 0"), 0);
}

}  // namespace

class Credits : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = cc::test::createPostgresDatabase("billing_credits");
    }
  }
  FakeStripeServer stripe;
  std::string url;
};

TEST_P(Credits, ConcurrentDebitsNeverOverspend) {
  BillingHost b(billingConfig(stripe), nullptr, url);
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("spender@example.com");
  std::string user = b.userId(token);
  grant300(b, user, "c1");
  raceDebits({&b}, token, "analysis");
  expectConsistentLedger(b, user, "0");
  auto last = b.host.post("/api/test/billing/debit", debitBody(1, "analysis:extra"), token);
  EXPECT_EQ(last.status, 402);
  EXPECT_EQ(jsonField(last.body, "balance"), "0");
}

TEST_P(Credits, RepeatedDebitReferenceCountsOnceAndRefundsAreRows) {
  BillingHost b(billingConfig(stripe), nullptr, url);
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("repeat@example.com");
  std::string user = b.userId(token);
  grant300(b, user, "c2");
  EXPECT_EQ(b.host.post("/api/test/billing/debit", debitBody(100, "analysis:a1"), token).status, 200);
  auto again = b.host.post("/api/test/billing/debit", debitBody(100, "analysis:a1"), token);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(jsonField(again.body, "balance"), "200");
  auto refund = b.host.post("/api/test/billing/refund", debitBody(100, "refund:a1"), token);
  EXPECT_EQ(jsonField(refund.body, "balance"), "300");
  EXPECT_EQ(b.value("SELECT type FROM \"Transaction\" WHERE reference = 'refund:a1'"), "refund");
  // Too much: refused, nothing written.
  auto tooMuch = b.host.post("/api/test/billing/debit", debitBody(301, "analysis:big"), token);
  EXPECT_EQ(tooMuch.status, 402);
  EXPECT_EQ(b.count("SELECT 1 FROM \"Transaction\" WHERE reference = 'analysis:big'"), 0);
  expectConsistentLedger(b, user, "300");
  auto stats = b.host.get("/api/test/billing/stats");
  EXPECT_EQ(jsonField(stats.body, "plans"), "4");
}

TEST_P(Credits, ServiceFiguresForAdminAndMetrics) {
  BillingHost b(billingConfig(stripe), nullptr, url);
  ASSERT_TRUE(b.host.start()) << b.host.output();
  for (auto [n, price] : {std::pair{1, "price_startup_monthly"}, {2, "price_enterprise_annual"}}) {
    std::string token = b.host.signup("stats" + std::to_string(n) + "@example.com");
    SubscriptionFixture sub;
    sub.id = "sub_stats" + std::to_string(n);
    sub.customer = "cus_stats" + std::to_string(n);
    sub.priceId = price;
    sub.userId = b.userId(token);
    ASSERT_EQ(b.webhook(subscriptionEvent("evt_stats" + std::to_string(n), "customer.subscription.created", nowUnix(), sub)).status, 200);
  }
  auto stats = b.host.get("/api/test/billing/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(jsonField(stats.body, "active"), "2");
  EXPECT_EQ(jsonField(stats.body, "byPlan.enterprise_annual"), "1");
  EXPECT_EQ(jsonField(stats.body, "mrrCents"), std::to_string(4900 + (149900 + 6) / 12));
}

// The contract's grant (referral and promotion plugins): once per idempotency key under
// concurrent retries, in a namespace of its own, and bad keys change nothing.
TEST_P(Credits, GrantWithAnIdempotencyKeyCountsOnceUnderConcurrentRetries) {
  BillingHost b(billingConfig(stripe), nullptr, url);
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("referred@example.com");
  std::string user = b.userId(token);
  raceGrants({&b}, token, "referral:invite-1");
  expectConsistentLedger(b, user, "50");
  EXPECT_EQ(b.value("SELECT type FROM \"Transaction\" WHERE reference = 'grant:referral:invite-1'"), "grant");

  // A second key grants again.
  auto other = b.host.post("/api/test/billing/grant", R"({"amount":25,"key":"promo:winter"})", token);
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(jsonField(other.body, "granted"), "true");
  EXPECT_EQ(jsonField(other.body, "balance"), "75");

  // A key spelled like billing's own reference cannot block the invoice's plan credits.
  auto squat = b.host.post("/api/test/billing/grant", R"({"amount":1,"key":"invoice:in_c3"})", token);
  ASSERT_EQ(squat.status, 200) << squat.body;
  grant300(b, user, "c3");
  expectConsistentLedger(b, user, "376");
  EXPECT_EQ(b.count("SELECT 1 FROM \"Transaction\" WHERE reference = 'invoice:in_c3'"), 1);
}

TEST_P(Credits, GrantRefusesBadKeysAndAmountsWritingNothing) {
  BillingHost b(billingConfig(stripe), nullptr, url);
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("badgrant@example.com");
  std::string user = b.userId(token);
  const std::string longKey(201, 'k');
  for (const std::string& body : {std::string(R"({"amount":10,"key":""})"),
                                  std::string(R"({"amount":10,"key":"has space"})"),
                                  std::string(R"({"amount":10,"key":"bell\u0007"})"),
                                  std::string(R"({"amount":10,"key":"caf\u00e9"})"),
                                  R"({"amount":10,"key":")" + longKey + R"("})",
                                  std::string(R"({"amount":0,"key":"zero"})"),
                                  std::string(R"({"amount":-5,"key":"negative"})")}) {
    auto r = b.host.post("/api/test/billing/grant", body, token);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty()) << r.body;
  }
  EXPECT_EQ(b.count("SELECT 1 FROM \"Transaction\" WHERE \"userId\" = '" + user + "'"), 0);
  EXPECT_EQ(b.count("SELECT 1 FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"), 0);
  // Exactly 200 characters is a key.
  const std::string longest(200, 'k');
  auto ok = b.host.post("/api/test/billing/grant", R"({"amount":10,"key":")" + longest + R"("})", token);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(jsonField(ok.body, "balance"), "10");
}

INSTANTIATE_TEST_SUITE_P(Engines, Credits, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(CreditsTwoHosts, ExactAcrossHostsSharingOnePostgres) {
  if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  std::string url = cc::test::createPostgresDatabase("billing_two_hosts");
  FakeStripeServer stripe;
  BillingHost a(billingConfig(stripe), nullptr, url), b(billingConfig(stripe), nullptr, url);
  ASSERT_TRUE(a.host.start()) << a.host.output();
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = a.host.signup("twohosts@example.com");
  std::string user = a.userId(token);

  // The same webhook delivered to both hosts at once (Stripe retrying while the first is
  // still running): one grant, one mail.
  SubscriptionFixture sub;
  sub.id = "sub_two";
  sub.customer = "cus_two";
  sub.userId = user;
  ASSERT_EQ(a.webhook(subscriptionEvent("evt_two_sub", "customer.subscription.created", nowUnix(), sub)).status, 200);
  InvoiceFixture invoice;
  invoice.id = "in_two";
  invoice.customer = sub.customer;
  invoice.subscription = sub.id;
  std::string paid = invoiceEvent("evt_two_paid", "invoice.payment_succeeded", nowUnix(), invoice);
  std::vector<std::thread> deliveries;
  std::atomic<int> ok{0};
  for (int i = 0; i < 10; ++i)
    deliveries.emplace_back([&, i] { ok += (i % 2 ? a : b).webhook(paid).status == 200; });
  for (auto& t : deliveries) t.join();
  EXPECT_EQ(ok.load(), 10);
  EXPECT_EQ(a.count("SELECT 1 FROM \"Transaction\" WHERE \"userId\" = '" + user + "'"), 1);
  EXPECT_EQ(a.count("SELECT 1 FROM mail_outbox WHERE \"dedupeKey\" = 'stripe:evt_two_paid'"), 1);

  raceDebits({&a, &b}, token, "analysis2");
  expectConsistentLedger(a, user, "0");

  // A referral grant retried on both hosts at once: granted once.
  raceGrants({&a, &b}, token, "referral:two-hosts");
  expectConsistentLedger(a, user, "50");
}
