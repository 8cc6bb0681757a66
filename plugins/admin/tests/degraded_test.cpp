// Without the audit and billing plugins (or with a failing one) every page still answers,
// with empty figures and a note that says why.
#include "admin_test_support.hpp"

#include <algorithm>

using namespace cc::admin::test;

namespace {

std::vector<std::string> notes(const JsonObject& o) {
  std::vector<std::string> out;
  auto a = o->getArray("notes");
  for (std::size_t i = 0; i < a->size(); ++i) out.push_back(a->getElement<std::string>(i));
  return out;
}

bool mentions(const std::vector<std::string>& notes, const std::string& word) {
  for (auto& n : notes)
    if (n.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(AdminWithoutProviders, EverySectionDegradesWithANote) {
  HostProcess host(adminPlugin());
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = makeAdmin(host, "alone@admin.test");
  std::string other = userIdOf(host, host.signup("other@admin.test"));

  auto stats = host.get("/api/admin/stats", token);
  ASSERT_EQ(stats.status, 200) << stats.body;
  auto s = parse(stats.body);
  EXPECT_EQ(s->getObject("metrics")->getValue<std::int64_t>("totalUsers"), 2);
  EXPECT_EQ(s->getObject("metrics")->getValue<std::int64_t>("activeSubscriptions"), 0);
  EXPECT_EQ(s->getArray("recentAudits")->size(), 0u);
  EXPECT_TRUE(mentions(notes(s), "audit plugin is not running"));
  EXPECT_TRUE(mentions(notes(s), "billing plugin is not running"));

  auto logs = host.get("/api/admin/audit-logs?limit=5", token);
  ASSERT_EQ(logs.status, 200) << logs.body;
  EXPECT_EQ(parse(logs.body)->getValue<int>("total"), 0);
  EXPECT_EQ(parse(logs.body)->getValue<int>("limit"), 5);
  EXPECT_TRUE(mentions(notes(parse(logs.body)), "audit"));
  EXPECT_EQ(host.get("/api/admin/audit-logs?limit=abc", token).status, 400);

  auto users = host.get("/api/admin/users", token);
  ASSERT_EQ(users.status, 200) << users.body;
  EXPECT_EQ(parse(users.body)->getValue<int>("total"), 2);

  auto detail = host.get("/api/admin/users/" + other, token);
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_TRUE(parse(detail.body)->isNull("subscription"));
  EXPECT_EQ(parse(detail.body)->getArray("transactions")->size(), 0u);

  auto analytics = host.get("/api/admin/analytics", token);
  ASSERT_EQ(analytics.status, 200) << analytics.body;
  auto a = parse(analytics.body);
  EXPECT_EQ(a->getArray("signupsPerDay")->size(), 30u);
  EXPECT_EQ(a->getArray("revenueByPlan")->size(), 0u);
  EXPECT_TRUE(mentions(notes(a), "credit ledger"));

  // A timeline without either source is empty and says why; the export needs neither.
  auto timeline = host.get("/api/admin/users/" + other + "/timeline", token);
  ASSERT_EQ(timeline.status, 200) << timeline.body;
  auto t = parse(timeline.body);
  EXPECT_EQ(t->getArray("items")->size(), 0u);
  EXPECT_TRUE(t->isNull("nextCursor"));
  EXPECT_TRUE(mentions(notes(t), "audit plugin is not running"));
  EXPECT_TRUE(mentions(notes(t), "credit ledger"));
  auto csv = host.get("/api/admin/users/export", token);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 3);

  // Suspension needs neither provider.
  EXPECT_EQ(host.post("/api/admin/users/" + other + "/suspend", R"({"reason":"spam"})", token).status, 200);
}

TEST(AdminWithFailingBilling, PagesStillAnswer) {
  HostProcess host(fakeProviders("{ fail_billing: true }") + adminPlugin());
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = makeAdmin(host, "calm@admin.test");
  for (const char* path : {"/api/admin/stats", "/api/admin/users", "/api/admin/analytics"}) {
    auto r = host.get(path, token);
    ASSERT_EQ(r.status, 200) << path << " " << r.body;
    EXPECT_TRUE(mentions(notes(parse(r.body)), "billing figures are unavailable right now")) << r.body;
  }
  EXPECT_TRUE(host.waitForOutput("fake billing is down")) << host.output();
}
