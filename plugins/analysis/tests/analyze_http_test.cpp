// POST /api/gemini/analyze and GET /api/analyses[/:id] through the real binary, with the
// builtin analyzer, on SQLite and PostgreSQL: credits debited in the run's transaction, 402
// with nothing written, results stored and private, events published, bad input refused.
#include "analysis_host.hpp"

#include <Poco/JSON/Parser.h>

#include <set>

using namespace analysistest;
using cc::test::jsonField;
using cc::test::queryStrings;

namespace {

const std::string kCode =
    "int main() {\n"
    "  // TODO: read the key from the environment\n"
    "  const char* password = \"hunter2hunter2\";\n"
    "  return 0;\n"
    "}\n";

Poco::JSON::Object::Ptr parse(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

class AnalyzeHttp : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = databaseFor(GetParam(), "analysis_http");
    if (GetParam() == "postgresql" && url_.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  }
  std::string url_;
};

Poco::JSON::Array::Ptr parseArray(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Poco::JSON::Array::Ptr>();
}

std::string runStatus(const std::string& url, const std::string& id) {
  auto rows = queryStrings(url, "SELECT status FROM \"Analysis\" WHERE id = " + sqlQuote(id));
  return rows.empty() ? "" : rows[0];
}

/// The database clock, the one "createdAt" and the scheduler's "startedAt" are written with.
std::string databaseNow(const std::string& url, cc::Database& db) { return queryStrings(url, "SELECT " + db.nowSql())[0]; }

/// Runs of the recovery job that began after `since` and succeeded: the scheduler records each
/// slot of an exclusive job in scheduled_job_runs.
std::int64_t recoveryRunsAfter(const std::string& url, const std::string& since) {
  return count(url, "scheduled_job_runs WHERE job = 'analysis.recover_stale_runs' AND status = 'succeeded'"
                    " AND \"startedAt\" > " + sqlQuote(since));
}

}  // namespace

TEST_P(AnalyzeHttp, CompletedRunIsDebitedStoredAndPublished) {
  HostProcess host(plugins("{ max_body_bytes: 4096, max_code_bytes: 2048 }"), "", url_);
  ASSERT_TRUE(host.start()) << host.output();
  Account root = admin(host);
  Account user = signup(host, "dev@example.com");
  grant(host, root, user.id, 5);

  auto r = analyze(host, user.token, codeBody(kCode, R"(,"language":"cpp","filename":"main.cpp")"));
  ASSERT_EQ(r.status, 201) << r.body;
  auto run = parse(r.body);
  std::string id = run->getValue<std::string>("id");
  EXPECT_EQ(run->getValue<std::string>("status"), "completed");
  EXPECT_EQ(run->getValue<std::string>("analyzer"), "builtin");
  EXPECT_EQ(run->getValue<int>("credits"), 1);
  EXPECT_EQ(run->getValue<int>("creditsRemaining"), 4);
  EXPECT_EQ(run->getValue<std::string>("tier"), "free");
  EXPECT_EQ(run->getValue<std::string>("filename"), "main.cpp");
  EXPECT_EQ(run->getValue<int>("codeLines"), 5);
  auto findings = run->getArray("findings");
  ASSERT_EQ(findings->size(), 2u) << r.body;
  EXPECT_EQ(findings->getObject(0)->getValue<int>("line"), 2);
  EXPECT_EQ(findings->getObject(0)->getValue<std::string>("rule"), "todo");
  EXPECT_EQ(findings->getObject(1)->getValue<int>("line"), 3);
  EXPECT_EQ(findings->getObject(1)->getValue<std::string>("severity"), "high");
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << "a found secret must not be echoed";

  // The ledger: one debit row referencing the run, in the same state as the balance.
  EXPECT_EQ(balance(host.databaseUrl(), user.id), 4);
  auto debit = queryStrings(host.databaseUrl(),
                            "SELECT amount FROM fake_billing_ledger WHERE reference = 'analysis:" + id + "'");
  ASSERT_EQ(debit.size(), 1u);
  EXPECT_EQ(debit[0], "-1");

  // Stored: the same run comes back, and it is in the list.
  auto again = host.get("/api/analyses/" + id, user.token);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse(again.body)->getArray("findings")->size(), 2u);
  EXPECT_EQ(jsonField(again.body, "summary"), run->getValue<std::string>("summary"));
  auto list = host.get("/api/analyses", user.token);
  EXPECT_EQ(jsonField(list.body, "total"), "1");

  // The event the metrics and audit plugins count, with the request's context.
  auto events = host.get("/api/test/analysis-events");
  Poco::JSON::Parser parser;
  auto array = parser.parse(events.body).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(array->size(), 1u) << events.body;
  auto event = array->getObject(0);
  EXPECT_EQ(event->getValue<std::string>("topic"), "analysis_completed");
  EXPECT_EQ(event->getValue<std::string>("publisher"), "analysis");
  auto payload = event->getObject("payload");
  EXPECT_EQ(payload->getValue<std::string>("tier"), "free");
  EXPECT_EQ(payload->getValue<std::string>("analysisId"), id);
  EXPECT_EQ(payload->getValue<std::string>("userId"), user.id);
  EXPECT_EQ(payload->getValue<int>("credits"), 1);
  EXPECT_TRUE(payload->has("requestId"));
  EXPECT_EQ(host.stop(), 0);
}

TEST_P(AnalyzeHttp, TierComesFromTheUserRow) {
  HostProcess host(plugins(), "", url_);
  ASSERT_TRUE(host.start()) << host.output();
  Account root = admin(host);
  Account user = signup(host, "paying@example.com");
  grant(host, root, user.id, 2);
  cc::test::execute(host.databaseUrl(), "UPDATE \"User\" SET tier = 'enterprise' WHERE id = " + sqlQuote(user.id));
  auto r = analyze(host, user.token, codeBody("x = 1\n"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(jsonField(r.body, "tier"), "enterprise");
  EXPECT_NE(host.get("/api/test/analysis-events").body.find("\"tier\":\"enterprise\""), std::string::npos);
  EXPECT_EQ(host.stop(), 0);
}

TEST_P(AnalyzeHttp, InsufficientCreditsIs402AndWritesNothing) {
  HostProcess host(plugins("{ credits_per_run: 1, large_code_bytes: 100, credits_per_large_run: 3 }"), "", url_);
  ASSERT_TRUE(host.start()) << host.output();
  Account root = admin(host);
  Account broke = signup(host, "broke@example.com");

  auto none = analyze(host, broke.token, codeBody("x = 1\n"));
  EXPECT_EQ(none.status, 402) << none.body;
  EXPECT_EQ(jsonField(none.body, "error"),
            "insufficient credits: this analysis costs 1 credit and your balance is 0 credits; buy a plan or more "
            "credits to continue");

  grant(host, root, broke.id, 2);
  auto large = analyze(host, broke.token, codeBody(std::string(150, 'x')));
  EXPECT_EQ(large.status, 402) << large.body;
  EXPECT_NE(jsonField(large.body, "error").find("costs 3 credits and your balance is 2 credits"), std::string::npos);

  EXPECT_EQ(count(host.databaseUrl(), "\"Analysis\""), 0);
  EXPECT_EQ(count(host.databaseUrl(), "fake_billing_ledger WHERE type = 'debit'"), 0);
  EXPECT_EQ(balance(host.databaseUrl(), broke.id), 2);
  EXPECT_EQ(host.get("/api/test/analysis-events").body, "[]");

  auto small = analyze(host, broke.token, codeBody("x = 1\n"));
  EXPECT_EQ(small.status, 201) << small.body;
  EXPECT_EQ(balance(host.databaseUrl(), broke.id), 1);
  EXPECT_EQ(host.stop(), 0);
}

TEST_P(AnalyzeHttp, AnotherUsersAnalysisIs404AndListsArePrivateAndPaginated) {
  HostProcess host(plugins(), "", url_);
  ASSERT_TRUE(host.start()) << host.output();
  Account root = admin(host);
  Account alice = signup(host, "alice@example.com");
  Account bob = signup(host, "bob@example.com");
  grant(host, root, alice.id, 10);

  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = analyze(host, alice.token, codeBody("int v" + std::to_string(i) + ";\n"));
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(jsonField(r.body, "id"));
  }
  auto foreign = host.get("/api/analyses/" + ids[0], bob.token);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(jsonField(foreign.body, "error"), "analysis not found");
  EXPECT_EQ(host.get("/api/analyses/no-such-id", alice.token).status, 404);
  EXPECT_EQ(host.get("/api/analyses/" + ids[0]).status, 401);
  EXPECT_EQ(jsonField(host.get("/api/analyses", bob.token).body, "total"), "0");

  auto first = parse(host.get("/api/analyses?limit=2", alice.token).body);
  EXPECT_EQ(first->getValue<int>("total"), 3);
  EXPECT_EQ(first->getValue<int>("limit"), 2);
  auto items = first->getArray("analyses");
  ASSERT_EQ(items->size(), 2u);
  EXPECT_FALSE(items->getObject(0)->has("findings")) << "the list leaves findings out";
  auto rest = parse(host.get("/api/analyses?limit=2&offset=2", alice.token).body)->getArray("analyses");
  ASSERT_EQ(rest->size(), 1u);
  std::set<std::string> seen{items->getObject(0)->getValue<std::string>("id"),
                             items->getObject(1)->getValue<std::string>("id"),
                             rest->getObject(0)->getValue<std::string>("id")};
  EXPECT_EQ(seen, std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_GE(items->getObject(0)->getValue<std::string>("createdAt"), rest->getObject(0)->getValue<std::string>("createdAt"));

  for (const char* bad : {"limit=0", "limit=101", "limit=abc", "offset=-1", "offset=1.5", "limit=99999999999"}) {
    auto r = host.get(std::string("/api/analyses?") + bad, alice.token);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
  EXPECT_EQ(host.stop(), 0);
}

TEST_P(AnalyzeHttp, BadInputIs4xxAndWritesNothing) {
  HostProcess host(plugins("{ max_body_bytes: 4096, max_code_bytes: 1024 }"), "", url_);
  ASSERT_TRUE(host.start()) << host.output();
  Account root = admin(host);
  Account user = signup(host, "careless@example.com");
  grant(host, root, user.id, 3);

  struct Case {
    std::string body;
    int status;
  };
  std::vector<Case> cases = {
      {"", 400},
      {"not json", 400},
      {"[1,2]", 400},
      {"{}", 400},
      {R"({"code":""})", 400},
      {R"({"code":"   \n  "})", 400},
      {R"({"code":7})", 400},
      {R"({"code":"abc\u0000def"})", 400},
      {std::string("{\"code\":\"\xff\xfe\xfd binary\"}"), 400},
      {std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10), 400},
      {R"({"code":"x","filename":7})", 400},
      {codeBody(std::string(1500, 'x')), 413},      // code above max_code_bytes
      {codeBody(std::string(5000, 'x')), 413},      // body above the route's max_body_bytes
  };
  for (auto& c : cases) {
    auto r = analyze(host, user.token, c.body);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 40) << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty());
  }
  EXPECT_EQ(analyze(host, "", codeBody("x")).status, 401);
  EXPECT_EQ(count(host.databaseUrl(), "\"Analysis\""), 0);
  EXPECT_EQ(balance(host.databaseUrl(), user.id), 3);
  EXPECT_EQ(host.get("/healthz").status, 200) << "still serving";
  EXPECT_EQ(host.stop(), 0);
}

TEST_P(AnalyzeHttp, StaleRunningRunsAreFailedAndRefundedOnce) {
  HostProcess host(plugins("{ stale_run_seconds: 60, recovery_interval_seconds: 1 }"), "", url_);
  ASSERT_TRUE(host.start()) << host.output();
  Account root = admin(host);
  Account user = signup(host, "crashed@example.com");
  grant(host, root, user.id, 5);
  std::string url = host.databaseUrl();
  auto db = cc::test::openTestDatabase(url);

  // A run another process has just reserved, written as reserve() writes it: the 'running' row
  // and its debit in one transaction. The recovery job runs every second while the test plants
  // and looks, so the run starts young: a row planted already stale (or in separate
  // statements) can be settled by the job before the test has seen the debited balance.
  db->transaction([&](Poco::Data::Session& s) {
    s << "INSERT INTO \"Analysis\" (id, \"userId\", status, analyzer, model, \"codeBytes\", \"codeLines\","
         " \"codeSha256\", credits, tier, \"createdAt\") VALUES ('stale-1', " +
             sqlQuote(user.id) + ", 'running', 'gemini', 'm', 10, 1, 'x', 2, 'free', " + db->nowSql() + ")",
        Poco::Data::Keywords::now;
    s << "UPDATE fake_billing_balance SET balance = balance - 2 WHERE \"userId\" = " + sqlQuote(user.id),
        Poco::Data::Keywords::now;
    s << "INSERT INTO fake_billing_ledger (\"userId\", type, amount, reference, description, \"createdAt\")"
         " VALUES (" + sqlQuote(user.id) + ", 'debit', -2, 'analysis:stale-1', '', " + db->nowSql() + ")",
        Poco::Data::Keywords::now;
  });
  std::string planted = databaseNow(url, *db);
  ASSERT_TRUE(waitUntil([&] { return recoveryRunsAfter(url, planted) >= 1; })) << host.output();
  EXPECT_EQ(runStatus(url, "stale-1"), "running") << "a run younger than stale_run_seconds may still be live";
  EXPECT_EQ(balance(url, user.id), 3);

  // Its process died, and the run is now older than stale_run_seconds.
  cc::test::execute(url, "UPDATE \"Analysis\" SET \"createdAt\" = '2020-01-01T00:00:00.000Z' WHERE id = 'stale-1'");
  ASSERT_TRUE(waitUntil([&] { return runStatus(url, "stale-1") == "failed"; })) << host.output();
  // Two more job runs, both begun after the settling run had finished (a job never overlaps
  // itself in one host, so its event is published by then): still exactly one refund.
  std::string settled = databaseNow(url, *db);
  ASSERT_TRUE(waitUntil([&] { return recoveryRunsAfter(url, settled) >= 2; })) << host.output();
  EXPECT_EQ(balance(url, user.id), 5);
  EXPECT_EQ(count(url, "fake_billing_ledger WHERE reference = 'analysis:stale-1:refund' AND amount = 2"), 1);
  EXPECT_EQ(count(url, "fake_billing_ledger WHERE reference LIKE 'analysis:stale-1%'"), 2) << "the debit and one refund";
  auto shown = host.get("/api/analyses/stale-1", user.token);
  EXPECT_NE(jsonField(shown.body, "error").find("did not finish"), std::string::npos) << shown.body;

  auto events = parseArray(host.get("/api/test/analysis-events").body);
  int failed = 0;
  for (std::size_t k = 0; k < events->size(); ++k) {
    auto event = events->getObject(static_cast<unsigned>(k));
    if (event->getValue<std::string>("topic") != "analysis_failed") continue;
    ++failed;
    EXPECT_EQ(event->getObject("payload")->getValue<std::string>("analysisId"), "stale-1");
  }
  EXPECT_EQ(failed, 1) << "one analysis_failed event for the one settlement";
  EXPECT_EQ(host.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, AnalyzeHttp, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
