// Billing mail end to end: webhook -> outbox row in the event's transaction -> the host's
// dispatcher -> a real SMTP receiver on loopback. A redelivered event mails nobody twice.
#include "support/billing_host.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

using namespace cc::billing::test;
using cc::test::FakeSmtpServer;

TEST(BillingMail, EveryEventMailsTheUserOnce) {
  FakeSmtpServer smtp;
  FakeStripeServer stripe;
  BillingHost b(billingConfig(stripe), &smtp);
  ASSERT_TRUE(b.host.start()) << b.host.output();
  std::string token = b.host.signup("mailme@example.com");
  std::string user = b.userId(token);
  std::int64_t t = nowUnix();

  SubscriptionFixture sub;
  sub.id = "sub_mail";
  sub.customer = "cus_mail";
  sub.userId = user;
  sub.status = "active";
  InvoiceFixture invoice;
  invoice.id = "in_mail";
  invoice.customer = sub.customer;
  invoice.subscription = sub.id;
  std::string paid = invoiceEvent("evt_mail_paid", "invoice.payment_succeeded", t + 1, invoice);
  ASSERT_EQ(b.webhook(subscriptionEvent("evt_mail_created", "customer.subscription.created", t, sub)).status, 200);
  ASSERT_EQ(b.webhook(paid).status, 200);
  ASSERT_EQ(b.webhook(paid).status, 200);  // redelivered
  sub.cancelAtPeriodEnd = true;
  ASSERT_EQ(b.webhook(subscriptionEvent("evt_mail_updated", "customer.subscription.updated", t + 2, sub)).status, 200);
  invoice.id = "in_mail_2";
  ASSERT_EQ(b.webhook(invoiceEvent("evt_mail_failed", "invoice.payment_failed", t + 3, invoice)).status, 200);
  sub.status = "canceled";
  ASSERT_EQ(b.webhook(subscriptionEvent("evt_mail_deleted", "customer.subscription.deleted", t + 4, sub)).status, 200);

  ASSERT_TRUE(smtp.waitForMessages(5, std::chrono::seconds(20))) << smtp.messageCount() << "\n" << b.host.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a sixth (duplicate) would arrive by now
  auto messages = smtp.messages();
  ASSERT_EQ(messages.size(), 5u);
  std::multiset<std::string> subjects;
  for (auto& m : messages) {
    subjects.insert(m.subject);
    ASSERT_EQ(m.recipients.size(), 1u);
    EXPECT_EQ(m.recipients[0], "mailme@example.com");
  }
  EXPECT_EQ(subjects, (std::multiset<std::string>{"Your Startup Audit - Monthly subscription", "Payment received",
                                                  "Your subscription was updated", "Payment failed",
                                                  "Your subscription has ended"}));
  for (auto& m : messages) {
    if (m.subject == "Payment received") {
      EXPECT_NE(m.body.find("49.00 USD"), std::string::npos) << m.body;
      EXPECT_NE(m.body.find("300 credits"), std::string::npos) << m.body;
    }
    if (m.subject == "Your subscription was updated") EXPECT_NE(m.body.find("set to end on 2025-02-15"), std::string::npos) << m.body;
  }
}
