// Bad input and attacks against every endpoint of one real host with all seven bundled plugins
// (issue 10): malformed and wrongly typed JSON, huge bodies, invalid UTF-8, SQL injection in
// every field and parameter, forged tokens, static-file traversal, forged Stripe webhooks.
// Expected everywhere: a 4xx JSON error, no 5xx, no crash, nothing written (see AttackRunner).
// Each test runs on SQLite and, when CC_TEST_POSTGRES_URL is set, on PostgreSQL.
#include "bad_input_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

using namespace cc::badinput;
using cc::test::HttpResult;

namespace {

const std::vector<std::string> kSqlInjections = {
    "' OR '1'='1", "'; DROP TABLE \"User\"; --", "1; SELECT pg_sleep(5)", "\\\" OR 1=1 --", "%' OR 1=1 --"};
// Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong NUL, a surrogate.
const std::vector<std::string> kInvalidUtf8 = {"\xff\xfe", "abc\xc3", "\xc0\x80", "\xed\xa0\x80"};

class BadInput : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "postgres") {
      if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = cc::test::createPostgresDatabase("badinput");
    }
    h = std::make_unique<AttackHost>(url);
    std::string error;
    ASSERT_TRUE(h->start(error)) << error;
    runner = std::make_unique<AttackRunner>(*h);
  }

  std::string tokenOf(Who who) const {
    return who == Who::User ? h->userToken : who == Who::Admin ? h->adminToken : "";
  }
  std::map<std::string, std::string> authHeader(Who who) const {
    if (who == Who::Nobody) return {};
    return {{"Authorization", "Bearer " + tokenOf(who)}};
  }

  std::unique_ptr<AttackHost> h;
  std::unique_ptr<AttackRunner> runner;
};

// ---- the endpoint table ------------------------------------------------------------------------

enum class FieldType { String, Boolean };
struct Field {
  std::string name;
  FieldType type;
  std::string validJson;  // a value that passes this field's own checks
};

/// A JSON-body route and a base body that passes validation but still ends in a 4xx that
/// writes nothing (an existing e-mail, a wrong password, no credits, an unknown plan or user),
/// so any one field swapped for a hostile value must also end in a 4xx that writes nothing.
struct BodyEndpoint {
  std::string method, path;
  Who who;
  std::vector<Field> fields;
  std::size_t routeLimit = 1024 * 1024;  // the route's body limit (host: server.max_body_bytes)
  bool isLogin = false;
};

std::string bodyWith(const BodyEndpoint& e, const std::string& field, const std::optional<std::string>& valueJson) {
  std::string out = "{";
  for (const auto& f : e.fields) {
    if (f.name == field && !valueJson) continue;  // missing field
    if (out.size() > 1) out += ",";
    out += jsonString(f.name) + ":" + (f.name == field ? *valueJson : f.validJson);
  }
  return out + "}";
}

std::vector<BodyEndpoint> bodyEndpoints(const AttackHost& h) {
  (void)h;
  return {
      {"POST", "/api/auth/signup", Who::Nobody,
       {{"email", FieldType::String, jsonString(h.userEmail)},  // exists: 409
        {"password", FieldType::String, "\"correct horse battery\""}},
       16 * 1024},
      {"POST", "/api/auth/login", Who::Nobody,
       {{"email", FieldType::String, jsonString(h.userEmail)},
        {"password", FieldType::String, "\"wrong password 1234\""}},  // 401, audited
       16 * 1024, true},
      {"POST", "/api/gemini/analyze", Who::User,  // the user has no credits: 402
       {{"code", FieldType::String, "\"int main() { return 0; }\\n\""},
        {"language", FieldType::String, "\"cpp\""},
        {"filename", FieldType::String, "\"main.cpp\""}}},
      {"POST", "/api/subscriptions/create", Who::User, {{"planId", FieldType::String, "\"no_such_plan\""}}},
      {"POST", "/api/subscriptions/cancel", Who::User, {{"atPeriodEnd", FieldType::Boolean, "true"}}},  // none: 404
      {"POST", "/api/subscriptions/change-plan", Who::User, {{"newPlanId", FieldType::String, "\"startup_annual\""}}},
      {"POST", "/api/subscriptions/preview-change", Who::User, {{"planId", FieldType::String, "\"startup_annual\""}}},
      // Never subscribed: 409 before Stripe is asked. The route reads no body at all, so every
      // body attack must end in that same refusal.
      {"POST", "/api/subscriptions/portal", Who::User, {}, 16 * 1024},
      // A well-formed id that is not on sale: 400 before a customer or checkout session exists.
      {"POST", "/api/credits/purchase", Who::User, {{"pack", FieldType::String, "\"no_such_pack\""}}, 16 * 1024},
      {"POST", "/api/admin/users/no-such-user/suspend", Who::Admin, {{"reason", FieldType::String, "\"fraud\""}}},
      {"POST", "/api/admin/users/no-such-user/reactivate", Who::Admin, {}},
  };
}

/// Whole-body attacks: broken JSON, other top-level types, wrong content types, huge bodies.
std::vector<Attack> wholeBodyAttacks(const BodyEndpoint& e, const std::map<std::string, std::string>& auth) {
  const std::string base = bodyWith(e, "", std::nullopt);
  std::vector<std::pair<std::string, std::string>> bodies = {
      {"empty body", ""},
      {"lone brace", "{"},
      {"truncated base body", base.substr(0, base.size() / 2)},
      {"truncated string", "{\"a\":\"abc"},
      {"trailing comma", "{\"a\":1,}"},
      {"single quotes", "{'a':'b'}"},
      {"not json", "hello world"},
      {"two objects", base + base},
      {"trailing garbage", base + " garbage"},
      {"array", "[]"},
      {"array of base", "[" + base + "]"},
      {"string", "\"text\""},
      {"number", "42"},
      {"null", "null"},
      {"true", "true"},
      {"NUL byte", std::string("{\"a\":1\0}", 8)},
      {"invalid UTF-8 around the object", "\xff\xfe" + base},
      {"lone surrogate escape", "{\"a\":\"\\ud800\"}"},
      {"deep array nesting", std::string(100000, '[')},
      {"deep object nesting", [] {
         std::string s;
         for (int i = 0; i < 20000; ++i) s += "{\"a\":";
         return s;
       }()},
      {"huge number", "{\"a\":1" + std::string(5000, '0') + "}"},
  };
  std::vector<Attack> out;
  for (auto& [name, body] : bodies) {
    Attack a;
    a.name = e.path + " " + name;
    a.method = e.method;
    a.path = e.path;
    a.body = body;
    a.headers = auth;
    out.push_back(a);
  }
  // Wrong content types: a form and a text body; the base body under text/plain still ends in
  // the base 4xx (or 415), never in a write.
  for (auto [type, body] : std::vector<std::pair<std::string, std::string>>{
           {"application/x-www-form-urlencoded", "email=a%40b.c&password=x&planId=startup_monthly"},
           {"text/plain", base},
           {"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--"}}) {
    Attack a;
    a.name = e.path + " content type " + type;
    a.method = e.method;
    a.path = e.path;
    a.body = body;
    a.headers = auth;
    a.headers["Content-Type"] = type;
    a.loginFailureOn401 = e.isLogin;
    out.push_back(a);
  }
  // Above the route's limit (16 KiB for signup/login), and above the host's 1 MiB.
  for (std::size_t size : {e.routeLimit + 1, std::size_t(1024 * 1024 + 100)}) {
    Attack a;
    a.name = e.path + " body of " + std::to_string(size) + " bytes";
    a.method = e.method;
    a.path = e.path;
    a.body = "{\"a\":\"" + std::string(size, 'x') + "\"}";
    a.headers = auth;
    a.statuses = {413};
    // Above server.max_body_bytes the server answers before routing and middleware, so the
    // rate limiter never sees the request (docs/architecture.md).
    a.reachesMiddleware = size <= 1024 * 1024;
    out.push_back(a);
  }
  return out;
}

/// Per-field attacks: every wrong type, missing, SQL injection, invalid UTF-8, long, NUL.
std::vector<Attack> fieldAttacks(const BodyEndpoint& e, const std::map<std::string, std::string>& auth) {
  std::vector<Attack> out;
  auto add = [&](const std::string& field, const std::string& what, const std::optional<std::string>& value,
                 bool mayReachLogin) {
    Attack a;
    a.name = e.path + " field " + field + ": " + what;
    a.method = e.method;
    a.path = e.path;
    a.body = bodyWith(e, field, value);
    a.headers = auth;
    // A well-typed login body reaches the password check and is audited as login_failed.
    a.loginFailureOn401 = e.isLogin && mayReachLogin;
    out.push_back(a);
  };
  for (const auto& f : e.fields) {
    for (auto [what, json] : std::vector<std::pair<std::string, std::string>>{
             {"integer", "1"}, {"float", "1.5"}, {"negative", "-1"}, {"huge integer", "1e400"},
             {"object", "{\"$ne\":null}"}, {"array", "[\"a\"]"}, {"null", "null"}}) {
      add(f.name, what, json, false);
    }
    add(f.name, f.type == FieldType::String ? "boolean" : "string", f.type == FieldType::String ? "true" : "\"true\"",
        false);
    add(f.name, "missing", std::nullopt, false);
    if (f.type != FieldType::String) continue;
    add(f.name, "empty string", "\"\"", true);
    for (const auto& sql : kSqlInjections) add(f.name, "SQL injection " + sql, jsonString(sql), true);
    for (const auto& bad : kInvalidUtf8) add(f.name, "invalid UTF-8", jsonString(bad + "@example.com"), true);
    add(f.name, "escaped NUL", "\"a\\u0000b@example.com\"", true);
    add(f.name, "control characters", "\"\\u0001\\u001b[31m\\r\\n\"", true);
    add(f.name, "8000 characters", jsonString(std::string(8000, 'a')), true);
  }
  // Mass assignment: fields the client must never set, next to an otherwise valid body.
  Attack extra;
  extra.name = e.path + " extra privileged fields";
  extra.method = e.method;
  extra.path = e.path;
  std::string base = bodyWith(e, "", std::nullopt);
  extra.body = base.substr(0, base.size() - 1) + (e.fields.empty() ? "" : ",") +
               "\"isAdmin\":true,\"tier\":\"unlimited\",\"credits\":1000000,\"userId\":\"x\",\"__proto__\":{\"isAdmin\":true}}";
  extra.headers = auth;
  extra.loginFailureOn401 = e.isLogin;
  out.push_back(extra);
  return out;
}

// ---- forged tokens -------------------------------------------------------------------------------

struct TokenCase {
  std::string name;
  std::string authorization;  // the whole header value; "" sends no header
  int status = 401;
};

std::vector<TokenCase> tokenCases(const AttackHost& h) {
  const std::int64_t later = nowUnix() + 3600;
  const std::string good = claims(h.userId, later);
  std::vector<TokenCase> t = {
      {"no token", ""},
      {"empty bearer", "Bearer "},
      {"garbage", "Bearer garbage"},
      {"three garbage segments", "Bearer a.b.c"},
      {"basic scheme", "Basic dXNlcjpwYXNz"},
      {"user token without scheme", h.userToken},
      {"alg none, no signature", "Bearer " + forgeToken(R"({"alg":"none","typ":"JWT"})", good, "")},
      {"alg None, no signature", "Bearer " + forgeToken(R"({"alg":"None"})", good, "")},
      {"alg none with a real signature", "Bearer " + forgeToken(R"({"alg":"none"})", good, h.jwtSecret)},
      {"no alg", "Bearer " + forgeToken(R"({"typ":"JWT"})", good, h.jwtSecret)},
      {"wrong key", "Bearer " + forgeToken(kHs256Header, good, "another-secret-that-is-long-enough-000000")},
      {"empty key", "Bearer " + forgeToken(kHs256Header, good, std::string(1, '\0'))},
      {"expired", "Bearer " + forgeToken(kHs256Header, claims(h.userId, nowUnix() - 1), h.jwtSecret)},
      {"exp as text", "Bearer " + forgeToken(kHs256Header,
                                             "{\"sub\":\"" + h.userId + "\",\"iss\":\"codecouncil\",\"exp\":\"9999999999\"}",
                                             h.jwtSecret)},
      {"no exp", "Bearer " + forgeToken(kHs256Header, "{\"sub\":\"" + h.userId + "\",\"iss\":\"codecouncil\"}", h.jwtSecret)},
      {"wrong issuer", "Bearer " + forgeToken(kHs256Header, claims(h.userId, later, "evil"), h.jwtSecret)},
      {"RS256 header, HMAC with our key", "Bearer " + forgeToken(R"({"alg":"RS256","typ":"JWT"})", good, h.jwtSecret)},
      {"HS256 keyed with a public key", "Bearer " + forgeToken(kHs256Header, good, kPublicKeyPem)},
      {"HS512 header", "Bearer " + forgeToken(R"({"alg":"HS512"})", good, h.jwtSecret)},
      {"signature of another token", "Bearer " + forgeToken(kHs256Header, claims(h.adminId, later), "x").substr(0, 0) +
                                         h.userToken.substr(0, h.userToken.rfind('.')) +
                                         h.adminToken.substr(h.adminToken.rfind('.'))},
      {"subject is someone else, wrong key", "Bearer " + forgeToken(kHs256Header, claims(h.adminId, later), "k")},
      {"validly signed SQL injection subject", "Bearer " + h.validTokenFor("' OR '1'='1", later)},
      {"validly signed unknown subject", "Bearer " + h.validTokenFor("no-such-user", later)},
      {"validly signed empty subject", "Bearer " + h.validTokenFor("", later)},
      {"validly signed invalid UTF-8 subject", "Bearer " + h.validTokenFor("\xff\xfe", later)},
      {"four segments", "Bearer " + h.userToken + ".AAAA"},
      {"padded signature", "Bearer " + h.userToken + "="},
      {"7 KB garbage token", "Bearer " + std::string(7 * 1024, 'a')},
      {"token of a deleted user", "Bearer " + h.deletedToken},
      {"token of a suspended user", "Bearer " + h.suspendedToken, 403},
  };
  return t;
}

struct AuthRoute {
  std::string method, path;
  bool adminOnly;
};

const std::vector<AuthRoute> kAuthRoutes = {
    {"GET", "/api/auth/me", false},
    {"GET", "/api/subscriptions/current", false},
    {"POST", "/api/subscriptions/create", false},
    {"POST", "/api/subscriptions/cancel", false},
    {"POST", "/api/subscriptions/change-plan", false},
    {"POST", "/api/subscriptions/preview-change", false},
    {"POST", "/api/subscriptions/portal", false},
    {"GET", "/api/subscriptions/invoices", false},
    {"GET", "/api/credits", false},
    {"GET", "/api/credits/packs", false},
    {"POST", "/api/credits/purchase", false},
    {"GET", "/api/rate-limit/usage", false},
    {"POST", "/api/gemini/analyze", false},
    {"GET", "/api/analyses", false},
    {"GET", "/api/analyses/some-id", false},
    {"GET", "/api/admin/stats", true},
    {"GET", "/api/admin/analytics", true},
    {"GET", "/api/admin/audit-logs", true},
    {"GET", "/api/admin/audit-logs/export", true},
    {"GET", "/api/admin/users", true},
    {"GET", "/api/admin/users/export", true},
    {"GET", "/api/admin/users/some-id", true},
    {"GET", "/api/admin/users/some-id/timeline", true},
    {"POST", "/api/admin/users/some-id/suspend", true},
    {"POST", "/api/admin/users/some-id/reactivate", true},
};

/// Routes no token is needed for, so kAuthRoutes has no place for them, and where each one's
/// input is attacked. Signup and login are bodyEndpoints; the GET routes here read no input
/// but the token, which must change nothing (PublicRoutesAnswerForgedTokensAsAnonymousCalls).
const std::map<std::string, std::string> kPublicRoutes = {
    {"POST /api/auth/signup", "bodyEndpoints"},
    {"POST /api/auth/login", "bodyEndpoints"},
    {"POST /api/billing/stripe/webhook", "bad_input_webhook_test.cpp"},
    {"GET /admin/*path", "bad_input_static_test.cpp"},
    {"GET /healthz", "kPublicReads"},
    {"GET /readyz", "kPublicReads"},
    {"GET /api/openapi.yaml", "kPublicReads"},
    {"GET /api/subscriptions/plans", "kPublicReads"},
    {"GET /metrics", "kPublicReads"},
};
const std::vector<std::string> kPublicReads = {"/healthz", "/readyz", "/api/openapi.yaml", "/api/subscriptions/plans",
                                               "/metrics"};

// ---- the host's own route list ---------------------------------------------------------------

struct RegisteredRoute {
  std::string method, pattern;
  std::string key() const { return method + " " + pattern; }
};

std::vector<std::string> pathSegments(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(path.substr(0, path.find('?')));
  for (std::string seg; std::getline(in, seg, '/');)
    if (!seg.empty()) out.push_back(seg);
  return out;
}

/// What `codecouncil plugins` lists under "routes:" ("  GET /api/x/:id  (owner)" lines).
std::vector<RegisteredRoute> registeredRoutes(const std::string& configPath, std::string& output) {
  auto listing = cc::test::runHost({"plugins", "--config", configPath});
  output = listing.output;
  std::vector<RegisteredRoute> routes;
  if (listing.exitCode != 0) return routes;
  std::istringstream in(listing.output);
  bool inRoutes = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "routes:" || line == "jobs:") {
      inRoutes = line == "routes:";
      continue;
    }
    std::istringstream row(line);
    RegisteredRoute r;
    if (inRoutes && line.rfind("  ", 0) == 0 && row >> r.method >> r.pattern) routes.push_back(r);
  }
  return routes;
}

/// The route the router picks for `method path`: of the patterns that match, the one with the
/// most literal segments (docs/sdk-reference.md, Routes); nullptr when none matches.
const RegisteredRoute* routeFor(const std::vector<RegisteredRoute>& routes, const std::string& method,
                                const std::string& path) {
  const auto segments = pathSegments(path);
  const RegisteredRoute* best = nullptr;
  long bestLiterals = -1;
  for (const auto& r : routes) {
    if (r.method != method) continue;
    const auto pattern = pathSegments(r.pattern);
    bool matches = true;
    long literals = 0;
    for (std::size_t i = 0; matches && i < pattern.size(); ++i) {
      if (pattern[i][0] == '*') break;  // the rest of the path, however long
      if (i >= segments.size()) {
        matches = false;
      } else if (pattern[i][0] != ':') {
        matches = pattern[i] == segments[i];
        ++literals;
      }
    }
    const bool wildcard = !pattern.empty() && pattern.back()[0] == '*';
    if (!wildcard && pattern.size() != segments.size()) matches = false;
    if (matches && literals > bestLiterals) {
      best = &r;
      bestLiterals = literals;
    }
  }
  return best;
}

// ---- tests ---------------------------------------------------------------------------------------

TEST_P(BadInput, EveryRouteOfTheBundledPluginsIsInTheSuitesTables) {
  // The host's own list of what it serves: a route a plugin adds later fails here until the
  // suite attacks it (kAuthRoutes, bodyEndpoints) or names where it is attacked (kPublicRoutes).
  std::string output;
  auto routes = registeredRoutes(h->host.configPath(), output);
  ASSERT_GT(routes.size(), 20u) << "codecouncil plugins listed too few routes:\n" << output;
  std::set<std::string> covered;
  auto cover = [&](const std::string& method, const std::string& path, const std::string& table) {
    const RegisteredRoute* r = routeFor(routes, method, path);
    EXPECT_TRUE(r) << table << " has " << method << " " << path << ", which no route serves";
    if (r) covered.insert(r->key());
  };
  for (const auto& route : kAuthRoutes) cover(route.method, route.path, "kAuthRoutes");
  for (const auto& e : bodyEndpoints(*h)) cover(e.method, e.path, "bodyEndpoints");
  for (const auto& path : kPublicReads) cover("GET", path, "kPublicReads");
  for (const auto& [key, where] : kPublicRoutes) {
    const bool listed = std::any_of(routes.begin(), routes.end(), [&](const auto& r) { return r.key() == key; });
    EXPECT_TRUE(listed) << "kPublicRoutes names " << key << " (attacked in " << where << "), which no plugin registers";
    covered.insert(key);
  }
  for (const auto& r : routes)
    EXPECT_TRUE(covered.count(r.key())) << r.key() << " is served but not attacked: add it to kAuthRoutes (and "
                                        << "bodyEndpoints when it reads a body), or to kPublicRoutes";
}

TEST_P(BadInput, PublicRoutesAnswerForgedTokensAsAnonymousCalls) {
  // A forged or broken token on a route that needs none is ignored: the same status as no
  // token at all, nothing written, and no admin detail (/readyz shows versions and errors to
  // an admin's token only).
  std::vector<Attack> attacks;
  for (const auto& path : kPublicReads) {
    const int anonymous = h->host.get(path).status;
    ASSERT_EQ(anonymous, 200) << path;
    for (const auto& t : tokenCases(*h)) {
      if (t.status != 401) continue;  // a suspended user's token is a real one, not a forgery
      Attack a;
      a.name = "public route with " + t.name;
      a.path = path;
      if (!t.authorization.empty()) a.headers["Authorization"] = t.authorization;
      a.statuses = {anonymous};
      a.jsonError = false;
      if (path == "/readyz")
        a.check = [](const HttpResult& r) { EXPECT_EQ(r.body.find("\"version\""), std::string::npos) << r.body.substr(0, 300); };
      attacks.push_back(a);
    }
  }
  runner->run(attacks);
}

TEST_P(BadInput, PurchaseOfAPackOnSaleCallsStripeSoTheNoCallCheckCanFail) {
  // The control for the Stripe check in AttackRunner: the fake records the checkout session a
  // valid purchase creates, so a refused attack that had called Stripe would be seen.
  const auto before = h->stripe.requests("POST", "/v1/checkout/sessions").size();
  auto r = cc::test::http(h->host.port(), "POST", "/api/credits/purchase",
                          std::string("{\"pack\":\"") + AttackHost::kCreditPackId + "\"}",
                          {{"Authorization", "Bearer " + h->userToken}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(h->stripe.requests("POST", "/v1/checkout/sessions").size(), before + 1);
}

TEST_P(BadInput, ForgedTokenWithTheHostsKeyIsAcceptedSoTheForgeriesFailForTheirFlaw) {
  // The control for the token table: the forging helper makes tokens the host accepts, so each
  // refused variant is refused for its one deliberate flaw.
  auto r = h->host.get("/api/auth/me", h->validTokenFor(h->userId, nowUnix() + 600));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(cc::test::jsonField(r.body, "user.id"), h->userId);
}

TEST_P(BadInput, ForgedAndInvalidTokensAreRefusedOnEveryAuthenticatedRoute) {
  std::vector<Attack> attacks;
  for (const auto& route : kAuthRoutes) {
    for (const auto& t : tokenCases(*h)) {
      Attack a;
      a.name = t.name;
      a.method = route.method;
      a.path = route.path;
      a.body = route.method == "POST" ? "{}" : "";
      if (!t.authorization.empty()) a.headers["Authorization"] = t.authorization;
      a.statuses = {t.status};
      a.check = [status = t.status](const HttpResult& r) {
        if (status == 401) EXPECT_EQ(r.header("www-authenticate").rfind("Bearer", 0), 0u) << r.header("www-authenticate");
      };
      attacks.push_back(a);
    }
    if (route.adminOnly) {
      Attack a;
      a.name = "a normal user's token on an admin route";
      a.method = route.method;
      a.path = route.path;
      a.body = route.method == "POST" ? "{\"reason\":\"x\"}" : "";
      a.headers = authHeader(Who::User);
      a.who = Who::User;  // a valid token: counted, then refused by the access check
      a.statuses = {403};
      attacks.push_back(a);
    }
  }
  // A long token within server.max_header_bytes (16 KiB) reaches the host and is refused as
  // malformed; headers above the limit are refused by the socket layer with a JSON 431,
  // before anything is parsed as a token. Neither writes anything.
  Attack longToken;
  longToken.name = "9 KiB Authorization header";
  longToken.path = "/api/auth/me";
  longToken.headers["Authorization"] = "Bearer " + std::string(9 * 1024, 'a');
  longToken.statuses = {401};
  attacks.push_back(longToken);
  Attack oversized;
  oversized.name = "20 KiB Authorization header";
  oversized.path = "/api/auth/me";
  oversized.headers["Authorization"] = "Bearer " + std::string(20 * 1024, 'a');
  oversized.statuses = {431};
  attacks.push_back(oversized);
  runner->run(attacks);
}

TEST_P(BadInput, MalformedBodiesOnEveryJsonRouteAre4xxAndWriteNothing) {
  std::vector<Attack> attacks;
  for (const auto& e : bodyEndpoints(*h)) {
    for (auto& a : wholeBodyAttacks(e, authHeader(e.who))) {
      a.who = e.who;
      attacks.push_back(a);
    }
  }
  runner->run(attacks);
}

TEST_P(BadInput, HostileFieldValuesOnEveryJsonRouteAre4xxAndWriteNothing) {
  std::vector<Attack> attacks;
  for (const auto& e : bodyEndpoints(*h)) {
    for (auto& a : fieldAttacks(e, authHeader(e.who))) {
      a.who = e.who;
      attacks.push_back(a);
    }
  }
  runner->run(attacks);
}

TEST_P(BadInput, HostileQueryAndPathParametersAre4xxOrFindNothing) {
  std::vector<Attack> attacks;
  // Invalid UTF-8 in the path or a parameter is refused by the server before the pipeline, so
  // the rate limiter does not count those requests.
  bool refusedBeforePipeline = false;
  auto add = [&](Who who, const std::string& path, std::set<int> statuses = {},
                 std::function<void(const HttpResult&)> check = nullptr) {
    Attack a;
    a.name = path.substr(0, 100);
    a.path = path;
    if (path.find("/suspend") != std::string::npos || path.find("/reactivate") != std::string::npos) {
      a.method = "POST";
      a.body = "{\"reason\":\"fraud\"}";
    }
    a.headers = authHeader(who);
    a.who = who;
    a.statuses = std::move(statuses);
    if (refusedBeforePipeline) a.statuses.insert(400);
    a.reachesMiddleware = !refusedBeforePipeline;
    a.check = std::move(check);
    if (a.statuses.count(200)) a.jsonError = false;
    attacks.push_back(a);
  };
  // A filter value that reached SQL as code would match rows; as data it matches none.
  auto totalIsZero = [](const HttpResult& r) {
    if (r.status == 200) EXPECT_EQ(cc::test::jsonField(r.body, "total"), "0") << r.body.substr(0, 300);
  };
  std::vector<std::string> hostile = kSqlInjections;
  for (const auto& bad : kInvalidUtf8) hostile.push_back(bad);
  hostile.push_back("../../../../etc/passwd");
  hostile.push_back(std::string(5000, 'a'));
  hostile.push_back(std::string("a\0b", 3));
  for (const auto& raw : hostile) {
    const std::string v = percentEncode(raw);
    refusedBeforePipeline = std::find(kInvalidUtf8.begin(), kInvalidUtf8.end(), raw) != kInvalidUtf8.end();
    for (const auto& p : {"limit", "offset"}) {
      add(Who::User, "/api/analyses?" + std::string(p) + "=" + v, {400});
      add(Who::Admin, "/api/admin/users?" + std::string(p) + "=" + v, {400});
      add(Who::Admin, "/api/admin/audit-logs?" + std::string(p) + "=" + v, {400});
    }
    add(Who::User, "/api/analyses/" + v, {400, 404});
    add(Who::Admin, "/api/admin/users/" + v, {400, 404});
    add(Who::Admin, "/api/admin/users/" + v + "/suspend", {400, 404});
    add(Who::Admin, "/api/admin/users/" + v + "/reactivate", {400, 404});
    for (const auto& p : {"status", "suspended", "admin"}) add(Who::Admin, "/api/admin/users?" + std::string(p) + "=" + v, {400});
    for (const auto& p : {"search", "tier"}) add(Who::Admin, "/api/admin/users?" + std::string(p) + "=" + v, {200, 400}, totalIsZero);
    for (const auto& p : {"userId", "action", "resourceType"})
      add(Who::Admin, "/api/admin/audit-logs?" + std::string(p) + "=" + v, {200, 400}, totalIsZero);
    for (const auto& p : {"severity", "from", "to"}) add(Who::Admin, "/api/admin/audit-logs?" + std::string(p) + "=" + v, {400});
    // The streamed export takes the list's filters, checked before the first byte is sent. Only
    // the refused ones here: an export that is answered is itself audited (audit_logs_exported),
    // which the runner's exact list of a batch's audit entries does not allow; the free-text
    // filters' hostile values are exported and compared with the list in the audit plugin's
    // audit_export_test, which shares the list's SQL filter.
    for (const auto& p : {"format", "severity", "from", "to"})
      add(Who::Admin, "/api/admin/audit-logs/export?" + std::string(p) + "=" + v, {400});
    add(Who::Admin, "/api/admin/analytics?days=" + v, {400});
    // The paged lists added since: their limits and opaque cursors are checked before anything
    // is read (or Stripe is asked, for invoices).
    for (const auto& p : {"limit", "cursor"}) {
      add(Who::User, "/api/credits?" + std::string(p) + "=" + v, {400});
      add(Who::User, "/api/subscriptions/invoices?" + std::string(p) + "=" + v, {400});
      add(Who::Admin, "/api/admin/users/" + h->userId + "/timeline?" + std::string(p) + "=" + v, {400});
    }
    add(Who::Admin, "/api/admin/users/" + v + "/timeline", {400, 404});
    for (const auto& p : {"format", "status", "suspended", "admin"})
      add(Who::Admin, "/api/admin/users/export?" + std::string(p) + "=" + v, {400});
    // The host's own 404 and 405 messages quote the path: they must still be valid JSON.
    add(Who::User, "/api/no-such-route/" + v, {400, 404});  // 400: not UTF-8
    Attack wrongMethod;
    wrongMethod.name = "GET on a POST-only route with " + v.substr(0, 60);
    wrongMethod.path = "/api/admin/users/" + v + "/suspend";
    wrongMethod.headers = authHeader(Who::Admin);
    wrongMethod.who = Who::Admin;
    wrongMethod.reachesMiddleware = !refusedBeforePipeline;
    wrongMethod.statuses = {400, 404, 405};  // 400: not UTF-8; 404: a decoded "/" makes another path
    attacks.push_back(wrongMethod);
  }
  refusedBeforePipeline = false;
  // An admin's call to a path under /api/admin/ that no route matches is counted like anyone's
  // (only matched admin routes are exempt for admins; AttackRunner checks the exact count).
  add(Who::Admin, "/api/admin/no-such-route", {404});
  add(Who::Admin, "/api/admin/users/x/suspend/again", {404});
  // LIKE wildcards are literal: "%" and "_" match no e-mail and no action.
  add(Who::Admin, "/api/admin/users?search=%25", {200}, totalIsZero);
  add(Who::Admin, "/api/admin/users?search=_", {200}, totalIsZero);
  add(Who::Admin, "/api/admin/audit-logs?action=%25", {200, 400}, totalIsZero);
  for (const auto& n : {"-1", "0", "101", "1.5", "1e3", "99999999999999999999", "0x10", " 1"})
    add(Who::User, "/api/analyses?limit=" + percentEncode(n), {400});
  for (const auto& n : {"-1", "0", "367", "99999999999999999999"}) add(Who::Admin, "/api/admin/analytics?days=" + percentEncode(n), {400});
  // Raw bytes the HTTP client would not send: invalid UTF-8 and broken escapes in the request
  // line. No token, so the rate limiter's count does not depend on how far parsing got.
  for (const auto& path : {std::string("/api/analyses/\xff\xfe"), std::string("/api/admin/users?search=\xc3\x28"),
                           std::string("/api/analyses/%"), std::string("/api/analyses/%zz"), std::string("/api/analyses/a%00b")}) {
    Attack a;
    a.name = "raw request line " + path;
    a.path = path;
    a.rawRequest = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    a.statuses = {400, 401, 404};
    attacks.push_back(a);
  }
  runner->run(attacks);
}

INSTANTIATE_TEST_SUITE_P(Engines, BadInput, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
