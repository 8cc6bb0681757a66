// Reading Stripe objects in both API layouts, the status model, dates and month arithmetic.
#include "src/annual_grants.hpp"
#include "src/stripe_objects.hpp"
#include "support/stripe_webhooks.hpp"

#include <gtest/gtest.h>

using namespace cc::billing;
namespace t = cc::billing::test;

namespace {
cc::json::ObjectPtr objectOf(const std::string& eventJson) {
  return cc::json::parseObject(eventJson)->getObject("data")->getObject("object");
}
}  // namespace

TEST(StripeObjects, SubscriptionPeriodFromItemsOrTopLevel) {
  for (bool legacy : {false, true}) {
    t::SubscriptionFixture f;
    f.legacyLayout = legacy;
    f.cancelAtPeriodEnd = true;
    f.userId = "user-1";
    auto s = parseSubscription(objectOf(t::subscriptionEvent("evt_1", "customer.subscription.updated", 1, f)));
    EXPECT_EQ(s.id, "sub_1");
    EXPECT_EQ(s.customerId, "cus_1");
    EXPECT_EQ(s.status, "active");
    EXPECT_EQ(s.priceId, "price_startup_monthly");
    EXPECT_EQ(s.itemId, "si_1");
    EXPECT_EQ(s.currentPeriodStart, 1736899200) << legacy;
    EXPECT_EQ(s.currentPeriodEnd, 1739577600) << legacy;
    EXPECT_TRUE(s.cancelAtPeriodEnd);
    EXPECT_EQ(s.metadataUserId, "user-1");
  }
}

TEST(StripeObjects, InvoiceSubscriptionFromEitherPlace) {
  for (bool legacy : {false, true}) {
    t::InvoiceFixture f;
    f.legacyLayout = legacy;
    f.subscription = "sub_9";
    f.priceId = "price_enterprise_annual";
    auto i = parseInvoice(objectOf(t::invoiceEvent("evt_1", "invoice.payment_succeeded", 1, f)));
    EXPECT_EQ(i.id, "in_1");
    EXPECT_EQ(i.subscriptionId, "sub_9") << legacy;
    EXPECT_EQ(i.priceId, "price_enterprise_annual") << legacy;
    EXPECT_EQ(i.amountPaid, 4900);
    EXPECT_EQ(i.billingReason, "subscription_cycle");
  }
}

TEST(StripeObjects, InvoiceErrorCodeFromPaymentIntent) {
  t::InvoiceFixture f;
  f.declineCode = "insufficient_funds";
  auto i = parseInvoice(objectOf(t::invoiceEvent("evt_1", "invoice.payment_failed", 1, f)));
  EXPECT_EQ(i.errorCode, "insufficient_funds");
}

TEST(StripeObjects, ExpandedCustomerObjectGivesItsId) {
  auto o = cc::json::parseObject(R"({"id":"sub_1","customer":{"id":"cus_7","object":"customer"},"status":"active"})");
  EXPECT_EQ(parseSubscription(o).customerId, "cus_7");
}

TEST(StripeObjects, ClientSecretFromConfirmationSecretOrPaymentIntent) {
  auto a = cc::json::parseObject(R"({"id":"sub_1","latest_invoice":{"confirmation_secret":{"client_secret":"cs_a"}}})");
  auto b = cc::json::parseObject(R"({"id":"sub_1","latest_invoice":{"payment_intent":{"client_secret":"pi_b"}}})");
  EXPECT_EQ(parseSubscription(a).clientSecret, "cs_a");
  EXPECT_EQ(parseSubscription(b).clientSecret, "pi_b");
}

TEST(StripeObjects, EightStatusesAndAccess) {
  int known = 0, access = 0, terminal = 0;
  for (const char* s : {"incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid",
                        "paused", "bogus"}) {
    known += isKnownStatus(s);
    access += statusGivesAccess(s);
    terminal += statusIsTerminal(s);
  }
  EXPECT_EQ(known, 8);
  EXPECT_EQ(access, 2);
  EXPECT_EQ(terminal, 2);
  EXPECT_TRUE(statusGivesAccess("trialing"));
  EXPECT_FALSE(statusGivesAccess("past_due"));
  EXPECT_TRUE(statusIsTerminal("incomplete_expired"));
}

TEST(StripeObjects, IsoDates) {
  EXPECT_EQ(isoFromUnix(1736899200), "2025-01-15T00:00:00.000Z");
  EXPECT_EQ(isoFromUnix(0), "");
  EXPECT_EQ(unixFromIso("2025-01-15T00:00:00.000Z"), 1736899200);
  EXPECT_EQ(unixFromIso("not a date"), 0);
}

TEST(StripeObjects, AddMonthsClampsTheDay) {
  EXPECT_EQ(isoFromUnix(addMonths(unixFromIso("2025-01-15T10:20:30.000Z"), 1)), "2025-02-15T10:20:30.000Z");
  EXPECT_EQ(isoFromUnix(addMonths(unixFromIso("2025-01-31T00:00:00.000Z"), 1)), "2025-02-28T00:00:00.000Z");
  EXPECT_EQ(isoFromUnix(addMonths(unixFromIso("2024-01-31T00:00:00.000Z"), 1)), "2024-02-29T00:00:00.000Z");
  EXPECT_EQ(isoFromUnix(addMonths(unixFromIso("2025-11-30T00:00:00.000Z"), 3)), "2026-02-28T00:00:00.000Z");
  EXPECT_EQ(isoFromUnix(addMonths(unixFromIso("2025-03-01T00:00:00.000Z"), 12)), "2026-03-01T00:00:00.000Z");
}
