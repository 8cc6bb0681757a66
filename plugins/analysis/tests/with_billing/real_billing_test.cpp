// The analysis plugin against the real billing plugin: credits granted the way production
// grants them (signed Stripe webhooks: a startup subscription and its paid invoice), debited
// and refunded through billing's "Transaction" ledger, exact under 100 concurrent runs.
#include "analysis_host.hpp"
#include "support/fake_stripe_server.hpp"
#include "support/stripe_webhooks.hpp"

#include <atomic>
#include <thread>

using namespace analysistest;
using namespace cc::billing::test;
using cc::test::jsonField;
using cc::test::queryStrings;

namespace {

const std::string kSecret = "whsec_analysis_test";

class RealBilling : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = databaseFor(GetParam(), "analysis_real_billing");
    if (GetParam() == "postgresql" && url_.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  }

  std::string pluginsWith(const std::string& analysisConfig) const {
    return cc::test::bundledPlugin("billing", "{ secret_key: sk_test_123, webhook_secret: '" + kSecret +
                                                  "', api_base: '" + stripe_.baseUrl() + "' }") +
           probeEntry() + cc::test::bundledPlugin("analysis", analysisConfig);
  }

  // 300 credits and tier 'startup', as a paid startup_monthly invoice gives them.
  void grant300(const HostProcess& host, const std::string& userId) {
    auto send = [&](const std::string& payload) {
      auto r = cc::test::http(host.port(), "POST", "/api/billing/stripe/webhook", payload,
                              {{"Stripe-Signature", signatureHeader(payload, kSecret, nowUnix())}});
      ASSERT_EQ(r.status, 200) << r.body;
    };
    SubscriptionFixture sub;
    sub.id = "sub_" + userId;
    sub.customer = "cus_" + userId;
    sub.userId = userId;
    send(subscriptionEvent("evt_sub_" + userId, "customer.subscription.created", nowUnix(), sub));
    InvoiceFixture invoice;
    invoice.id = "in_" + userId;
    invoice.customer = sub.customer;
    invoice.subscription = sub.id;
    send(invoiceEvent("evt_in_" + userId, "invoice.payment_succeeded", nowUnix(), invoice));
  }

  static std::string balanceOf(const std::string& db, const std::string& userId) {
    auto rows = queryStrings(db, "SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = " + sqlQuote(userId));
    return rows.empty() ? "" : rows[0];
  }

  FakeStripeServer stripe_;
  std::string url_;
};

}  // namespace

TEST_P(RealBilling, RunsAreDebitedExactlyAndTierComesFromTheSubscription) {
  HostProcess host(pluginsWith("{ credits_per_run: 7, large_code_bytes: 1000000, credits_per_large_run: 7 }"), "",
                   url_);
  ASSERT_TRUE(host.start()) << host.output();
  Account user = signup(host, "subscriber@example.com");
  grant300(host, user.id);
  std::string db = host.databaseUrl();
  ASSERT_EQ(balanceOf(db, user.id), "300");

  auto first = analyze(host, user.token, codeBody("int x; // TODO\n"));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(jsonField(first.body, "tier"), "startup") << "billing keeps \"User\".tier in step";
  EXPECT_EQ(jsonField(first.body, "creditsRemaining"), "293");
  std::string id = jsonField(first.body, "id");
  EXPECT_EQ(queryStrings(db, "SELECT CAST(amount AS TEXT) FROM \"Transaction\" WHERE reference = 'analysis:" + id + "'"),
            std::vector<std::string>{"-7"});

  // 100 at once against 293 credits at 7 each: exactly 41 complete, 6 credits stay.
  std::atomic<int> created{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i)
    threads.emplace_back([&, i] {
      auto r = analyze(host, user.token, codeBody("int v" + std::to_string(i) + ";\n"));
      (r.status == 201 ? created : r.status == 402 ? refused : other)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 41);
  EXPECT_EQ(refused.load(), 59);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(balanceOf(db, user.id), "6");
  EXPECT_EQ(queryStrings(db, "SELECT CAST(SUM(amount) AS TEXT) FROM \"Transaction\" WHERE \"userId\" = " +
                                 sqlQuote(user.id)),
            std::vector<std::string>{"6"});
  EXPECT_EQ(count(db, "\"Transaction\" WHERE type = 'debit'"), 42);
  EXPECT_EQ(count(db, "\"Analysis\" WHERE status = 'completed'"), 42);
  EXPECT_EQ(host.stop(), 0);
}

TEST_P(RealBilling, AFailedRunIsRefundedWithACompensatingTransaction) {
  HostProcess host(pluginsWith("{ analyzer: gemini, gemini: { api_key: k, api_base: 'http://127.0.0.1:" +
                               std::to_string(cc::test::freePort()) + "', max_attempts: 1 } }"),
                   "", url_);
  ASSERT_TRUE(host.start()) << host.output();
  Account user = signup(host, "unlucky@example.com");
  grant300(host, user.id);
  auto r = analyze(host, user.token, codeBody("x = 1\n"));
  ASSERT_EQ(r.status, 502) << r.body;
  std::string id = jsonField(r.body, "analysis.id");
  std::string db = host.databaseUrl();
  EXPECT_EQ(balanceOf(db, user.id), "300");
  EXPECT_EQ(queryStrings(db, "SELECT type || ':' || CAST(amount AS TEXT) FROM \"Transaction\" WHERE reference LIKE"
                             " 'analysis:" + id + "%' ORDER BY id"),
            (std::vector<std::string>{"debit:-1", "refund:1"}));
  EXPECT_EQ(host.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, RealBilling, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
