// POST /api/subscriptions/portal and GET /api/subscriptions/invoices against the real host and
// the fake Stripe API: what Stripe receives (customer, return_url, limit, starting_after), what
// the caller gets back, Stripe's failures as the caller sees them, and bad input answered 4xx
// without a call to Stripe.
#include "support/billing_host.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

const std::string kReturnUrl = "https://app.test/account?from=portal&tab=billing";

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
  return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string invoiceJson(const std::string& id, const std::string& customer, long long created, long long amountPaid,
                        const std::string& status = "paid") {
  return R"({"id":")" + id + R"(","object":"invoice","customer":")" + customer + R"(","number":"NR-)" + id +
         R"(","status":")" + status + R"(","amount_due":)" + std::to_string(amountPaid) + R"(,"amount_paid":)" +
         std::to_string(amountPaid) + R"(,"currency":"usd","created":)" + std::to_string(created) +
         R"(,"hosted_invoice_url":"https://invoice.stripe.com/i/)" + id + R"(","invoice_pdf":"https://pay.stripe.com/invoice/)" +
         id + R"(/pdf","livemode":false})";
}

class SelfService : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stripe_ = new FakeStripeServer;
    // With the audit plugin: every self-service route is on the audit trail.
    billing_ = new BillingHost(billingConfig(*stripe_, ", portal_return_url: '" + kReturnUrl + "'"), nullptr, "",
                               cc::test::bundledPlugin("audit"));
    ASSERT_TRUE(billing_->host.start()) << billing_->host.output();
  }
  static void TearDownTestSuite() {
    billing_->host.stop();
    delete billing_;
    delete stripe_;
  }
  void SetUp() override {
    token = billing_->host.signup("self" + std::to_string(nextId()) + "@example.com");
    user = billing_->userId(token);
  }
  /// Subscribes through the API, which creates the user's Stripe customer; returns its id.
  std::string subscribe() {
    auto r = billing_->host.post("/api/subscriptions/create", R"({"planId":"startup_monthly"})", token);
    EXPECT_EQ(r.status, 201) << r.body;
    return billing_->value("SELECT \"customerId\" FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'");
  }
  cc::test::HttpResult portal(const std::string& body = "{}") {
    return billing_->host.post("/api/subscriptions/portal", body, token);
  }
  cc::test::HttpResult invoices(const std::string& query = "") {
    return billing_->host.get("/api/subscriptions/invoices" + query, token);
  }

  /// This user's audit rows of `action`, as "severity:resourceType:metadata", oldest first.
  std::vector<std::string> audited(const std::string& action) {
    const std::string rows = "FROM \"AuditLog\" WHERE action = '" + action + "' AND \"userId\" = '" + user + "'";
    std::vector<std::string> out;
    int n = billing_->count("SELECT 1 " + rows);
    for (int i = 0; i < n; ++i)
      out.push_back(billing_->value("SELECT severity || ':' || \"resourceType\" || ':' || metadata " + rows +
                                    " ORDER BY id LIMIT 1 OFFSET " + std::to_string(i)));
    return out;
  }

  static FakeStripeServer* stripe_;
  static BillingHost* billing_;
  std::string token, user;
};
FakeStripeServer* SelfService::stripe_ = nullptr;
BillingHost* SelfService::billing_ = nullptr;

}  // namespace

TEST_F(SelfService, PortalOpensAStripeSessionForTheCallersCustomer) {
  std::string customer = subscribe();
  ASSERT_FALSE(customer.empty());
  auto before = stripe_->requests("POST", "/v1/billing_portal/sessions").size();
  auto r = portal();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "url").rfind("https://billing.stripe.com/p/session/", 0), 0u) << r.body;

  auto sent = stripe_->requests("POST", "/v1/billing_portal/sessions");
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().field("customer"), customer);
  EXPECT_EQ(sent.back().field("return_url"), kReturnUrl);  // form-encoded on the wire, decoded by the fake
  EXPECT_NE(sent.back().body.find("return_url=https%3A%2F%2Fapp.test"), std::string::npos) << sent.back().body;
  EXPECT_EQ(sent.back().header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_FALSE(sent.back().header("Idempotency-Key").empty());
  EXPECT_EQ(sent.back().form.size(), 2u) << sent.back().body;  // nothing of the caller's body goes to Stripe
}

TEST_F(SelfService, PortalIgnoresAReturnUrlInTheBody) {
  subscribe();
  auto r = portal(R"({"return_url":"https://evil.test/","returnUrl":"https://evil.test/"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stripe_->requests("POST", "/v1/billing_portal/sessions").back().field("return_url"), kReturnUrl);
}

TEST_F(SelfService, PortalWithoutAStripeCustomerIs409AndReachesNoStripe) {
  auto before = stripe_->requests().size();
  auto r = portal();
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(jsonField(r.body, "error").find("subscribe first"), std::string::npos) << r.body;
  EXPECT_EQ(stripe_->requests().size(), before);
  EXPECT_EQ(billing_->count("SELECT 1 FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), 0);
}

TEST_F(SelfService, PortalAndInvoicesNeedAToken) {
  auto before = stripe_->requests().size();
  auto p = billing_->host.post("/api/subscriptions/portal", "{}");
  EXPECT_EQ(p.status, 401);
  EXPECT_FALSE(jsonField(p.body, "error").empty());
  auto i = billing_->host.get("/api/subscriptions/invoices");
  EXPECT_EQ(i.status, 401);
  EXPECT_FALSE(jsonField(i.body, "error").empty());
  EXPECT_EQ(billing_->host.post("/api/subscriptions/portal", "{}", "not-a-token").status, 401);
  EXPECT_EQ(stripe_->requests().size(), before);
}

TEST_F(SelfService, PortalMapsStripeErrorsLikeTheOtherRoutes) {
  subscribe();
  // Stripe's answer in test mode before the portal is saved in the dashboard: our setup, not
  // the caller's fault.
  stripe_->failNext(ScriptedFailure{400, "invalid_request_error", "",
                                    "You can't create a portal session in test mode until you save your customer "
                                    "portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal."});
  auto setup = portal();
  EXPECT_EQ(setup.status, 502) << setup.body;
  EXPECT_NE(jsonField(setup.body, "error").find("payment provider rejected the request"), std::string::npos) << setup.body;

  stripe_->failNext(ScriptedFailure{429, "invalid_request_error", "rate_limit", "Too many requests"});
  auto busy = portal();
  EXPECT_EQ(busy.status, 503) << busy.body;
  EXPECT_EQ(busy.header("Retry-After"), "5");

  stripe_->failNext(ScriptedFailure{500}, 4);  // the first try and max_retries (3) retries
  auto down = portal();
  EXPECT_EQ(down.status, 502) << down.body;
  EXPECT_NE(jsonField(down.body, "error").find("try again later"), std::string::npos) << down.body;

  EXPECT_EQ(portal().status, 200);  // and it works again once Stripe does
}

TEST_F(SelfService, PortalForACustomerStripeDoesNotKnowIs502) {
  // A customer linked by a webhook of another Stripe account (or deleted in the dashboard).
  SubscriptionFixture f;
  f.id = "sub_unknown_" + std::to_string(nextId());
  f.customer = "cus_unknown_" + std::to_string(nextId());
  f.userId = user;
  ASSERT_EQ(billing_->webhook(subscriptionEvent("evt_" + f.id, "customer.subscription.created", nowUnix(), f)).status, 200);
  auto r = portal();
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(jsonField(r.body, "error").find("resource_missing"), std::string::npos) << r.body;
  EXPECT_EQ(stripe_->requests("POST", "/v1/billing_portal/sessions").back().field("customer"), f.customer);
}

TEST_F(SelfService, InvoicesOfAUserWithoutCustomerAreEmptyAndReachNoStripe) {
  auto before = stripe_->requests().size();
  auto r = invoices();
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = parseObject(r.body);
  EXPECT_EQ(o->getArray("invoices")->size(), 0u);
  EXPECT_FALSE(o->getValue<bool>("hasMore"));
  EXPECT_TRUE(o->isNull("nextCursor"));
  EXPECT_EQ(stripe_->requests().size(), before);
}

TEST_F(SelfService, InvoicesAreTheCallersNewestFirstWithTheirFields) {
  std::string customer = subscribe();
  std::string tag = std::to_string(nextId());
  stripe_->addInvoice(invoiceJson("in_old" + tag, customer, 1736899200, 4900));
  stripe_->addInvoice(invoiceJson("in_new" + tag, customer, 1739577600, 14900));
  stripe_->addInvoice(invoiceJson("in_other" + tag, "cus_someone_else", 1739577700, 100));
  auto draft = parseObject(invoiceJson("in_draft" + tag, customer, 1739577650, 0, "draft"));
  draft->set("number", Poco::Dynamic::Var());
  draft->set("hosted_invoice_url", Poco::Dynamic::Var());
  draft->set("invoice_pdf", Poco::Dynamic::Var());
  std::ostringstream draftText;
  draft->stringify(draftText);
  stripe_->addInvoice(draftText.str());

  auto r = invoices();
  ASSERT_EQ(r.status, 200) << r.body;
  auto sent = stripe_->requests("GET", "/v1/invoices").back();
  EXPECT_EQ(sent.field("customer"), customer);
  EXPECT_EQ(sent.field("limit"), "10");
  EXPECT_FALSE(sent.hasField("starting_after"));

  auto o = parseObject(r.body);
  auto list = o->getArray("invoices");
  ASSERT_EQ(list->size(), 3u) << r.body;
  auto draftOut = list->getObject(0);
  EXPECT_EQ(draftOut->getValue<std::string>("id"), "in_draft" + tag);
  EXPECT_TRUE(draftOut->isNull("number"));
  EXPECT_TRUE(draftOut->isNull("hostedInvoiceUrl"));
  EXPECT_TRUE(draftOut->isNull("pdfUrl"));
  auto newest = list->getObject(1);
  EXPECT_EQ(newest->getValue<std::string>("id"), "in_new" + tag);
  EXPECT_EQ(newest->getValue<std::string>("number"), "NR-in_new" + tag);
  EXPECT_EQ(newest->getValue<std::string>("status"), "paid");
  EXPECT_EQ(newest->getValue<long long>("amountPaidCents"), 14900);
  EXPECT_EQ(newest->getValue<std::string>("currency"), "usd");
  EXPECT_EQ(newest->getValue<std::string>("createdAt"), "2025-02-15T00:00:00.000Z");
  EXPECT_EQ(newest->getValue<std::string>("hostedInvoiceUrl"), "https://invoice.stripe.com/i/in_new" + tag);
  EXPECT_EQ(newest->getValue<std::string>("pdfUrl"), "https://pay.stripe.com/invoice/in_new" + tag + "/pdf");
  EXPECT_EQ(list->getObject(2)->getValue<std::string>("id"), "in_old" + tag);
  EXPECT_EQ(r.body.find("in_other"), std::string::npos) << r.body;
  EXPECT_FALSE(o->getValue<bool>("hasMore"));
  EXPECT_TRUE(o->isNull("nextCursor"));
}

TEST_F(SelfService, InvoicesPageWithStripesLimitAndStartingAfter) {
  std::string customer = subscribe();
  std::string tag = std::to_string(nextId());
  for (int i = 1; i <= 5; ++i)
    stripe_->addInvoice(invoiceJson("in_p" + tag + "n" + std::to_string(i), customer, 1736899200 + i, 4900));

  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 3; ++page) {
    auto r = invoices("?limit=2" + (cursor.empty() ? std::string() : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    auto sent = stripe_->requests("GET", "/v1/invoices").back();
    EXPECT_EQ(sent.field("limit"), "2");
    EXPECT_EQ(sent.field("starting_after"), cursor);
    auto o = parseObject(r.body);
    auto list = o->getArray("invoices");
    for (std::size_t i = 0; i < list->size(); ++i) seen.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    bool last = page == 2;
    EXPECT_EQ(o->getValue<bool>("hasMore"), !last) << r.body;
    if (last) {
      EXPECT_TRUE(o->isNull("nextCursor"));
    } else {
      cursor = o->getValue<std::string>("nextCursor");
      EXPECT_EQ(cursor, seen.back());
    }
  }
  std::vector<std::string> expected;
  for (int i = 5; i >= 1; --i) expected.push_back("in_p" + tag + "n" + std::to_string(i));
  EXPECT_EQ(seen, expected);
}

TEST_F(SelfService, AnotherCustomersInvoiceInStripesAnswerIsNeverShown) {
  std::string customer = subscribe();
  std::string tag = std::to_string(nextId());
  // Newer than every other test's invoices, so these two are the top of the (shared) list.
  stripe_->addInvoice(invoiceJson("in_mine" + tag, customer, 2000000000, 4900));
  stripe_->addInvoice(invoiceJson("in_theirs" + tag, "cus_theirs" + tag, 2000000100, 14900));
  stripe_->setInvoiceListIgnoresCustomer(true);
  auto r = invoices("?limit=100");
  // One at a time: the first Stripe page holds only theirs (the newest); the cursor still
  // moves past it, so the next page brings the caller's own.
  auto first = invoices("?limit=1");
  auto second = first.status == 200 ? invoices("?limit=1&cursor=" + parseObject(first.body)->getValue<std::string>("nextCursor"))
                                     : first;
  stripe_->setInvoiceListIgnoresCustomer(false);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("in_mine" + tag), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("in_theirs" + tag), std::string::npos) << r.body;
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(parseObject(first.body)->getArray("invoices")->size(), 0u) << first.body;
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(second.body.find("in_mine" + tag), std::string::npos) << second.body;
  EXPECT_TRUE(billing_->host.waitForOutput("held invoice in_theirs" + tag + " of another customer"));
}

TEST_F(SelfService, BadInvoiceQueryIs400AndReachesNoStripe) {
  subscribe();
  auto before = stripe_->requests().size();
  for (const char* q : {"?limit=0", "?limit=101", "?limit=-1", "?limit=abc", "?limit=1.5", "?limit=99999999999999",
                        "?cursor=nope", "?cursor=in_", "?cursor=in_x%27%20OR%201%3D1", "?cursor=in_a%26limit%3D100",
                        "?cursor=cus_123"}) {
    auto r = invoices(q);
    EXPECT_EQ(r.status, 400) << q << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty()) << q;
  }
  EXPECT_EQ(invoices("?cursor=" + std::string(300, 'a')).status, 400);
  EXPECT_EQ(stripe_->requests().size(), before);
}

TEST_F(SelfService, InvoiceListFailuresAreMappedLikeTheOtherRoutes) {
  subscribe();
  stripe_->failNext(ScriptedFailure{500}, 4);
  auto down = invoices();
  EXPECT_EQ(down.status, 502) << down.body;
  EXPECT_FALSE(jsonField(down.body, "error").empty());
  // A cursor Stripe does not know (an invoice deleted meanwhile): Stripe's 404 is upstream's.
  auto unknown = invoices("?cursor=in_gone123");
  EXPECT_EQ(unknown.status, 502) << unknown.body;
  EXPECT_NE(jsonField(unknown.body, "error").find("resource_missing"), std::string::npos) << unknown.body;
}

TEST_F(SelfService, EverySelfServiceCallIsAuditedWithoutThePortalUrl) {
  // Before any customer exists: the invoice list (empty, Stripe not asked) and the ledger.
  ASSERT_EQ(invoices().status, 200);
  ASSERT_EQ(billing_->host.get("/api/credits", token).status, 200);
  subscribe();
  auto p = portal();
  ASSERT_EQ(p.status, 200) << p.body;
  std::string url = jsonField(p.body, "url");
  ASSERT_FALSE(url.empty());
  stripe_->addInvoice(invoiceJson("in_audit" + std::to_string(nextId()), billing_->value(
      "SELECT \"customerId\" FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), 1700000000, 4900));
  ASSERT_EQ(invoices().status, 200);
  // A refused call (bad limit) is no read: nothing is recorded for it.
  ASSERT_EQ(billing_->host.get("/api/credits?limit=0", token).status, 400);

  ASSERT_TRUE(waitUntil([&] {
    return audited("billing.portal_session_created").size() == 1 && audited("billing.invoices_listed").size() == 2 &&
           audited("billing.credits_listed").size() == 1;
  })) << billing_->host.output();
  auto portalRow = audited("billing.portal_session_created")[0];
  EXPECT_EQ(portalRow.rfind("info:payment:", 0), 0u) << portalRow;
  EXPECT_EQ(portalRow.find(url), std::string::npos) << "the portal URL is a login link: " << portalRow;
  EXPECT_EQ(billing_->count("SELECT 1 FROM \"AuditLog\" WHERE metadata LIKE '%billing.stripe.com%'"), 0);
  auto lists = audited("billing.invoices_listed");
  EXPECT_NE(lists[0].find("\"count\":0"), std::string::npos) << lists[0];
  EXPECT_NE(lists[1].find("\"count\":1"), std::string::npos) << lists[1];
  EXPECT_EQ(audited("billing.credits_listed")[0].rfind("info:payment:", 0), 0u);
}

TEST(SelfServiceUnconfigured, PortalAndInvoicesAnswer503WithoutASecretKey) {
  BillingHost billing("{ secret_key: '', webhook_secret: '' }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  std::string token = billing.host.signup("unconfigured-self@example.com");
  auto p = billing.host.post("/api/subscriptions/portal", "{}", token);
  EXPECT_EQ(p.status, 503) << p.body;
  EXPECT_EQ(jsonField(p.body, "error"), "billing is not configured");
  auto i = billing.host.get("/api/subscriptions/invoices", token);
  EXPECT_EQ(i.status, 503) << i.body;
  EXPECT_EQ(jsonField(i.body, "error"), "billing is not configured");
}

TEST(SelfServiceConfig, ARelativePortalReturnUrlStopsTheHost) {
  FakeStripeServer stripe;
  BillingHost billing(billingConfig(stripe, ", portal_return_url: '/account'"));
  EXPECT_FALSE(billing.host.start());
  EXPECT_NE(billing.host.output().find("portal_return_url"), std::string::npos) << billing.host.output();
  EXPECT_NE(billing.host.output().find("must be an absolute URL"), std::string::npos) << billing.host.output();
}
