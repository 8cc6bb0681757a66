// Hostile input to the metered endpoint, POST /api/gemini/analyze, from a user WITH credits
// (issue 10), against one real host with all seven bundled plugins. Hostile but valid text
// (SQL injection, quotes, control characters, odd Unicode) is an ordinary run: 201, stored
// exactly as sent (language lower-cased; the code itself is kept as size and SHA-256 only,
// docs/analysis.md), exactly one credit debited and one run counted by the rate limiter.
// Invalid input (invalid UTF-8, NUL, control characters in the labels, oversized fields) is
// refused with nothing debited or written. The credits come from a signed invoice.paid, as a
// paying customer's do, so a refusal cannot be blamed on an empty balance.
// Each test runs on SQLite and, when CC_TEST_POSTGRES_URL is set, on PostgreSQL.
#include "bad_input_support.hpp"

#include <gtest/gtest.h>

#include <Poco/Crypto/DigestEngine.h>

#include <chrono>

using namespace cc::badinput;
using cc::test::HttpResult;

namespace {

constexpr long kGrantedCredits = 300;         // startup_monthly's credits_per_month
constexpr std::size_t kMaxCodeBytes = 262144;  // analysis max_code_bytes' default
constexpr std::size_t kMaxRouteBody = 524288;  // analysis max_body_bytes' default

// Hostile text that is still valid input for every field (no control characters, at most
// 32 bytes, so it also fits `language`).
const std::vector<std::string> kHostileLabels = {
    "' OR '1'='1",
    "'; DROP TABLE \"Analysis\"; --",
    "1; SELECT pg_sleep(5)",
    "1' AND pg_sleep(5) IS NULL --",
    "\\\" OR 1=1 --",
    "%' OR 1=1 --",
    "'||(SELECT '')||'",
    "$$; SELECT 1; $$",
    "x\" UNION SELECT * FROM \"User\"--",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u202e\u200bfdp.exe",          // right-to-left override and a zero-width space
    "\xf0\x9f\x92\xa3 \xe6\xbc\xa2\xe5\xad\x97",  // emoji and CJK, valid UTF-8
};

std::string sha256Hex(const std::string& text) {
  Poco::Crypto::DigestEngine sha("SHA256");
  sha.update(text);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

std::string asciiLower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// {"code":..,"language":..,"filename":..} with each value already JSON (absent when empty).
std::string analyzeBody(const std::string& codeJson, const std::string& languageJson = "\"cpp\"",
                        const std::string& filenameJson = "\"main.cpp\"") {
  std::string out = "{\"code\":" + codeJson;
  if (!languageJson.empty()) out += ",\"language\":" + languageJson;
  if (!filenameJson.empty()) out += ",\"filename\":" + filenameJson;
  return out + "}";
}

const std::string kPlainCode = "\"int main() {\\n  return 0;\\n}\\n\"";

class BadInputAnalyze : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "postgres") {
      if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = cc::test::createPostgresDatabase("badanalyze");
    }
    h = std::make_unique<AttackHost>(url);
    std::string error;
    ASSERT_TRUE(h->start(error)) << error;
    ASSERT_EQ(grantCredits(*h, h->userId, "analyze"), std::to_string(kGrantedCredits));
    ASSERT_TRUE(waitForAuditWriter(*h, "setup-fence"));
    runner = std::make_unique<AttackRunner>(*h);
  }

  HttpResult analyze(const std::string& body) const {
    return cc::test::http(h->host.port(), "POST", "/api/gemini/analyze", body,
                          {{"Authorization", "Bearer " + h->userToken}, {"Content-Type", "application/json"}});
  }

  long balance() const {
    return std::stol(firstValue(h->url(), "SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = " + sqlQuote(h->userId)));
  }

  /// (requestsToday, analysisRunsToday) of the user.
  std::pair<long, long> counted() const {
    const std::string where = " FROM \"RateLimitTracker\" WHERE \"userId\" = " + sqlQuote(h->userId);
    return {std::stol(firstValue(h->url(), "SELECT \"requestsToday\"" + where)),
            std::stol(firstValue(h->url(), "SELECT \"analysisRunsToday\"" + where))};
  }

  /// An attack on the analyze route with the credited user's token.
  Attack refused(const std::string& name, const std::string& body, std::set<int> statuses = {400}) const {
    Attack a;
    a.name = name;
    a.method = "POST";
    a.path = "/api/gemini/analyze";
    a.body = body;
    a.headers = {{"Authorization", "Bearer " + h->userToken}, {"Content-Type", "application/json"}};
    a.who = Who::User;  // counted as a run by the rate limiter, whatever the outcome
    a.statuses = std::move(statuses);
    return a;
  }

  /// Sends a valid run and checks what was stored and charged: the "Analysis" row holds
  /// exactly the sent labels and the code's size and hash, one credit and one debit row,
  /// one request and one run counted.
  void expectStoredVerbatim(const std::string& code, const std::string& language, const std::string& filename) {
    SCOPED_TRACE("code " + code.substr(0, 60) + " | language " + language + " | filename " + filename.substr(0, 60));
    const long balanceBefore = balance();
    const auto countedBefore = counted();
    auto started = std::chrono::steady_clock::now();
    auto r = analyze(analyzeBody(jsonString(code), jsonString(language), jsonString(filename)));
    auto took = std::chrono::steady_clock::now() - started;
    // A payload that reached SQL as code (pg_sleep(5)) would take seconds.
    EXPECT_LT(took, std::chrono::seconds(2));
    ASSERT_EQ(r.status, 201) << r.body.substr(0, 300);
    const std::string id = cc::test::jsonField(r.body, "id");
    EXPECT_EQ(cc::test::jsonField(r.body, "language"), asciiLower(language));
    EXPECT_EQ(cc::test::jsonField(r.body, "filename"), filename);

    const std::string row = " FROM \"Analysis\" WHERE id = " + sqlQuote(id);
    EXPECT_EQ(firstValue(h->url(), "SELECT COUNT(*)" + row), "1");
    EXPECT_EQ(firstValue(h->url(), "SELECT \"userId\"" + row), h->userId);
    EXPECT_EQ(firstValue(h->url(), "SELECT language" + row), asciiLower(language));
    EXPECT_EQ(firstValue(h->url(), "SELECT filename" + row), filename);
    EXPECT_EQ(firstValue(h->url(), "SELECT CAST(\"codeBytes\" AS TEXT)" + row), std::to_string(code.size()));
    EXPECT_EQ(firstValue(h->url(), "SELECT \"codeSha256\"" + row), sha256Hex(code));
    EXPECT_EQ(firstValue(h->url(), "SELECT status" + row), "completed");

    EXPECT_EQ(balance(), balanceBefore - 1) << "exactly one credit per run";
    EXPECT_EQ(firstValue(h->url(), "SELECT COUNT(*) FROM \"Transaction\" WHERE reference = " + sqlQuote("analysis:" + id)), "1");
    auto countedAfter = counted();
    EXPECT_EQ(countedAfter.first, countedBefore.first + 1);
    EXPECT_EQ(countedAfter.second, countedBefore.second + 1);
    // Read back through the API, the labels are the same too.
    auto back = h->host.get("/api/analyses/" + id, h->userToken);
    ASSERT_EQ(back.status, 200) << back.body.substr(0, 300);
    EXPECT_EQ(cc::test::jsonField(back.body, "filename"), filename);
    EXPECT_EQ(cc::test::jsonField(back.body, "codeSha256"), sha256Hex(code));
  }

  std::unique_ptr<AttackHost> h;
  std::unique_ptr<AttackRunner> runner;
};

TEST_P(BadInputAnalyze, HostileButValidTextIsStoredVerbatimAndChargedOnce) {
  const long startBalance = balance();
  int runs = 0;
  for (const auto& text : kHostileLabels) {
    // The hostile text as the code (inside a comment and alone), the language and the filename.
    expectStoredVerbatim("// " + text + "\nint main() { return 0; }\n", "cpp", "main.cpp");
    expectStoredVerbatim(text, "cpp", "main.cpp");
    expectStoredVerbatim("int x = 1;\n", text, "main.cpp");
    expectStoredVerbatim("int x = 1;\n", "cpp", text);
    runs += 4;
  }
  // Code may hold some control characters (escape sequences in string literals, form feeds).
  expectStoredVerbatim("const char* red = \"\x1b[31m\";  // colour\n\f\vint main() { return 0; }\n", "cpp", "colour.cpp");
  expectStoredVerbatim("print('tab\there')\r\n# \x01 one stray byte in a long enough line of text\n", "Python", "x.py");
  // At the limits: the longest language and filename allowed.
  expectStoredVerbatim("x", std::string(32, 'L'), std::string(255, 'f'));
  runs += 3;
  EXPECT_EQ(balance(), startBalance - runs);
  EXPECT_EQ(firstValue(h->url(), "SELECT COUNT(*) FROM \"Analysis\" WHERE \"userId\" = " + sqlQuote(h->userId)),
            std::to_string(runs));
  ASSERT_EQ(cc::test::http(h->host.port(), "GET", "/healthz").status, 200);
}

TEST_P(BadInputAnalyze, SqlSleepPayloadsAnswerQuickly) {
  // Every field at once, so one request carries the payload to every query it touches.
  for (const std::string& sleep : {"1; SELECT pg_sleep(5)", "'; SELECT pg_sleep(5); --", "1' AND pg_sleep(5) IS NULL --",
                                   "1) OR pg_sleep(5) IS NULL --", "'||pg_sleep(5)||'"}) {
    auto started = std::chrono::steady_clock::now();
    auto r = analyze(analyzeBody(jsonString(sleep), jsonString(sleep), jsonString(sleep)));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.status, 201) << r.body.substr(0, 300);
    EXPECT_LT(took, std::chrono::seconds(2)) << sleep;
    // The same payload in the path and the query of the reads.
    started = std::chrono::steady_clock::now();
    EXPECT_EQ(h->host.get("/api/analyses/" + percentEncode(sleep), h->userToken).status, 404);
    EXPECT_EQ(h->host.get("/api/analyses?limit=" + percentEncode(sleep), h->userToken).status, 400);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2)) << sleep;
  }
}

TEST_P(BadInputAnalyze, InvalidInputIsRefusedWithNothingDebited) {
  const long startBalance = balance();
  std::vector<Attack> attacks;
  // Invalid UTF-8 (a lone continuation byte, a truncated sequence, an overlong NUL, a
  // surrogate) in each field, raw and as an escaped lone surrogate.
  for (const std::string& bad : {"\xff\xfe", "abc\xc3", "\xc0\x80", "\xed\xa0\x80"}) {
    attacks.push_back(refused("invalid UTF-8 in code", analyzeBody(jsonString("int x;\n" + bad))));
    attacks.push_back(refused("invalid UTF-8 in language", analyzeBody(kPlainCode, jsonString("c" + bad))));
    attacks.push_back(refused("invalid UTF-8 in filename", analyzeBody(kPlainCode, "\"cpp\"", jsonString("a" + bad + ".c"))));
  }
  attacks.push_back(refused("lone surrogate escape in code", analyzeBody("\"int x; \\ud800\"")));
  attacks.push_back(refused("lone surrogate escape in filename", analyzeBody(kPlainCode, "\"cpp\"", "\"a\\udc00.c\"")));
  // NUL and control characters.
  attacks.push_back(refused("escaped NUL in code", analyzeBody("\"int x;\\u0000\\n\"")));
  attacks.push_back(refused("escaped NUL in language", analyzeBody(kPlainCode, "\"c\\u0000pp\"")));
  attacks.push_back(refused("escaped NUL in filename", analyzeBody(kPlainCode, "\"cpp\"", "\"main.cpp\\u0000.txt\"")));
  attacks.push_back(refused("mostly control characters in code", analyzeBody(jsonString(std::string(50, '\x01') + "int x;"))));
  for (const std::string& control : {"\n", "\r", "\t", "\x1b[31m", "\x7f", "\x01"}) {
    attacks.push_back(refused("control character in language", analyzeBody(kPlainCode, jsonString("c" + control + "pp"))));
    attacks.push_back(refused("control character in filename", analyzeBody(kPlainCode, "\"cpp\"", jsonString("a" + control + ".c"))));
  }
  // Wrong shapes for a user who could pay.
  attacks.push_back(refused("whitespace-only code", analyzeBody("\" \\n\\t \"")));
  attacks.push_back(refused("empty code", analyzeBody("\"\"")));
  attacks.push_back(refused("code as an array of SQL", analyzeBody("[\"' OR '1'='1\"]")));
  attacks.push_back(refused("code as an object", analyzeBody("{\"$ne\":null}")));
  attacks.push_back(refused("language as a number", analyzeBody(kPlainCode, "1")));
  attacks.push_back(refused("filename as an object", analyzeBody(kPlainCode, "\"cpp\"", "{\"a\":1}")));
  // Sizes: language above 32 bytes, filename above 255, code above max_code_bytes (413),
  // the body above the route's 512 KiB (413), and above the host's 1 MiB (413, answered
  // before the middleware, so not counted).
  attacks.push_back(refused("language of 33 bytes", analyzeBody(kPlainCode, jsonString(std::string(33, 'l')))));
  attacks.push_back(refused("filename of 256 bytes", analyzeBody(kPlainCode, "\"cpp\"", jsonString(std::string(256, 'f')))));
  attacks.push_back(refused("code one byte above max_code_bytes", analyzeBody(jsonString(std::string(kMaxCodeBytes + 1, 'x'))), {413}));
  attacks.push_back(refused("body above the route's limit", analyzeBody(jsonString(std::string(kMaxRouteBody, 'x'))), {413}));
  Attack aboveHost = refused("body above the host's limit", analyzeBody(jsonString(std::string(1024 * 1024 + 10, 'x'))), {413});
  aboveHost.reachesMiddleware = false;
  attacks.push_back(aboveHost);
  runner->run(attacks);
  EXPECT_EQ(balance(), startBalance) << "a refused run was charged";
  EXPECT_EQ(firstValue(h->url(), "SELECT COUNT(*) FROM \"Analysis\""), "0");
}

INSTANTIATE_TEST_SUITE_P(Engines, BadInputAnalyze, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
