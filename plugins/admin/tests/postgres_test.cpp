// The admin API on PostgreSQL, and two host instances sharing one database.
// Skipped without CC_TEST_POSTGRES_URL (scripts/test always sets it).
#include "admin_test_support.hpp"

#include <atomic>

using namespace cc::admin::test;

class AdminPostgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (postgresAdminUrl().empty()) return;
    std::string url = createPostgresDatabase("admin");
    a_ = new HostProcess(fakeProviders() + adminPlugin(), "", url);
    ASSERT_TRUE(a_->start()) << a_->output();
    b_ = new HostProcess(fakeProviders() + adminPlugin(), "", url);
    ASSERT_TRUE(b_->start()) << b_->output();
    tokenA_ = makeAdmin(*a_, "pg-admin-a@admin.test");
    tokenB_ = makeAdmin(*b_, "pg-admin-b@admin.test");
  }
  static void TearDownTestSuite() {
    for (HostProcess* h : {a_, b_})
      if (h) {
        h->stop();
        delete h;
      }
    a_ = b_ = nullptr;
  }
  void SetUp() override {
    if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  }
  static HostProcess *a_, *b_;
  static std::string tokenA_, tokenB_;
};
HostProcess* AdminPostgres::a_ = nullptr;
HostProcess* AdminPostgres::b_ = nullptr;
std::string AdminPostgres::tokenA_, AdminPostgres::tokenB_;

TEST_F(AdminPostgres, ListSearchFilterAndPage) {
  for (int i = 0; i < 5; ++i) a_->signup("pg" + std::to_string(i) + "@pg-list.test");
  std::string paid = userIdOf(*a_, a_->signup("pg0@pg-list.test"));
  a_->post("/api/test/admin-fakes/subscription", R"({"userId":")" + paid + R"(","plan":"startup_monthly","status":"active"})");

  auto page = parse(b_->get("/api/admin/users?search=PG-LIST&limit=2&offset=4", tokenB_).body);
  EXPECT_EQ(page->getValue<int>("total"), 5);
  EXPECT_EQ(page->getArray("users")->size(), 1u);
  EXPECT_EQ(parse(b_->get("/api/admin/users?search=pg-list&status=active", tokenB_).body)->getValue<int>("total"), 1);
  EXPECT_EQ(parse(b_->get("/api/admin/users?search=pg-list&tier=startup", tokenB_).body)->getValue<int>("total"), 1);
  EXPECT_EQ(parse(b_->get("/api/admin/users?search=pg_list", tokenB_).body)->getValue<int>("total"), 0);
  EXPECT_EQ(b_->get("/api/admin/users?limit=0", tokenB_).status, 400);

  auto stats = parse(a_->get("/api/admin/stats", tokenA_).body);
  auto count = queryStrings(a_->databaseUrl(), "SELECT COUNT(*) FROM \"User\"");
  EXPECT_EQ(stats->getObject("metrics")->getValue<std::int64_t>("totalUsers"), std::stoll(count.at(0)));
  auto analytics = a_->get("/api/admin/analytics?days=3", tokenA_);
  ASSERT_EQ(analytics.status, 200) << analytics.body;
  EXPECT_GE(parse(analytics.body)->getArray("signupsPerDay")->getObject(2)->getValue<std::int64_t>("count"), 5);
}

TEST_F(AdminPostgres, SuspensionAppliesOnEveryInstanceAtOnce) {
  std::string token = a_->signup("pg-victim@admin.test");
  std::string id = userIdOf(*a_, token);
  auto r = a_->post("/api/admin/users/" + id + "/suspend", R"({"reason":"abuse"})", tokenA_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(a_->get("/api/auth/me", token).status, 403);
  EXPECT_EQ(b_->get("/api/auth/me", token).status, 403);
  auto bad = b_->post("/api/admin/users/" + id + "/suspend", R"({"reason":""})", tokenB_);
  EXPECT_EQ(bad.status, 400);
  ASSERT_EQ(b_->post("/api/admin/users/" + id + "/reactivate", "", tokenB_).status, 200);
  EXPECT_EQ(a_->get("/api/auth/me", token).status, 200);
  auto reason = queryStrings(a_->databaseUrl(), "SELECT COALESCE(\"suspendedReason\", 'none') FROM \"User\" WHERE id = '" + id + "'");
  EXPECT_EQ(reason.at(0), "none");
}

TEST_F(AdminPostgres, ConcurrentSuspensionsAcrossInstancesChangeTheRowOnce) {
  std::string id = userIdOf(*a_, a_->signup("pg-race@admin.test"));
  std::atomic<int> ok{0}, conflict{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&, i] {
      HostProcess& host = i % 2 ? *a_ : *b_;
      auto r = host.post("/api/admin/users/" + id + "/suspend", R"({"reason":"race"})", i % 2 ? tokenA_ : tokenB_);
      (r.status == 200 ? ok : r.status == 409 ? conflict : other)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 9);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(AdminPostgres, EventCountsFromTwoInstancesAddUpExactly) {
  std::string id = userIdOf(*a_, a_->signup("pg-busy@admin.test"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      HostProcess& host = t % 2 ? *a_ : *b_;
      for (int i = 0; i < 30; ++i)
        host.post("/api/test/admin-fakes/publish",
                  R"({"topic":"analysis_completed","payload":{"userId":")" + id + R"(","tier":"startup"}})");
    });
  for (auto& t : threads) t.join();
  // Each analytics request writes its own instance's pending counts first.
  ASSERT_EQ(a_->get("/api/admin/analytics?days=1", tokenA_).status, 200);
  auto o = parse(b_->get("/api/admin/analytics?days=1", tokenB_).body);
  std::int64_t runs = -1;
  auto top = o->getObject("topUsers")->getArray("byAnalysisRuns");
  for (std::size_t i = 0; i < top->size(); ++i)
    if (top->getObject(i)->getValue<std::string>("userId") == id) runs = top->getObject(i)->getValue<std::int64_t>("analysisRuns");
  EXPECT_EQ(runs, 120);
  EXPECT_GE(o->getArray("analysisRunsPerDay")->getObject(0)->getValue<std::int64_t>("count"), 120);
  auto rows = queryStrings(a_->databaseUrl(),
                           "SELECT CAST(SUM(count) AS TEXT) FROM admin_event_counts WHERE topic = 'analysis_completed' AND tier = 'startup'");
  EXPECT_EQ(rows.at(0), "120");
}
