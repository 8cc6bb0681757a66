// The host's users service (cc::Users, core/auth/user_directory.cpp) as the admin plugin uses
// it, through the real host, on SQLite and PostgreSQL: search pages in newest-first order both
// when few accounts match (collected, then sorted) and when many do (walked in signup order),
// and tiers looked up for events of more users than one batch of ids.
#include "admin_test_support.hpp"

#include <map>
#include <set>
#include <utility>
#include <vector>

using namespace cc::admin::test;

namespace {

enum class Engine { SQLite, PostgreSQL };

std::string engineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::SQLite ? "SQLite" : "PostgreSQL";
}

// `n` accounts "<prefix><i>@<domain>" (ids "<prefix>-<i>"), one minute apart from 2020-01-01,
// with `tier`; the newest is i = n.
std::string seedSql(Engine engine, const std::string& prefix, const std::string& domain, int n,
                    const std::string& tier) {
  std::string createdAt = engine == Engine::SQLite
                              ? "strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || i || ' minutes')"
                              : "to_char(timestamp '2020-01-01' + i * interval '1 minute', "
                                "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
  return "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(n) +
         ") INSERT INTO \"User\" (id, email, \"passwordHash\", tier, \"createdAt\", \"updatedAt\") SELECT '" + prefix +
         "-' || i, '" + prefix + "' || i || '@" + domain + "', 'x', '" + tier + "', " + createdAt + ", " + createdAt +
         " FROM n";
}

}  // namespace

class UsersService : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == Engine::PostgreSQL) {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = createPostgresDatabase("users_service");
    }
    host_ = std::make_unique<HostProcess>(fakeProviders() + adminPlugin(), "", url);
    ASSERT_TRUE(host_->start()) << host_->output();
    token_ = makeAdmin(*host_, "root@users-service.test");
  }
  void TearDown() override {
    if (host_) host_->stop();
  }
  JsonObject page(const std::string& query) {
    auto r = host_->get("/api/admin/users?" + query, token_);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body);
  }
  // (createdAt, id) of every account matching `search`, read page by page.
  std::vector<std::pair<std::string, std::string>> allPages(const std::string& search, std::int64_t& total) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (int offset = 0;; offset += 100) {
      auto o = page("search=" + search + "&limit=100&offset=" + std::to_string(offset));
      total = o->getValue<std::int64_t>("total");
      auto users = o->getArray("users");
      for (std::size_t i = 0; i < users->size(); ++i)
        rows.emplace_back(users->getObject(i)->getValue<std::string>("createdAt"),
                          users->getObject(i)->getValue<std::string>("id"));
      if (users->size() < 100) break;
    }
    return rows;
  }
  std::unique_ptr<HostProcess> host_;
  std::string token_;
};

TEST_P(UsersService, SearchPagesAreNewestFirstWhetherFewOrManyMatch) {
  // 2,500 matches: more than the service sorts itself (2,000), so pages walk the signup order.
  execute(host_->databaseUrl(), seedSql(GetParam(), "dense", "many.test", 2500, "free"));
  // Three matches, two of them signed up at the same instant (ties go by id, descending).
  execute(host_->databaseUrl(), seedSql(GetParam(), "rare", "few.test", 1, "startup"));
  execute(host_->databaseUrl(),
          "INSERT INTO \"User\" (id, email, \"passwordHash\", \"createdAt\", \"updatedAt\") VALUES "
          "('tie-a', 'tie-a@few.test', 'x', '2019-06-01T00:00:00.000Z', 'x'), "
          "('tie-b', 'tie-b@few.test', 'x', '2019-06-01T00:00:00.000Z', 'x')");

  for (const char* search : {"many.test", "few.test"}) {
    std::int64_t total = 0;
    auto rows = allPages(search, total);
    ASSERT_EQ(static_cast<std::int64_t>(rows.size()), total) << search;
    EXPECT_EQ(total, std::string(search) == "many.test" ? 2500 : 3);
    std::set<std::string> ids;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ids.insert(rows[i].second);
      if (i > 0) EXPECT_GT(rows[i - 1], rows[i]) << search << ": row " << i << " is out of order";
    }
    EXPECT_EQ(ids.size(), rows.size()) << search << ": an account appeared on two pages";
  }
  auto few = page("search=FEW.test");
  ASSERT_EQ(few->getArray("users")->size(), 3u);
  EXPECT_EQ(few->getArray("users")->getObject(0)->getValue<std::string>("id"), "rare-1");
  EXPECT_EQ(few->getArray("users")->getObject(1)->getValue<std::string>("id"), "tie-b");
  EXPECT_EQ(few->getArray("users")->getObject(2)->getValue<std::string>("id"), "tie-a");

  // Filters combine with the search and count with it; an exact id is found too.
  EXPECT_EQ(page("search=few.test&tier=startup")->getValue<std::int64_t>("total"), 1);
  EXPECT_EQ(page("search=few.test&status=none")->getValue<std::int64_t>("total"), 2);
  EXPECT_EQ(page("search=many.test&status=active")->getValue<std::int64_t>("total"), 0);
  EXPECT_EQ(page("search=dense-42")->getValue<std::int64_t>("total"), 1);
  EXPECT_EQ(page("search=dense42%40")->getValue<std::int64_t>("total"), 1);
  // A wildcard in the search is a plain character: nothing here has "%" or "_" in its address.
  EXPECT_EQ(page("search=dense_2")->getValue<std::int64_t>("total"), 0);
  EXPECT_EQ(page("offset=100000")->getArray("users")->size(), 0u);
}

TEST_P(UsersService, EventsOfManyUsersAreCountedUnderEachUsersTier) {
  // 250 users with tier "startup" (more than one batch of ids), each publishing one event
  // without a tier: the counters ask the users service for every user's tier.
  execute(host_->databaseUrl(), seedSql(GetParam(), "tiered", "tiers.test", 250, "startup"));
  for (int i = 1; i <= 250; ++i)
    host_->post("/api/test/admin-fakes/publish",
                R"({"topic":"analysis_failed","payload":{"userId":"tiered-)" + std::to_string(i) + "\"}}");
  host_->post("/api/test/admin-fakes/publish", R"({"topic":"analysis_failed","payload":{"userId":"nobody"}})");

  auto r = host_->get("/api/admin/analytics?days=1", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, std::int64_t> tiers;
  auto byTier = array(parse(r.body), "auditsByTier");
  for (std::size_t i = 0; i < byTier->size(); ++i)
    tiers[byTier->getObject(i)->getValue<std::string>("tier")] = byTier->getObject(i)->getValue<std::int64_t>("count");
  EXPECT_EQ(tiers["startup"], 250) << r.body;
  EXPECT_GE(tiers["none"], 1) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Engines, UsersService, ::testing::Values(Engine::SQLite, Engine::PostgreSQL), engineName);
