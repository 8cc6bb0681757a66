// The Gemini analyzer through the real binary against a fake generateContent server on
// loopback: the key travels in x-goog-api-key (never the URL or the log), transient failures
// are retried, and a run that fails anyway is refunded with a compensating ledger row.
#include "analysis_host.hpp"
#include "support/fake_gemini_server.hpp"

#include <Poco/JSON/Parser.h>

#include <chrono>
#include <fstream>

using namespace analysistest;
using cc::test::jsonField;
using cc::test::queryStrings;

namespace {

const std::string kKey = "AIzaTestKey-do-not-log-0123456789";

std::string geminiConfig(const FakeGeminiServer& fake, const std::string& extra = "") {
  return "{ analyzer: gemini, gemini: { api_key: " + kKey + ", api_base: " + fake.baseUrl() +
         ", model: gemini-test, retry_backoff_ms: 10" + extra + " } }";
}

struct Fixture {
  explicit Fixture(const std::string& config, const std::string& url = "") : host(plugins(config), "", url) {}
  void start(const std::map<std::string, std::string>& env = {}) {
    ASSERT_TRUE(host.start(env)) << host.output();
    root = admin(host);
    user = signup(host, "gemini-user@example.com");
    grant(host, root, user.id, 10);
  }
  HostProcess host;
  Account root, user;
};

}  // namespace

TEST(GeminiHttp, KeyGoesInTheHeaderAndFindingsAreStored) {
  FakeGeminiServer fake;
  fake.setReply(200, geminiReplyWithText(
                         R"({"summary":"SQL built from input","findings":[{"line":2,"endLine":3,"severity":"critical",)"
                         R"("rule":"sql-injection","message":"use a parameterised query"}]})"));
  Fixture f(geminiConfig(fake));
  f.start();
  auto r = analyze(f.host, f.user.token, codeBody("def q(x):\n  db.run('select ' + x)\n  return 1\n",
                                                  R"(,"language":"python")"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(jsonField(r.body, "analyzer"), "gemini");
  EXPECT_EQ(jsonField(r.body, "model"), "gemini-test");
  EXPECT_EQ(jsonField(r.body, "summary"), "SQL built from input");
  EXPECT_NE(r.body.find(R"("line":2)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("severity":"critical")"), std::string::npos) << r.body;

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].uri, "/v1beta/models/gemini-test:generateContent");
  EXPECT_EQ(requests[0].apiKey, kKey);
  EXPECT_NE(requests[0].body.find("1: def q(x):"), std::string::npos) << "the code is sent, numbered";
  EXPECT_EQ(f.host.stop(), 0);
  EXPECT_EQ(f.host.output().find(kKey), std::string::npos) << "the key must never be logged";
}

TEST(GeminiHttp, KeyAndBaseFromTheEnvironment) {
  FakeGeminiServer fake;
  Fixture f("{ analyzer: gemini, gemini: { retry_backoff_ms: 10 } }");
  f.start({{"GEMINI_API_KEY", "env-key-42"}, {"GEMINI_API_BASE", fake.baseUrl()}, {"GEMINI_MODEL", "gemini-env"}});
  auto r = analyze(f.host, f.user.token, codeBody("x = 1\n"));
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.requests()[0].apiKey, "env-key-42");
  EXPECT_EQ(fake.requests()[0].uri, "/v1beta/models/gemini-env:generateContent");
  EXPECT_EQ(f.host.stop(), 0);
}

TEST(GeminiHttp, GeminiWithoutAKeyDoesNotStart) {
  HostProcess host(plugins("{ analyzer: gemini }"));
  EXPECT_FALSE(host.start({{"GEMINI_API_KEY", ""}}));
  EXPECT_NE(host.output().find("GEMINI_API_KEY"), std::string::npos) << host.output();
}

TEST(GeminiHttp, TransientFailuresAreRetried) {
  FakeGeminiServer fake;
  fake.failNext(2, 503);
  Fixture f(geminiConfig(fake, ", max_attempts: 3"));
  f.start();
  auto r = analyze(f.host, f.user.token, codeBody("x = 1\n"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(fake.requests().size(), 3u);
  EXPECT_EQ(balance(f.host.databaseUrl(), f.user.id), 9);
  EXPECT_EQ(f.host.stop(), 0);
}

TEST(GeminiHttp, RetryAfterIsHonoured) {
  FakeGeminiServer fake;
  fake.failNext(1, 429, 1);
  Fixture f(geminiConfig(fake, ", max_attempts: 2"));
  f.start();
  auto started = std::chrono::steady_clock::now();
  auto r = analyze(f.host, f.user.token, codeBody("x = 1\n"));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_GE(took, std::chrono::milliseconds(950));
  EXPECT_EQ(f.host.stop(), 0);
}

class GeminiFailure : public ::testing::TestWithParam<std::string> {};

TEST_P(GeminiFailure, AFailedRunIsRefundedWithACompensatingRow) {
  std::string url = databaseFor(GetParam(), "analysis_gemini");
  if (GetParam() == "postgresql" && url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  FakeGeminiServer fake;
  fake.failNext(100, 500);
  Fixture f(geminiConfig(fake, ", max_attempts: 2"), url);
  f.start();
  auto r = analyze(f.host, f.user.token, codeBody("x = 1\n"));
  ASSERT_EQ(r.status, 502) << r.body;
  EXPECT_NE(jsonField(r.body, "error").find("Gemini answered 500"), std::string::npos) << r.body;
  EXPECT_NE(jsonField(r.body, "error").find("1 credit was refunded"), std::string::npos) << r.body;
  EXPECT_EQ(jsonField(r.body, "analysis.status"), "failed");
  std::string id = jsonField(r.body, "analysis.id");
  EXPECT_EQ(fake.requests().size(), 2u);

  std::string db = f.host.databaseUrl();
  EXPECT_EQ(balance(db, f.user.id), 10);
  auto rows = queryStrings(db, "SELECT type || ':' || CAST(amount AS TEXT) FROM fake_billing_ledger WHERE reference"
                               " LIKE 'analysis:" + id + "%' ORDER BY id");
  EXPECT_EQ(rows, (std::vector<std::string>{"debit:-1", "refund:1"})) << "the debit stays; a refund row compensates";
  auto shown = f.host.get("/api/analyses/" + id, f.user.token);
  EXPECT_EQ(jsonField(shown.body, "status"), "failed");
  auto events = f.host.get("/api/test/analysis-events").body;
  EXPECT_NE(events.find("\"topic\":\"analysis_failed\""), std::string::npos) << events;
  EXPECT_EQ(events.find("analysis_completed"), std::string::npos) << events;
  EXPECT_EQ(f.host.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, GeminiFailure, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(GeminiHttp, ClientErrorsFromGeminiAreNotRetried) {
  FakeGeminiServer fake;
  fake.failNext(100, 400);
  Fixture f(geminiConfig(fake, ", max_attempts: 3"));
  f.start();
  auto r = analyze(f.host, f.user.token, codeBody("x = 1\n"));
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(balance(f.host.databaseUrl(), f.user.id), 10);
  EXPECT_EQ(f.host.stop(), 0);
}

TEST(GeminiHttp, SlowAndUnreachableGeminiFailCleanly) {
  FakeGeminiServer fake;
  fake.setDelayMs(3000);
  Fixture f(geminiConfig(fake, ", max_attempts: 1, timeout_seconds: 1"));
  f.start();
  auto r = analyze(f.host, f.user.token, codeBody("x = 1\n"));
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(jsonField(r.body, "error").find("did not answer within 1 s"), std::string::npos) << r.body;
  EXPECT_EQ(balance(f.host.databaseUrl(), f.user.id), 10);
  EXPECT_EQ(f.host.stop(), 0);

  Fixture down("{ analyzer: gemini, gemini: { api_key: k, api_base: http://127.0.0.1:" +
               std::to_string(cc::test::freePort()) + ", max_attempts: 2, retry_backoff_ms: 10 } }");
  down.start();
  auto gone = analyze(down.host, down.user.token, codeBody("x = 1\n"));
  EXPECT_EQ(gone.status, 502) << gone.body;
  EXPECT_NE(jsonField(gone.body, "error").find("could not be reached"), std::string::npos) << gone.body;
  EXPECT_EQ(balance(down.host.databaseUrl(), down.user.id), 10);
  EXPECT_EQ(down.host.stop(), 0);
}

TEST(GeminiHttp, UnusableAnswersFailAndRefund) {
  FakeGeminiServer fake;
  fake.setReply(200, geminiReplyWithText("Looks good to me!"));
  Fixture f(geminiConfig(fake));
  f.start();
  auto r = analyze(f.host, f.user.token, codeBody("x = 1\n"));
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(jsonField(r.body, "error").find("expected JSON format"), std::string::npos) << r.body;
  EXPECT_EQ(balance(f.host.databaseUrl(), f.user.id), 10);
  EXPECT_EQ(f.host.stop(), 0);
}

// timeout_seconds bounds a whole attempt. A server that sends its reply a byte at a time never
// lets a single read time out; without a deadline per attempt the run would last as long as
// the server liked, and the recovery job could fail and refund it while it was still live.
TEST(GeminiHttp, ATricklingServerIsCutAtTheAttemptDeadline) {
  FakeGeminiServer fake;
  fake.setTrickleMs(50);  // the ~400-byte reply would take ~20 s per attempt
  Fixture f(geminiConfig(fake, ", max_attempts: 2, timeout_seconds: 1"));
  f.start();
  auto started = std::chrono::steady_clock::now();
  auto r = analyze(f.host, f.user.token, codeBody("x = 1\n"));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(jsonField(r.body, "error").find("Gemini did not answer within 1 s (after 2 attempts)"), std::string::npos)
      << r.body;
  EXPECT_EQ(fake.requests().size(), 2u);
  // Two 1 s attempts and a 10 ms wait; the slack is for a loaded machine, far below one
  // trickled reply.
  EXPECT_GE(took, std::chrono::seconds(2));
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_TRUE(f.host.waitForOutput("gemini attempt 1/2 failed: Gemini did not answer within 1 s")) << f.host.output();
  EXPECT_EQ(balance(f.host.databaseUrl(), f.user.id), 10) << "the failed run is refunded";
  EXPECT_EQ(f.host.stop(), 0);
}

// stale_run_seconds must cover the slowest live run: max_attempts x timeout_seconds +
// (max_attempts - 1) x the longest wait (a Retry-After is honoured up to 30 s) + 60 s. With 10
// attempts of 1 s that is 10 + 9 x 30 + 60 = 340 s (the old rule, 3 x 1 x 10 + 60 = 90 s,
// forgot the waits).
TEST(GeminiHttp, StaleRunSecondsBelowTheSlowestRunIsRefusedAtStartup) {
  FakeGeminiServer fake;
  auto config = [&](int staleRunSeconds) {
    return "{ analyzer: gemini, stale_run_seconds: " + std::to_string(staleRunSeconds) + ", gemini: { api_key: " +
           kKey + ", api_base: " + fake.baseUrl() + ", timeout_seconds: 1, max_attempts: 10 } }";
  };
  HostProcess below(plugins(config(339)));
  EXPECT_FALSE(below.start());
  // The error names the key, where it is (file:line) and the minimum.
  std::ifstream file(below.configPath());
  int line = 0, staleLine = 0;
  for (std::string text; std::getline(file, text);) {
    ++line;
    if (text.find("stale_run_seconds") != std::string::npos) staleLine = line;
  }
  ASSERT_GT(staleLine, 0);
  EXPECT_NE(below.output().find("plugins[2].config.stale_run_seconds (" + below.configPath() + ":" +
                                std::to_string(staleLine) + "): must be at least 340 with analyzer gemini (got 339)"),
            std::string::npos)
      << below.output();
  EXPECT_EQ(below.output().find(kKey), std::string::npos) << "the key must never be logged";

  HostProcess at(plugins(config(340)));
  ASSERT_TRUE(at.start()) << at.output();
  EXPECT_EQ(at.stop(), 0);
}
