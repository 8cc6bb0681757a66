// Dunning end to end on the real host (docs/billing.md, "Dunning"), on SQLite and PostgreSQL:
// a failed renewal mails a link to the app's billing page, a renewal that needs 3-D Secure
// mails Stripe's hosted invoice page (only an https link), and a subscription that lapses
// for non-payment drops the user to the free tier at once with a mail of its own. Each mail
// once per event under redelivery, reordering and two hosts on one PostgreSQL.
#include "src/dunning.hpp"
#include "support/billing_host.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

using namespace cc::billing::test;
using cc::test::FakeSmtpServer;
using cc::test::jsonField;

namespace {

const std::string kBillingPage = "https://app.example.com/billing";
const std::string kHostedInvoice = "https://invoice.stripe.com/i/acct_1Dunning/test_YWNjdF8xRHVubmluZw";

std::string billingConfigFor(const FakeStripeServer& stripe) {
  return billingConfig(stripe, ", portal_return_url: '" + kBillingPage + "'");
}

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

/// The event with `data.object.<key>` set to `value` (fields the fixtures do not write).
std::string withObjectField(const std::string& event, const std::string& key, const Poco::Dynamic::Var& value) {
  Poco::JSON::Object::Ptr root = Poco::JSON::Parser().parse(event).extract<Poco::JSON::Object::Ptr>();
  root->getObject("data")->getObject("object")->set(key, value);
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(root, out);
  return out.str();
}

std::string withCancellationReason(const std::string& event, const std::string& reason) {
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object;
  details->set("reason", reason);
  return withObjectField(event, "cancellation_details", details);
}

struct Engine {
  FakeStripeServer stripe;
  FakeSmtpServer smtp;
  std::unique_ptr<BillingHost> billing;
};

class Dunning : public ::testing::TestWithParam<std::string> {
 protected:
  static std::map<std::string, std::unique_ptr<Engine>>& engines() {
    static std::map<std::string, std::unique_ptr<Engine>> shared;
    return shared;
  }
  static void TearDownTestSuite() {
    for (auto& [name, engine] : engines()) engine->billing->host.stop();
    engines().clear();
  }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    auto& engine = engines()[GetParam()];
    if (!engine) {
      engine = std::make_unique<Engine>();
      std::string url = GetParam() == "postgresql" ? cc::test::createPostgresDatabase("billing_dunning") : "";
      engine->billing = std::make_unique<BillingHost>(billingConfigFor(engine->stripe), &engine->smtp, url,
                                                      cc::test::bundledPlugin("audit"));
      if (!engine->billing->host.start()) {
        std::string output = engine->billing->host.output();
        engines().erase(GetParam());
        FAIL() << "the billing host did not start:\n" << output;
      }
    }
    e = engine.get();
    b = e->billing.get();
    n = std::to_string(nextId()) + "_" + std::to_string(nowUnix());
    email = "dunning" + n + "@example.com";
    token = b->host.signup(email);
    user = b->userId(token);
    sub.id = "sub_dun" + n;
    sub.customer = "cus_dun" + n;
    sub.itemId = "si_dun" + n;
    sub.userId = user;
    invoice.id = "in_dun" + n;
    invoice.customer = sub.customer;
    invoice.subscription = sub.id;
  }

  std::string evt(const std::string& name) const { return "evt_" + name + "_" + n; }
  std::string deliver(const std::string& payload, BillingHost* host = nullptr) {
    auto r = (host ? host : b)->webhook(payload);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? jsonField(r.body, "outcome") : "";
  }
  /// An active Startup subscription created at `t`: the user's tier is "startup".
  void subscribe(std::int64_t t) {
    sub.status = "active";
    ASSERT_EQ(deliver(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub)), "applied");
    ASSERT_EQ(tier(), "startup");
  }
  std::string tier() { return jsonField(b->host.get("/api/auth/me", token).body, "user.tier"); }
  std::string status() { return b->value("SELECT status FROM \"Subscription\" WHERE id = '" + sub.id + "'"); }
  /// Mails queued for this test's user with `subject` (the outbox row is written in the
  /// event's transaction, so this is exact as soon as the webhook has answered).
  int queued(const std::string& subject) {
    return b->count("SELECT 1 FROM mail_outbox WHERE recipient = '" + email + "' AND subject = '" + subject + "'");
  }
  /// The mails with `subject` that reached the SMTP server for this test's user, once the
  /// outbox has delivered all `expected` of them.
  std::vector<cc::test::ReceivedMail> delivered(const std::string& subject, std::size_t expected) {
    std::vector<cc::test::ReceivedMail> out;
    waitUntil([&] {
      out.clear();
      for (auto& m : e->smtp.messages())
        if (m.subject == subject && m.recipients.size() == 1 && m.recipients[0] == email) out.push_back(m);
      return out.size() >= expected;
    }, std::chrono::seconds(20));
    return out;
  }
  int audited(const std::string& action) {
    return b->count("SELECT 1 FROM \"AuditLog\" WHERE action = '" + action + "' AND \"userId\" = '" + user + "'");
  }
  /// "severity:resourceType:resourceId" of the user's first row for `action`.
  std::string auditRow(const std::string& action) {
    return b->value("SELECT severity || ':' || \"resourceType\" || ':' || \"resourceId\" FROM \"AuditLog\" WHERE action = '" +
                    action + "' AND \"userId\" = '" + user + "' ORDER BY id");
  }

  Engine* e = nullptr;
  BillingHost* b = nullptr;
  std::string n, email, token, user;
  SubscriptionFixture sub;
  InvoiceFixture invoice;
};

const std::string kFailedSubject = "Payment failed";
const std::string kConfirmSubject = "Please confirm your payment";
const std::string kSuspendedSubject = "Your subscription is suspended: payment failed";
const std::string kCanceledForNonPaymentSubject = "Your subscription was canceled: payment failed";
const std::string kEndedSubject = "Your subscription has ended";

}  // namespace

TEST_P(Dunning, FailedRenewalMailsTheBillingPageOnce) {
  std::int64_t t = nowUnix();
  subscribe(t);
  invoice.billingReason = "subscription_cycle";
  invoice.declineCode = "insufficient_funds";
  std::string failed = invoiceEvent(evt("failed"), "invoice.payment_failed", t + 1, invoice);
  EXPECT_EQ(deliver(failed), "applied");
  EXPECT_EQ(deliver(failed), "duplicate");
  EXPECT_EQ(queued(kFailedSubject), 1);

  auto mails = delivered(kFailedSubject, 1);
  ASSERT_EQ(mails.size(), 1u) << b->host.output();
  // The app's billing page, where "Manage billing" opens a fresh portal session; never a
  // portal session URL, which would have expired by the time the mail is read.
  EXPECT_NE(mails[0].body.find("\n  " + kBillingPage + "\n"), std::string::npos) << mails[0].body;
  EXPECT_EQ(mails[0].body.find("billing.stripe.com"), std::string::npos) << mails[0].body;

  // The very first payment's failure still mails nothing: the customer is in the payment form.
  InvoiceFixture first = invoice;
  first.id = "in_dun_first" + n;
  first.billingReason = "subscription_create";
  EXPECT_EQ(deliver(invoiceEvent(evt("first_failed"), "invoice.payment_failed", t + 2, first)), "applied");
  EXPECT_EQ(queued(kFailedSubject), 1);
}

TEST_P(Dunning, ActionRequiredMailsTheHostedInvoicePageOnce) {
  std::int64_t t = nowUnix();
  subscribe(t);
  std::string event = withObjectField(invoiceEvent(evt("action"), "invoice.payment_action_required", t + 1, invoice),
                                      "hosted_invoice_url", kHostedInvoice);
  EXPECT_EQ(deliver(event), "applied");
  EXPECT_EQ(deliver(event), "duplicate");
  EXPECT_EQ(queued(kConfirmSubject), 1);
  auto mails = delivered(kConfirmSubject, 1);
  ASSERT_EQ(mails.size(), 1u) << b->host.output();
  EXPECT_NE(mails[0].body.find("\n  " + kHostedInvoice + "\n"), std::string::npos) << mails[0].body;
  EXPECT_NE(mails[0].body.find("49.00 USD"), std::string::npos) << mails[0].body;
  EXPECT_TRUE(waitUntil([&] { return audited("billing.payment_action_required") == 1; })) << b->host.output();
  EXPECT_EQ(auditRow("billing.payment_action_required"), "warning:payment:" + invoice.id);
  EXPECT_EQ(tier(), "startup");  // authentication pending changes no access
}

TEST_P(Dunning, ActionRequiredWithoutAnHttpsLinkMailsNothingAndLogs) {
  std::int64_t t = nowUnix();
  subscribe(t);
  const std::vector<std::string> badUrls = {
      "http://invoice.stripe.com/i/acct_1/plain_http",
      "javascript:alert(1)//https://invoice.stripe.com/",
      "https://invoice.stripe.com/i/acct_1/x\r\nBcc: victim@example.com",
      "https://invoice.stripe.com@evil.example/i/acct_1/userinfo",
      "https:///no-host",
      "HTTPS://INVOICE.STRIPE.COM/upper\x7f",
      "",
  };
  for (std::size_t i = 0; i < badUrls.size(); ++i) {
    InvoiceFixture inv = invoice;
    inv.id = "in_dun_bad" + std::to_string(i) + "_" + n;
    std::string id = evt("bad_url" + std::to_string(i));
    std::string event =
        withObjectField(invoiceEvent(id, "invoice.payment_action_required", t + 1, inv), "hosted_invoice_url", badUrls[i]);
    EXPECT_EQ(deliver(event), "applied") << badUrls[i];
    EXPECT_TRUE(b->host.waitForOutput("stripe event " + id + ": invoice " + inv.id +
                                      " needs authentication but its hosted_invoice_url is "))
        << badUrls[i] << "\n" << b->host.output();
  }
  // A missing field reads as missing, not as a bad link.
  InvoiceFixture absent = invoice;
  absent.id = "in_dun_absent" + n;
  EXPECT_EQ(deliver(invoiceEvent(evt("no_url"), "invoice.payment_action_required", t + 2, absent)), "applied");
  EXPECT_TRUE(b->host.waitForOutput("stripe event " + evt("no_url") + ": invoice " + absent.id +
                                    " needs authentication but its hosted_invoice_url is missing; no mail sent"))
      << b->host.output();
  EXPECT_EQ(queued(kConfirmSubject), 0);
  // The link is not repeated in the log: it is hostile text, not a log line.
  EXPECT_EQ(b->host.output().find("victim@example.com"), std::string::npos);
  EXPECT_EQ(b->host.output().find("javascript:alert"), std::string::npos);
  // Still recorded for the audit log, with mailed = false.
  EXPECT_TRUE(waitUntil([&] { return audited("billing.payment_action_required") == static_cast<int>(badUrls.size()) + 1; }))
      << b->host.output();
}

TEST_P(Dunning, UnpaidDropsToTheFreeTierAtOnceAndOlderEventsDoNotRestoreIt) {
  std::int64_t t = nowUnix();
  subscribe(t);
  sub.status = "unpaid";
  std::string unpaid = subscriptionEvent(evt("unpaid"), "customer.subscription.updated", t + 3, sub);
  EXPECT_EQ(deliver(unpaid), "applied");
  EXPECT_EQ(tier(), "free");  // at once, in the event's transaction
  EXPECT_EQ(deliver(unpaid), "duplicate");

  // Stripe's earlier updates arrive late: an older past_due, an older active. Neither is
  // applied, so neither gives access back, nor mails.
  sub.status = "past_due";
  EXPECT_EQ(deliver(subscriptionEvent(evt("late_past_due"), "customer.subscription.updated", t + 2, sub)), "stale");
  sub.status = "active";
  EXPECT_EQ(deliver(subscriptionEvent(evt("late_active"), "customer.subscription.updated", t + 1, sub)), "stale");
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(status(), "unpaid");

  EXPECT_EQ(queued(kSuspendedSubject), 1);
  EXPECT_EQ(queued("Your subscription was updated"), 0);  // the suspension replaces the ordinary notice
  auto mails = delivered(kSuspendedSubject, 1);
  ASSERT_EQ(mails.size(), 1u) << b->host.output();
  EXPECT_NE(mails[0].body.find("back on the free tier"), std::string::npos) << mails[0].body;
  EXPECT_NE(mails[0].body.find("\n  " + kBillingPage + "\n"), std::string::npos) << mails[0].body;
  EXPECT_TRUE(waitUntil([&] { return audited("billing.subscription_lapsed") == 1; })) << b->host.output();
  EXPECT_EQ(auditRow("billing.subscription_lapsed"), "warning:subscription:" + sub.id);

  // Paying the open invoice makes Stripe set it active again: access comes back, and that
  // update is an ordinary one.
  EXPECT_EQ(deliver(subscriptionEvent(evt("reactivated"), "customer.subscription.updated", t + 4, sub)), "applied");
  EXPECT_EQ(tier(), "startup");
  EXPECT_EQ(queued(kSuspendedSubject), 1);
}

TEST_P(Dunning, UnpaidBeforeItsCreatedEventLapsesOnceAndStaysFree) {
  // Stripe delivers out of order: the unpaid update (naming the user in metadata) first.
  std::int64_t t = nowUnix();
  sub.status = "unpaid";
  EXPECT_EQ(deliver(subscriptionEvent(evt("unpaid"), "customer.subscription.updated", t + 3, sub)), "applied");
  sub.status = "active";
  std::string created = subscriptionEvent(evt("created"), "customer.subscription.created", t, sub);
  EXPECT_EQ(deliver(created), "stale");
  EXPECT_EQ(deliver(created), "duplicate");
  EXPECT_EQ(status(), "unpaid");
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(queued(kSuspendedSubject), 1);
  EXPECT_EQ(delivered(kSuspendedSubject, 1).size(), 1u) << b->host.output();
}

TEST_P(Dunning, FirstPaymentAuthenticationMailsNothing) {
  // While the first payment is made the payment form runs 3-D Secure itself.
  std::int64_t t = nowUnix();
  sub.status = "incomplete";
  ASSERT_EQ(deliver(subscriptionEvent(evt("created"), "customer.subscription.created", t, sub)), "applied");
  invoice.billingReason = "subscription_create";
  std::string id = evt("first_action");
  EXPECT_EQ(deliver(withObjectField(invoiceEvent(id, "invoice.payment_action_required", t + 1, invoice),
                                    "hosted_invoice_url", kHostedInvoice)),
            "applied");
  EXPECT_TRUE(b->host.waitForOutput("stripe event " + id + ": invoice " + invoice.id +
                                    " needs authentication during the first payment; no mail"))
      << b->host.output();
  EXPECT_EQ(queued(kConfirmSubject), 0);
}

TEST_P(Dunning, ActionRequiredBeforeItsCustomerIsLinkedIsMailedAtTheLink) {
  // Parked like every invoice event of an unknown customer, then applied (and mailed once)
  // when the subscription event links the customer.
  std::int64_t t = nowUnix();
  std::string action = withObjectField(invoiceEvent(evt("action"), "invoice.payment_action_required", t + 1, invoice),
                                       "hosted_invoice_url", kHostedInvoice);
  EXPECT_EQ(deliver(action), "parked");
  EXPECT_EQ(deliver(action), "duplicate");
  EXPECT_EQ(queued(kConfirmSubject), 0);
  subscribe(t);
  EXPECT_EQ(b->value("SELECT outcome FROM stripe_events WHERE id = '" + evt("action") + "'"), "applied");
  EXPECT_EQ(deliver(action), "duplicate");
  EXPECT_EQ(queued(kConfirmSubject), 1);
  EXPECT_EQ(delivered(kConfirmSubject, 1).size(), 1u) << b->host.output();
}

TEST_P(Dunning, CanceledAfterFailedPaymentsMailsTheLapseOnce) {
  std::int64_t t = nowUnix();
  subscribe(t);
  sub.status = "canceled";
  std::string deleted = withCancellationReason(
      subscriptionEvent(evt("deleted"), "customer.subscription.deleted", t + 2, sub), "payment_failed");
  EXPECT_EQ(deliver(deleted), "applied");
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(deliver(deleted), "duplicate");
  // An older past_due update arriving afterwards changes nothing: canceled is final.
  sub.status = "past_due";
  EXPECT_EQ(deliver(subscriptionEvent(evt("late_past_due"), "customer.subscription.updated", t + 1, sub)), "stale");
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(queued(kCanceledForNonPaymentSubject), 1);
  EXPECT_EQ(queued(kEndedSubject), 0);
  auto mails = delivered(kCanceledForNonPaymentSubject, 1);
  ASSERT_EQ(mails.size(), 1u) << b->host.output();
  EXPECT_NE(mails[0].body.find("\n  " + kBillingPage + "\n"), std::string::npos) << mails[0].body;
  EXPECT_TRUE(waitUntil([&] { return audited("billing.subscription_lapsed") == 1; })) << b->host.output();
}

TEST_P(Dunning, CanceledWithoutAReasonAfterPastDueIsALapse) {
  // Accounts on API versions before cancellation_details: the stored past_due status tells.
  std::int64_t t = nowUnix();
  subscribe(t);
  sub.status = "past_due";
  EXPECT_EQ(deliver(subscriptionEvent(evt("past_due"), "customer.subscription.updated", t + 1, sub)), "applied");
  sub.status = "canceled";
  EXPECT_EQ(deliver(subscriptionEvent(evt("deleted"), "customer.subscription.deleted", t + 2, sub)), "applied");
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(queued(kCanceledForNonPaymentSubject), 1);
  EXPECT_EQ(queued(kEndedSubject), 0);
}

TEST_P(Dunning, AVoluntaryCancelKeepsItsOwnMail) {
  std::int64_t t = nowUnix();
  subscribe(t);
  // Canceled by the customer while a renewal was failing: Stripe's reason wins over the
  // stored past_due status.
  sub.status = "past_due";
  EXPECT_EQ(deliver(subscriptionEvent(evt("past_due"), "customer.subscription.updated", t + 1, sub)), "applied");
  sub.status = "canceled";
  std::string deleted = withCancellationReason(
      subscriptionEvent(evt("deleted"), "customer.subscription.deleted", t + 2, sub), "cancellation_requested");
  EXPECT_EQ(deliver(deleted), "applied");
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(queued(kEndedSubject), 1);
  EXPECT_EQ(queued(kCanceledForNonPaymentSubject), 0);
  EXPECT_EQ(queued(kSuspendedSubject), 0);
  auto mails = delivered(kEndedSubject, 1);
  ASSERT_EQ(mails.size(), 1u) << b->host.output();
  EXPECT_EQ(mails[0].body.find("payment"), std::string::npos) << mails[0].body;
  EXPECT_EQ(audited("billing.subscription_lapsed"), 0);
}

TEST_P(Dunning, ReconciliationAppliesALostLapseWithItsMail) {
  // Every dunning webhook was lost: the row still reads active past its period end, so the
  // reconciler fetches it, finds it unpaid and applies the update Stripe would have sent.
  FakeStripeServer stripe;
  std::string url = GetParam() == "postgresql" ? cc::test::createPostgresDatabase("billing_dunning_rec") : "";
  BillingHost reconciling(
      billingConfig(stripe, ", portal_return_url: '" + kBillingPage + "', reconcile_interval_seconds: 1"), &e->smtp, url);
  ASSERT_TRUE(reconciling.host.start()) << reconciling.host.output();
  b = &reconciling;
  token = b->host.signup(email);
  user = b->userId(token);
  sub.userId = user;
  SubscriptionFixture unpaid = sub;
  unpaid.status = "unpaid";
  auto object = cc::json::parseObject(subscriptionEvent("evt_unused", "unused", 0, unpaid))->getObject("data")->getObject("object");
  object->set("created", sub.periodStart);
  stripe.setSubscription(sub.id, cc::json::stringify(object));
  // Stored active with a period that ended in 2025: due for reconciliation at once.
  sub.status = "active";
  ASSERT_EQ(deliver(subscriptionEvent(evt("created"), "customer.subscription.created", sub.periodStart + 10, sub)), "applied");
  EXPECT_TRUE(waitUntil([&] { return status() == "unpaid"; }, std::chrono::seconds(20))) << b->host.output();
  EXPECT_EQ(tier(), "free");
  EXPECT_EQ(queued(kSuspendedSubject), 1);
  EXPECT_EQ(delivered(kSuspendedSubject, 1).size(), 1u) << b->host.output();
  reconciling.host.stop();
}

TEST_P(Dunning, TwoHostsMailEachDunningEventOnce) {
  // On PostgreSQL a second host on the same database takes half the deliveries, as behind a
  // load balancer; SQLite is one host's file, so there the threads share one host.
  std::unique_ptr<BillingHost> second;
  if (GetParam() == "postgresql") {
    second = std::make_unique<BillingHost>(billingConfigFor(e->stripe), &e->smtp, b->host.databaseUrl(),
                                           cc::test::bundledPlugin("audit"));
    ASSERT_TRUE(second->host.start()) << second->host.output();
  }
  BillingHost& other = second ? *second : *b;
  std::int64_t t = nowUnix();
  subscribe(t);

  InvoiceFixture renewal = invoice;
  renewal.billingReason = "subscription_cycle";
  InvoiceFixture authentication = invoice;
  authentication.id = "in_dun_auth" + n;
  sub.status = "unpaid";
  const std::vector<std::string> events = {
      invoiceEvent(evt("failed"), "invoice.payment_failed", t + 1, renewal),
      withObjectField(invoiceEvent(evt("action"), "invoice.payment_action_required", t + 2, authentication),
                      "hosted_invoice_url", kHostedInvoice),
      subscriptionEvent(evt("unpaid"), "customer.subscription.updated", t + 3, sub),
  };
  // Every event delivered four times at once, twice to each host.
  for (auto& event : events) {
    std::atomic<int> applied{0}, duplicates{0}, other5xx{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&, i] {
        auto r = (i % 2 ? other : *b).webhook(event);
        if (r.status != 200) return void(other5xx++);
        (jsonField(r.body, "outcome") == "applied" ? applied : duplicates)++;
      });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(applied.load(), 1) << event;
    EXPECT_EQ(duplicates.load(), 3) << event;
    EXPECT_EQ(other5xx.load(), 0) << event;
  }
  EXPECT_EQ(tier(), "free");
  for (auto& subject : {kFailedSubject, kConfirmSubject, kSuspendedSubject}) EXPECT_EQ(queued(subject), 1) << subject;
  // Both hosts' outbox dispatchers deliver from the same table: once every row is sent,
  // each mail arrived exactly once.
  EXPECT_TRUE(waitUntil([&] {
    return b->count("SELECT 1 FROM mail_outbox WHERE recipient = '" + email + "' AND status <> 'sent'") == 0;
  }, std::chrono::seconds(20))) << b->host.output();
  for (auto& subject : {kFailedSubject, kConfirmSubject, kSuspendedSubject})
    EXPECT_EQ(delivered(subject, 1).size(), 1u) << subject;
  if (second) second->host.stop();
}

INSTANTIATE_TEST_SUITE_P(Engines, Dunning, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// The rules themselves, without a host (extra to the cases above).
TEST(DunningRules, OnlyAPlainHttpsLinkToAHostIsMailable) {
  using cc::billing::dunning::isMailableHttpsUrl;
  EXPECT_TRUE(isMailableHttpsUrl(kHostedInvoice));
  EXPECT_TRUE(isMailableHttpsUrl("https://invoice.stripe.com"));
  EXPECT_TRUE(isMailableHttpsUrl("https://invoice.stripe.com:443/i/x?s=ap#top"));
  for (const std::string bad : {"", "https://", "http://invoice.stripe.com/i", "HTTPS://invoice.stripe.com/i",
                                "ftp://invoice.stripe.com", "https:///x", "https://?x", "https://#x", "https://:443/x",
                                "https://a@b.example/", "https://a b.example/", "https://a.example/\n",
                                "https://a.example/\xc3\xa9", " https://a.example/"})
    EXPECT_FALSE(isMailableHttpsUrl(bad)) << bad;
  EXPECT_FALSE(isMailableHttpsUrl(std::string("https://a.example/") + '\0'));
  EXPECT_TRUE(isMailableHttpsUrl("https://a.example/" + std::string(2048 - 18, 'x')));
  EXPECT_FALSE(isMailableHttpsUrl("https://a.example/" + std::string(2049 - 18, 'x')));
}

TEST(DunningRules, ALapseIsUnpaidOrACancelForNonPayment) {
  using cc::billing::dunning::Lapse;
  using cc::billing::dunning::lapseOf;
  auto object = [](const std::string& reason) {
    auto o = cc::json::object();
    if (!reason.empty()) {
      auto details = cc::json::object();
      details->set("reason", reason);
      o->set("cancellation_details", details);
    }
    return o;
  };
  const std::string updated = "customer.subscription.updated", deleted = "customer.subscription.deleted";
  EXPECT_EQ(lapseOf(updated, object(""), "unpaid", "past_due"), Lapse::Unpaid);
  EXPECT_EQ(lapseOf(updated, object(""), "unpaid", ""), Lapse::Unpaid);
  EXPECT_EQ(lapseOf(updated, object(""), "unpaid", "unpaid"), Lapse::None);  // already told
  EXPECT_EQ(lapseOf(updated, object(""), "past_due", "active"), Lapse::None);
  EXPECT_EQ(lapseOf("customer.subscription.created", object(""), "unpaid", ""), Lapse::None);
  EXPECT_EQ(lapseOf(deleted, object("payment_failed"), "canceled", "active"), Lapse::CanceledForNonPayment);
  EXPECT_EQ(lapseOf(deleted, object("cancellation_requested"), "canceled", "past_due"), Lapse::None);
  EXPECT_EQ(lapseOf(deleted, object("payment_disputed"), "canceled", "unpaid"), Lapse::None);
  EXPECT_EQ(lapseOf(deleted, object(""), "canceled", "past_due"), Lapse::CanceledForNonPayment);
  EXPECT_EQ(lapseOf(deleted, object(""), "canceled", "unpaid"), Lapse::CanceledForNonPayment);
  EXPECT_EQ(lapseOf(deleted, object(""), "canceled", "active"), Lapse::None);
  // A cancellation_details that is not an object reads as absent.
  auto odd = cc::json::object();
  odd->set("cancellation_details", "payment_failed");
  EXPECT_EQ(lapseOf(deleted, odd, "canceled", "active"), Lapse::None);
}
