// The admin API against the real host on SQLite, with the in-memory audit/billing stand-ins.
#include "admin_test_support.hpp"

#include <atomic>
#include <set>

using namespace cc::admin::test;

class AdminApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess(fakeProviders() + adminPlugin());
    ASSERT_TRUE(host_->start()) << host_->output();
    adminToken_ = makeAdmin(*host_, "root@admin.test");
    adminId_ = userIdOf(*host_, adminToken_);
  }
  static void TearDownTestSuite() {
    host_->stop();
    delete host_;
  }
  static HttpResult get(const std::string& path) { return host_->get(path, adminToken_); }
  static HttpResult post(const std::string& path, const std::string& body) {
    return host_->post(path, body, adminToken_);
  }
  static HostProcess* host_;
  static std::string adminToken_, adminId_;
};
HostProcess* AdminApi::host_ = nullptr;
std::string AdminApi::adminToken_, AdminApi::adminId_;

TEST_F(AdminApi, EveryRouteNeedsAnAdmin) {
  std::string userToken = host_->signup("plain@admin.test");
  std::string target = userIdOf(*host_, userToken);
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/admin/stats"},          {"GET", "/api/admin/users"},
      {"GET", "/api/admin/users/" + target}, {"POST", "/api/admin/users/" + target + "/suspend"},
      {"POST", "/api/admin/users/" + target + "/reactivate"}, {"GET", "/api/admin/audit-logs"},
      {"GET", "/api/admin/analytics"}};
  for (auto& [method, path] : routes) {
    auto anonymous = http(host_->port(), method, path, method == "POST" ? R"({"reason":"x"})" : "");
    EXPECT_EQ(anonymous.status, 401) << method << " " << path;
    EXPECT_TRUE(isJsonError(anonymous));
    auto user = http(host_->port(), method, path, method == "POST" ? R"({"reason":"x"})" : "",
                     {{"Authorization", "Bearer " + userToken}});
    EXPECT_EQ(user.status, 403) << method << " " << path;
    EXPECT_EQ(jsonField(user.body, "error"), "admin access required");
  }
  // The non-admin's attempt changed nothing.
  EXPECT_EQ(host_->get("/api/auth/me", userToken).status, 200);
}

TEST_F(AdminApi, StatsHaveTheGuideFields) {
  host_->signup("stats1@admin.test");
  std::string buyer = host_->signup("stats2@admin.test");
  std::string buyerId = userIdOf(*host_, buyer);
  ASSERT_EQ(host_->post("/api/test/admin-fakes/subscription",
                        R"({"userId":")" + buyerId + R"(","plan":"startup_annual","status":"active"})")
                .status,
            200);
  host_->post("/api/test/admin-fakes/ledger", R"({"userId":")" + buyerId + R"(","amount":350,"type":"grant"})");
  host_->post("/api/test/admin-fakes/ledger", R"({"userId":")" + buyerId + R"(","amount":-7,"type":"debit"})");

  auto r = get("/api/admin/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = parse(r.body);
  auto metrics = o->getObject("metrics");
  auto users = queryStrings(host_->databaseUrl(), "SELECT COUNT(*) FROM \"User\"");
  EXPECT_EQ(metrics->getValue<std::int64_t>("totalUsers"), std::stoll(users.at(0)));
  EXPECT_GE(metrics->getValue<std::int64_t>("activeSubscriptions"), 1);
  EXPECT_GE(metrics->getValue<std::int64_t>("totalTransactions"), 2);
  EXPECT_GE(metrics->getValue<std::int64_t>("totalCreditsDebitedOrSpent"), 7);
  EXPECT_GE(metrics->getValue<std::int64_t>("mrrCents"), 49900 / 12);
  ASSERT_TRUE(o->has("recentUsers"));
  ASSERT_TRUE(o->has("recentAudits"));
  auto recent = array(o, "recentUsers");
  ASSERT_GE(recent->size(), 2u);
  // Newest first, and never a password hash.
  EXPECT_EQ(recent->getObject(0)->getValue<std::string>("email"), "stats2@admin.test");
  EXPECT_EQ(r.body.find("passwordHash"), std::string::npos);
  EXPECT_EQ(array(o, "notes")->size(), 0u) << r.body;
}

TEST_F(AdminApi, UserListSearchesFiltersAndPages) {
  for (int i = 0; i < 7; ++i) host_->signup("pager" + std::to_string(i) + "@list.test");
  std::string paid = userIdOf(*host_, host_->signup("pager0@list.test"));
  host_->post("/api/test/admin-fakes/subscription",
              R"({"userId":")" + paid + R"(","plan":"enterprise_monthly","status":"active"})");

  auto first = get("/api/admin/users?search=%40list.test&limit=3");
  ASSERT_EQ(first.status, 200) << first.body;
  auto page1 = parse(first.body);
  EXPECT_EQ(page1->getValue<std::int64_t>("total"), 7);
  EXPECT_EQ(page1->getValue<int>("limit"), 3);
  ASSERT_EQ(array(page1, "users")->size(), 3u);

  std::set<std::string> seen;
  for (int offset = 0; offset < 7; offset += 3) {
    auto page = parse(get("/api/admin/users?search=LIST.test&limit=3&offset=" + std::to_string(offset)).body);
    auto list = array(page, "users");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto u = list->getObject(i);
      EXPECT_FALSE(u->getValue<std::string>("createdAt").empty());
      EXPECT_TRUE(u->has("subscriptionStatus"));
      seen.insert(u->getValue<std::string>("email"));
    }
  }
  EXPECT_EQ(seen.size(), 7u) << "pages overlap or skip rows";

  auto active = parse(get("/api/admin/users?search=list.test&status=active").body);
  ASSERT_EQ(array(active, "users")->size(), 1u);
  auto u = array(active, "users")->getObject(0);
  EXPECT_EQ(u->getValue<std::string>("id"), paid);
  EXPECT_EQ(u->getValue<std::string>("subscriptionStatus"), "active");
  EXPECT_EQ(u->getValue<std::string>("plan"), "enterprise_monthly");
  EXPECT_EQ(u->getValue<std::string>("tier"), "enterprise");
  EXPECT_EQ(parse(get("/api/admin/users?search=list.test&status=none").body)->getValue<int>("total"), 6);
  EXPECT_EQ(parse(get("/api/admin/users?search=list.test&tier=enterprise").body)->getValue<int>("total"), 1);
  // Search by exact id; LIKE wildcards in the search are literal.
  EXPECT_EQ(parse(get("/api/admin/users?search=" + paid).body)->getValue<int>("total"), 1);
  EXPECT_EQ(parse(get("/api/admin/users?search=%25").body)->getValue<int>("total"), 0);
  EXPECT_EQ(parse(get("/api/admin/users?search=pager_").body)->getValue<int>("total"), 0);
}

TEST_F(AdminApi, UserListRejectsBadParameters) {
  for (const char* q : {"limit=0", "limit=abc", "limit=-1", "offset=-5", "offset=1.5", "status=gold",
                        "suspended=maybe", "tier=Gold!", "admin=2"}) {
    auto r = get(std::string("/api/admin/users?") + q);
    EXPECT_EQ(r.status, 400) << q << " -> " << r.body;
    EXPECT_TRUE(isJsonError(r)) << r.body;
  }
  // A limit above the page size is clamped, not refused.
  auto big = parse(get("/api/admin/users?limit=100000").body);
  EXPECT_EQ(big->getValue<int>("limit"), 100);
}

TEST_F(AdminApi, UserDetailHasProfileSubscriptionTransactionsAndAudits) {
  std::string token = host_->signup("detail@admin.test");
  std::string id = userIdOf(*host_, token);
  host_->post("/api/test/admin-fakes/subscription",
              R"({"userId":")" + id + R"(","plan":"startup_monthly","status":"past_due"})");
  host_->post("/api/test/admin-fakes/ledger", R"({"userId":")" + id + R"(","amount":300,"type":"grant"})");
  host_->post("/api/test/admin-fakes/publish",
              R"({"topic":"payment_failed","payload":{"userId":")" + id + R"(","invoiceId":"in_1"}})");

  auto r = get("/api/admin/users/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = parse(r.body);
  EXPECT_EQ(o->getObject("user")->getValue<std::string>("email"), "detail@admin.test");
  EXPECT_EQ(o->getObject("subscription")->getValue<std::string>("status"), "past_due");
  EXPECT_EQ(o->getObject("credits")->getValue<std::int64_t>("balance"), 300);
  ASSERT_EQ(array(o, "transactions")->size(), 1u);
  EXPECT_EQ(array(o, "transactions")->getObject(0)->getValue<std::int64_t>("amount"), 300);
  bool sawPayment = false;
  auto audits = array(o, "auditLogs");
  for (std::size_t i = 0; i < audits->size(); ++i)
    sawPayment |= audits->getObject(i)->getValue<std::string>("action") == "payment_failed";
  EXPECT_TRUE(sawPayment) << r.body;

  EXPECT_EQ(get("/api/admin/users/no-such-user").status, 404);
  EXPECT_EQ(get("/api/admin/users/" + std::string(300, 'x')).status, 404);
}

TEST_F(AdminApi, SuspensionTakesEffectAtOnceAndIsAudited) {
  std::string token = host_->signup("victim@admin.test");
  std::string id = userIdOf(*host_, token);
  ASSERT_EQ(host_->get("/api/auth/me", token).status, 200);

  auto r = post("/api/admin/users/" + id + "/suspend", R"({"reason":"Payment fraud"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "user.suspended"), "true");
  EXPECT_EQ(jsonField(r.body, "user.suspendedReason"), "Payment fraud");

  // The very next request with the same, still valid token is refused.
  auto me = host_->get("/api/auth/me", token);
  EXPECT_EQ(me.status, 403);
  EXPECT_EQ(jsonField(me.body, "error"), "account suspended");
  auto row = queryStrings(host_->databaseUrl(),
                          "SELECT \"suspendedReason\" || '|' || COALESCE(\"suspendedAt\", '') FROM \"User\" WHERE id = '" +
                              id + "'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].substr(0, 14), "Payment fraud|");
  EXPECT_GT(row[0].size(), 20u);

  // The audit entry names the admin and the reason.
  auto logs = parse(get("/api/admin/audit-logs?action=user_suspended&userId=" + id).body);
  ASSERT_EQ(logs->getValue<int>("total"), 1);
  auto entry = array(logs, "logs")->getObject(0);
  EXPECT_EQ(entry->getValue<std::string>("severity"), "warning");
  EXPECT_EQ(entry->getValue<std::string>("resourceType"), "admin");
  EXPECT_EQ(entry->getObject("metadata")->getValue<std::string>("adminId"), adminId_);
  EXPECT_EQ(entry->getObject("metadata")->getValue<std::string>("reason"), "Payment fraud");

  EXPECT_EQ(post("/api/admin/users/" + id + "/suspend", R"({"reason":"again"})").status, 409);

  auto back = post("/api/admin/users/" + id + "/reactivate", "");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(jsonField(back.body, "user.suspended"), "false");
  EXPECT_EQ(host_->get("/api/auth/me", token).status, 200);
  EXPECT_EQ(post("/api/admin/users/" + id + "/reactivate", "").status, 409);
  auto reactivated = parse(get("/api/admin/audit-logs?action=user_reactivated&userId=" + id).body);
  ASSERT_EQ(reactivated->getValue<int>("total"), 1);
  EXPECT_EQ(array(reactivated, "logs")->getObject(0)->getObject("metadata")->getValue<std::string>("adminId"), adminId_);
}

TEST_F(AdminApi, BadSuspensionsWriteNothing) {
  std::string token = host_->signup("careful@admin.test");
  std::string id = userIdOf(*host_, token);
  for (const char* body : {"", "not json", "[]", "{}", R"({"reason":""})", R"({"reason":"   "})", R"({"reason":5})",
                           R"({"reason":null})"}) {
    auto r = post("/api/admin/users/" + id + "/suspend", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_TRUE(isJsonError(r));
  }
  auto tooLong = post("/api/admin/users/" + id + "/suspend", R"({"reason":")" + std::string(501, 'r') + "\"}");
  EXPECT_EQ(tooLong.status, 400);
  auto self = post("/api/admin/users/" + adminId_ + "/suspend", R"({"reason":"oops"})");
  EXPECT_EQ(self.status, 400);
  EXPECT_NE(jsonField(self.body, "error").find("your own account"), std::string::npos);
  EXPECT_EQ(post("/api/admin/users/nobody/suspend", R"({"reason":"x"})").status, 404);
  EXPECT_EQ(post("/api/admin/users/" + id + "/reactivate", "not json").status, 400);

  EXPECT_EQ(host_->get("/api/auth/me", token).status, 200);
  EXPECT_EQ(host_->get("/api/auth/me", adminToken_).status, 200);
  auto logs = parse(get("/api/admin/audit-logs?action=user_suspended&userId=" + id).body);
  EXPECT_EQ(logs->getValue<int>("total"), 0);
}

TEST_F(AdminApi, ConcurrentSuspensionsChangeTheRowOnce) {
  std::string id = userIdOf(*host_, host_->signup("race@admin.test"));
  std::string second = makeAdmin(*host_, "second-admin@admin.test");
  std::atomic<int> ok{0}, conflict{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto r = host_->post("/api/admin/users/" + id + "/suspend", R"({"reason":"race )" + std::to_string(i) + "\"}",
                           i % 2 ? second : adminToken_);
      (r.status == 200 ? ok : r.status == 409 ? conflict : other)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 7);
  EXPECT_EQ(other.load(), 0);
  auto logs = parse(get("/api/admin/audit-logs?action=user_suspended&userId=" + id).body);
  EXPECT_EQ(logs->getValue<int>("total"), 1);
}

TEST_F(AdminApi, AuditLogFiltersAndPages) {
  std::string id = userIdOf(*host_, host_->signup("audited@admin.test"));
  for (int i = 0; i < 5; ++i)
    host_->post("/api/test/admin-fakes/publish",
                R"({"topic":"payment_failed","payload":{"userId":")" + id + R"(","n":)" + std::to_string(i) + "}}");
  host_->post("/api/test/admin-fakes/publish", R"({"topic":"payment_succeeded","payload":{"userId":")" + id + "\"}}");

  auto byUser = parse(get("/api/admin/audit-logs?userId=" + id + "&limit=2&offset=0").body);
  EXPECT_EQ(byUser->getValue<int>("total"), 7);  // 6 published + the signup
  EXPECT_EQ(array(byUser, "logs")->size(), 2u);
  EXPECT_EQ(byUser->getValue<int>("limit"), 2);
  auto newest = array(byUser, "logs")->getObject(0);
  EXPECT_EQ(newest->getValue<std::string>("action"), "payment_succeeded");

  EXPECT_EQ(parse(get("/api/admin/audit-logs?userId=" + id + "&action=payment").body)->getValue<int>("total"), 6);
  EXPECT_EQ(parse(get("/api/admin/audit-logs?userId=" + id + "&severity=error").body)->getValue<int>("total"), 5);
  EXPECT_EQ(parse(get("/api/admin/audit-logs?userId=" + id + "&resourceType=user").body)->getValue<int>("total"), 1);
  auto page3 = parse(get("/api/admin/audit-logs?userId=" + id + "&limit=3&offset=6").body);
  EXPECT_EQ(array(page3, "logs")->size(), 1u);
  // Empty parameters (what an HTML form sends) mean "no filter".
  EXPECT_EQ(get("/api/admin/audit-logs?userId=&action=&severity=").status, 200);

  for (const char* q : {"severity=loud", "limit=x", "offset=-1"}) {
    auto r = get(std::string("/api/admin/audit-logs?") + q);
    EXPECT_EQ(r.status, 400) << q << " -> " << r.body;
    EXPECT_TRUE(isJsonError(r));
  }
}

TEST_F(AdminApi, AnalyticsCountsRunsTiersSignupsAndRevenue) {
  std::string a = userIdOf(*host_, host_->signup("analyst-a@admin.test"));
  std::string b = userIdOf(*host_, host_->signup("analyst-b@admin.test"));
  host_->post("/api/test/admin-fakes/subscription",
              R"({"userId":")" + b + R"(","plan":"enterprise_annual","status":"active"})");
  for (int i = 0; i < 4; ++i)
    host_->post("/api/test/admin-fakes/publish", R"({"topic":"analysis_completed","payload":{"userId":")" + a +
                                                      R"(","tier":"free","analysisId":"a)" + std::to_string(i) + "\"}}");
  host_->post("/api/test/admin-fakes/publish",
              R"({"topic":"analysis_completed","payload":{"userId":")" + b + R"(","tier":"enterprise"}})");
  host_->post("/api/test/admin-fakes/ledger", R"({"userId":")" + b + R"(","amount":-40,"type":"debit"})");
  // A signup three days ago lands on its own day of the series.
  execute(host_->databaseUrl(),
          "INSERT INTO \"User\" (id, email, \"passwordHash\", \"createdAt\", \"updatedAt\") VALUES ('old-user', "
          "'old@admin.test', 'x', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 days'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");

  auto r = get("/api/admin/analytics?days=7");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = parse(r.body);
  EXPECT_EQ(o->getValue<int>("days"), 7);
  auto runs = o->getObject("topUsers")->getArray("byAnalysisRuns");
  ASSERT_GE(runs->size(), 2u);
  EXPECT_EQ(runs->getObject(0)->getValue<std::string>("userId"), a);
  EXPECT_EQ(runs->getObject(0)->getValue<std::string>("email"), "analyst-a@admin.test");
  EXPECT_EQ(runs->getObject(0)->getValue<std::int64_t>("analysisRuns"), 4);
  auto spenders = o->getObject("topUsers")->getArray("byCreditsSpent");
  ASSERT_GE(spenders->size(), 1u);
  EXPECT_EQ(spenders->getObject(0)->getValue<std::string>("userId"), b);
  EXPECT_EQ(spenders->getObject(0)->getValue<std::int64_t>("creditsSpent"), 40);

  for (const char* series : {"signupsPerDay", "subscriptionsPerDay", "analysisRunsPerDay"}) {
    auto s = array(o, series);
    ASSERT_EQ(s->size(), 7u) << series;
    EXPECT_LT(s->getObject(0)->getValue<std::string>("date"), s->getObject(6)->getValue<std::string>("date"));
  }
  EXPECT_GE(array(o, "signupsPerDay")->getObject(6)->getValue<std::int64_t>("count"), 2);
  EXPECT_EQ(array(o, "signupsPerDay")->getObject(3)->getValue<std::int64_t>("count"), 1);
  EXPECT_EQ(array(o, "analysisRunsPerDay")->getObject(6)->getValue<std::int64_t>("count"), 5);
  EXPECT_GE(array(o, "subscriptionsPerDay")->getObject(6)->getValue<std::int64_t>("count"), 1);

  std::map<std::string, std::int64_t> tiers;
  auto byTier = array(o, "auditsByTier");
  for (std::size_t i = 0; i < byTier->size(); ++i)
    tiers[byTier->getObject(i)->getValue<std::string>("tier")] = byTier->getObject(i)->getValue<std::int64_t>("count");
  EXPECT_GE(tiers["free"], 4);
  EXPECT_GE(tiers["enterprise"], 1);
  EXPECT_TRUE(tiers.count("startup"));

  auto stats = o->getObject("transactionStats");
  EXPECT_GE(stats->getValue<std::int64_t>("totalTransactions"), 1);
  bool sawAnnual = false;
  auto revenue = array(o, "revenueByPlan");
  for (std::size_t i = 0; i < revenue->size(); ++i) {
    auto p = revenue->getObject(i);
    if (p->getValue<std::string>("plan") != "enterprise_annual") continue;
    sawAnnual = true;
    std::int64_t n = p->getValue<std::int64_t>("activeSubscriptions");
    EXPECT_GE(n, 1);
    EXPECT_EQ(p->getValue<std::int64_t>("mrrCents"), n * 149900 / 12);
  }
  EXPECT_TRUE(sawAnnual) << r.body;

  for (const char* q : {"days=0", "days=367", "days=week"}) EXPECT_EQ(get(std::string("/api/admin/analytics?") + q).status, 400);
}

TEST_F(AdminApi, ConcurrentEventsAreCountedExactly) {
  std::string id = userIdOf(*host_, host_->signup("busy@admin.test"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i)
        host_->post("/api/test/admin-fakes/publish", R"({"topic":"analysis_completed","payload":{"userId":")" + id + "\"}}");
    });
  for (auto& t : threads) t.join();
  auto o = parse(get("/api/admin/analytics?days=1").body);
  auto runs = o->getObject("topUsers")->getArray("byAnalysisRuns");
  std::int64_t counted = -1;
  for (std::size_t i = 0; i < runs->size(); ++i)
    if (runs->getObject(i)->getValue<std::string>("userId") == id) counted = runs->getObject(i)->getValue<std::int64_t>("analysisRuns");
  EXPECT_EQ(counted, 100);
}

TEST_F(AdminApi, PromoteCommandMakesAnAdmin) {
  std::string token = host_->signup("promoted@admin.test");
  EXPECT_EQ(host_->get("/api/admin/stats", token).status, 403);
  auto r = runHost({"users", "promote", "--email", "promoted@admin.test", "--config", host_->configPath()});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(host_->get("/api/admin/stats", token).status, 200);
}
