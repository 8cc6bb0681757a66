// The query service through a running host (the route the admin plugin will expose):
// filters, prefix actions, pagination, totals and order are exact; bad values are 400s;
// SQL injection attempts in every parameter change nothing. On SQLite and PostgreSQL.
#include "audit_test_support.hpp"

#include <Poco/URI.h>

#include <functional>
#include <set>

using namespace cc::audit::test;

namespace {

struct Seed {
  int seq;
  std::string userId, action, severity, resourceType;
};

const std::vector<std::string> kActions = {"payment_failed", "payment_succeeded", "user_signup", "login_failed",
                                           "analysis_completed"};
const std::vector<std::string> kSeverityCycle = {"info", "info", "warning", "error", "critical"};
const std::vector<std::string> kResources = {"payment", "user", "analysis"};

std::vector<Seed> seeds() {
  std::vector<Seed> out;
  for (int i = 0; i < 90; ++i)
    out.push_back({i, "user_" + std::to_string(i % 4), kActions[i % 5], kSeverityCycle[(i / 2) % 5],
                   kResources[i % 3]});
  return out;
}

std::string enc(const std::string& v) {
  std::string out;
  Poco::URI::encode(v, "&=+?#%'\" ;", out);
  return out;
}

// Reads every page of `query` with `pageSize` and returns the "seq" of each row, in order.
std::vector<int> walk(const HostProcess& host, const std::string& query, int pageSize, std::int64_t& totalSeen) {
  std::vector<int> seqs;
  for (int offset = 0;; offset += pageSize) {
    auto page = logs(host, "?" + query + "&limit=" + std::to_string(pageSize) + "&offset=" + std::to_string(offset));
    totalSeen = page->getValue<std::int64_t>("total");
    auto items = page->getArray("logs");
    if (!items || items->size() == 0) break;
    for (std::size_t i = 0; i < items->size(); ++i)
      seqs.push_back(items->getObject(i)->getObject("metadata")->getValue<int>("seq"));
    if (offset > 1000) break;
  }
  return seqs;
}

}  // namespace

class AuditQueryApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "postgresql") {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = createPostgresDatabase("audit_query");
    }
    host_ = std::make_unique<HostProcess>(auditPlugins("{ max_page_size: 40 }"), "", url);
    ASSERT_TRUE(host_->start()) << host_->output();
    for (auto& s : seeds())
      record(*host_, R"({"userId":")" + s.userId + R"(","action":")" + s.action + R"(","severity":")" + s.severity +
                         R"(","resourceType":")" + s.resourceType + R"(","resourceId":"r)" + std::to_string(s.seq) +
                         R"(","metadata":"{\"seq\":)" + std::to_string(s.seq) + R"(}"})");
    ASSERT_TRUE(waitForTotal(*host_, 90));
  }
  void TearDown() override {
    if (host_) host_->stop();
  }
  // The seqs of the seeds matching `keep`, newest (highest seq) first.
  static std::vector<int> expected(const std::function<bool(const Seed&)>& keep) {
    std::vector<int> out;
    auto all = seeds();
    for (auto it = all.rbegin(); it != all.rend(); ++it)
      if (keep(*it)) out.push_back(it->seq);
    return out;
  }
  std::unique_ptr<HostProcess> host_;
};

TEST_P(AuditQueryApi, FiltersPaginationAndTotalsAreExact) {
  struct Case {
    std::string query;
    std::function<bool(const Seed&)> keep;
  };
  std::vector<Case> cases = {
      {"", [](const Seed&) { return true; }},
      {"userId=user_1", [](const Seed& s) { return s.userId == "user_1"; }},
      {"action=payment", [](const Seed& s) { return s.action.rfind("payment", 0) == 0; }},
      {"action=payment_failed", [](const Seed& s) { return s.action == "payment_failed"; }},
      {"action=pay", [](const Seed& s) { return s.action.rfind("pay", 0) == 0; }},
      {"action=payment_failedx", [](const Seed&) { return false; }},
      {"severity=critical", [](const Seed& s) { return s.severity == "critical"; }},
      {"resourceType=analysis", [](const Seed& s) { return s.resourceType == "analysis"; }},
      {"userId=user_2&severity=info&resourceType=payment",
       [](const Seed& s) { return s.userId == "user_2" && s.severity == "info" && s.resourceType == "payment"; }},
      {"action=user&severity=info", [](const Seed& s) { return s.action == "user_signup" && s.severity == "info"; }},
      {"from=2000-01-01&to=2999-01-01", [](const Seed&) { return true; }},
      {"from=2999-01-01", [](const Seed&) { return false; }},
      {"to=2000-01-01T00:00:00Z", [](const Seed&) { return false; }},
  };
  for (auto& c : cases) {
    std::vector<int> want = expected(c.keep);
    for (int pageSize : {7, 40}) {
      std::int64_t totalSeen = -1;
      std::vector<int> got = walk(*host_, c.query, pageSize, totalSeen);
      EXPECT_EQ(totalSeen, static_cast<std::int64_t>(want.size())) << c.query;
      EXPECT_EQ(got, want) << c.query << " (page size " << pageSize << ")";
    }
  }
}

TEST_P(AuditQueryApi, TimeBoundsAreInclusiveFromExclusiveTo) {
  auto page = logs(*host_, "?limit=40");
  auto items = page->getArray("logs");
  ASSERT_EQ(items->size(), 40u);
  std::string pivot = items->getObject(20)->getValue<std::string>("createdAt");
  std::int64_t atOrAfter = 0;
  for (int offset = 0; offset < 90; offset += 40) {
    auto p = logs(*host_, "?limit=40&offset=" + std::to_string(offset));
    auto rows = p->getArray("logs");
    for (std::size_t i = 0; i < rows->size(); ++i)
      if (rows->getObject(i)->getValue<std::string>("createdAt") >= pivot) ++atOrAfter;
  }
  EXPECT_EQ(total(*host_, "?from=" + enc(pivot)), atOrAfter);
  EXPECT_EQ(total(*host_, "?to=" + enc(pivot)), 90 - atOrAfter);
}

TEST_P(AuditQueryApi, PageShapeAndLimitBound) {
  auto page = logs(*host_, "?limit=100000&offset=85");
  EXPECT_EQ(page->getValue<int>("limit"), 40);
  EXPECT_EQ(page->getValue<int>("offset"), 85);
  EXPECT_EQ(page->getValue<std::int64_t>("total"), 90);
  EXPECT_EQ(page->getArray("logs")->size(), 5u);
  auto row = page->getArray("logs")->getObject(0);
  for (const char* key : {"id", "userId", "action", "severity", "resourceType", "resourceId", "metadata", "ip",
                          "userAgent", "requestId", "createdAt"})
    EXPECT_TRUE(row->has(key)) << key;
  auto beyond = logs(*host_, "?offset=5000");
  EXPECT_EQ(beyond->getArray("logs")->size(), 0u);
  EXPECT_EQ(beyond->getValue<std::int64_t>("total"), 90);
  // Ids are strictly decreasing down the pages.
  auto first = logs(*host_, "?limit=40")->getArray("logs");
  for (std::size_t i = 1; i < first->size(); ++i)
    EXPECT_GT(first->getObject(i - 1)->getValue<std::int64_t>("id"), first->getObject(i)->getValue<std::int64_t>("id"));
}

TEST_P(AuditQueryApi, BadValuesAre400WithAMessage) {
  for (const char* q : {"severity=fatal", "resourceType=money", "limit=0", "limit=abc", "limit=-5", "offset=-1",
                        "offset=1e3", "from=yesterday", "to=2025-13-01", "from=2025-02-01&to=2025-01-01",
                        "action=pay%25"}) {
    auto r = host_->get(std::string("/api/test/audit/logs?") + q);
    EXPECT_EQ(r.status, 400) << q << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty()) << q;
  }
}

TEST_P(AuditQueryApi, SqlInjectionInEveryParameterIsHarmless) {
  const std::vector<std::string> attacks = {
      "' OR '1'='1",
      "x'; DROP TABLE \"AuditLog\"; --",
      "\" OR 1=1 --",
      "user_1' UNION SELECT hash FROM \"AuditLog\" --",
      "%",
      "_",
      "1; DELETE FROM \"AuditChain\"",
  };
  for (const char* param : {"userId", "action", "severity", "resourceType", "from", "to", "limit", "offset"}) {
    for (auto& attack : attacks) {
      auto r = host_->get(std::string("/api/test/audit/logs?") + param + "=" + enc(attack));
      if (r.status == 200) {
        EXPECT_EQ(jsonField(r.body, "total"), "0") << param << "=" << attack << " -> " << r.body;
      } else {
        EXPECT_EQ(r.status, 400) << param << "=" << attack << " -> " << r.body;
      }
    }
  }
  EXPECT_EQ(total(*host_), 90);
  auto verify = auditCommand(*host_, {"verify"});
  EXPECT_EQ(verify.exitCode, 0) << verify.output;
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditQueryApi, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
