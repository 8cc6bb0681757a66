// The admin API against the real audit and billing plugins (skipped until both are built).
// Billing rows are written with SQL here, as Stripe webhooks would leave them; the admin
// plugin itself reads them only through the billing services.
#include "admin_test_support.hpp"

#include <filesystem>

using namespace cc::admin::test;

namespace {

bool realPluginsBuilt() {
  return std::filesystem::exists(pluginDir() + "/libcc_audit.so") &&
         std::filesystem::exists(pluginDir() + "/libcc_billing.so");
}

std::string realPlugins() {
  return bundledPlugin("audit", "{}") + bundledPlugin("billing", "{ secret_key: '', webhook_secret: '' }") + adminPlugin();
}

void seedSubscription(const HostProcess& host, const std::string& userId, const std::string& plan) {
  std::string now = "2025-01-15T00:00:00.000Z";
  execute(host.databaseUrl(), "INSERT INTO \"StripeCustomer\" (\"userId\", \"customerId\", \"createdAt\") VALUES ('" +
                                  userId + "', 'cus_" + userId + "', '" + now + "')");
  execute(host.databaseUrl(),
          "INSERT INTO \"Subscription\" (id, \"userId\", \"customerId\", plan, \"priceId\", status, \"currentPeriodStart\", "
          "\"currentPeriodEnd\", \"createdAt\", \"updatedAt\") VALUES ('sub_" + userId + "', '" + userId + "', 'cus_" +
              userId + "', '" + plan + "', 'price_" + plan + "', 'active', '" + now + "', '2099-01-01T00:00:00.000Z', '" +
              now + "', '" + now + "')");
  execute(host.databaseUrl(), "UPDATE \"User\" SET tier = 'startup' WHERE id = '" + userId + "'");
}

void seedTransaction(const HostProcess& host, const std::string& userId, int amount, const std::string& type,
                     const std::string& reference) {
  execute(host.databaseUrl(),
          "INSERT INTO \"Transaction\" (\"userId\", type, amount, reference, description, \"createdAt\") VALUES ('" + userId +
              "', '" + type + "', " + std::to_string(amount) + ", '" + reference + "', '" + type +
              "', '2025-01-15T00:00:00.000Z')");
}

// Billing keeps the running sum next to the ledger rows, in the same transaction.
void seedBalance(const HostProcess& host, const std::string& userId, int balance) {
  execute(host.databaseUrl(), "INSERT INTO \"CreditBalance\" (\"userId\", balance, \"updatedAt\") VALUES ('" + userId +
                                  "', " + std::to_string(balance) + ", '2025-01-15T00:00:00.000Z')");
}

}  // namespace

TEST(AdminWithRealPlugins, FiguresComeFromAuditAndBilling) {
  if (!realPluginsBuilt()) GTEST_SKIP() << "the audit and billing plugins are not built in " << pluginDir();
  HostProcess host(realPlugins());
  ASSERT_TRUE(host.start()) << host.output();
  std::string admin = makeAdmin(host, "real-admin@admin.test");
  std::string buyer = userIdOf(host, host.signup("real-buyer@admin.test"));
  seedSubscription(host, buyer, "startup_monthly");
  seedTransaction(host, buyer, 300, "grant", "invoice:in_1");
  seedTransaction(host, buyer, -12, "debit", "analysis:a1");
  seedBalance(host, buyer, 288);

  auto stats = host.get("/api/admin/stats", admin);
  ASSERT_EQ(stats.status, 200) << stats.body;
  auto s = parse(stats.body);
  EXPECT_EQ(s->getArray("notes")->size(), 0u) << stats.body;
  auto m = s->getObject("metrics");
  EXPECT_EQ(m->getValue<std::int64_t>("activeSubscriptions"), 1);
  EXPECT_EQ(m->getValue<std::int64_t>("totalTransactions"), 2);
  EXPECT_EQ(m->getValue<std::int64_t>("totalCreditsDebitedOrSpent"), 12);
  EXPECT_GT(m->getValue<std::int64_t>("mrrCents"), 0);

  auto list = parse(host.get("/api/admin/users?status=active", admin).body);
  ASSERT_EQ(list->getValue<int>("total"), 1);
  EXPECT_EQ(list->getArray("users")->getObject(0)->getValue<std::string>("subscriptionStatus"), "active");

  auto detail = parse(host.get("/api/admin/users/" + buyer, admin).body);
  EXPECT_EQ(detail->getObject("subscription")->getValue<std::string>("plan"), "startup_monthly");
  EXPECT_EQ(detail->getObject("credits")->getValue<std::int64_t>("balance"), 288);
  EXPECT_EQ(detail->getArray("transactions")->size(), 2u);

  auto analytics = parse(host.get("/api/admin/analytics", admin).body);
  bool sawPlan = false;
  auto plans = analytics->getArray("revenueByPlan");
  for (std::size_t i = 0; i < plans->size(); ++i)
    if (plans->getObject(i)->getValue<std::string>("plan") == "startup_monthly") {
      sawPlan = true;
      EXPECT_EQ(plans->getObject(i)->getValue<std::int64_t>("activeSubscriptions"), 1);
    }
  EXPECT_TRUE(sawPlan) << analytics->getArray("revenueByPlan")->size();
  auto spenders = analytics->getObject("topUsers")->getArray("byCreditsSpent");
  ASSERT_GE(spenders->size(), 1u);
  EXPECT_EQ(spenders->getObject(0)->getValue<std::int64_t>("creditsSpent"), 12);
}

TEST(AdminWithRealPlugins, SuspensionIsInTheRealAuditLog) {
  if (!realPluginsBuilt()) GTEST_SKIP() << "the audit and billing plugins are not built in " << pluginDir();
  HostProcess host(realPlugins());
  ASSERT_TRUE(host.start()) << host.output();
  std::string admin = makeAdmin(host, "real-admin2@admin.test");
  std::string adminId = userIdOf(host, admin);
  std::string token = host.signup("real-victim@admin.test");
  std::string id = userIdOf(host, token);
  ASSERT_EQ(host.post("/api/admin/users/" + id + "/suspend", R"({"reason":"Payment fraud"})", admin).status, 200);
  EXPECT_EQ(host.get("/api/auth/me", token).status, 403);

  JsonObject entry;
  ASSERT_TRUE(eventually([&] {
    auto page = parse(host.get("/api/admin/audit-logs?action=user_suspended&userId=" + id, admin).body);
    if (page->getValue<int>("total") != 1) return false;
    entry = page->getArray("logs")->getObject(0);
    return true;
  })) << host.output();
  EXPECT_EQ(entry->getValue<std::string>("severity"), "warning");
  EXPECT_EQ(entry->getValue<std::string>("resourceType"), "admin");
  EXPECT_EQ(entry->getObject("metadata")->getValue<std::string>("adminId"), adminId);
  EXPECT_EQ(entry->getObject("metadata")->getValue<std::string>("reason"), "Payment fraud");
  EXPECT_EQ(host.get("/api/admin/audit-logs?severity=loud", admin).status, 400);

  auto stats = parse(host.get("/api/admin/stats", admin).body);
  EXPECT_GE(stats->getArray("recentAudits")->size(), 1u);
}
