#pragma once
// Support for the bad-input and attack suite (tests/e2e/bad_input_*_test.cpp): one real host
// with all seven bundled plugins, forged tokens, and a "nothing was written" check that
// fingerprints every table before and after each request.
#include "support/billing_host.hpp"
#include "support/fake_stripe_server.hpp"
#include "support/host_process.hpp"
#include "support/stripe_webhooks.hpp"

#include <gtest/gtest.h>

#include <Poco/Crypto/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cc::badinput {

using cc::test::HttpResult;

// ---- small helpers ---------------------------------------------------------------------------

inline std::int64_t nowUnix() { return static_cast<std::int64_t>(std::time(nullptr)); }

inline bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

inline std::string firstValue(const std::string& url, const std::string& sql) {
  auto rows = cc::test::queryStrings(url, sql);
  return rows.empty() ? "" : rows.front();
}

inline std::string sqlQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}

inline std::string percentEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// A JSON string literal (quotes included) that keeps invalid UTF-8 bytes as raw bytes, so the
/// server's parser sees them as they are.
inline std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// The body parsed as a JSON object, or null when it is not one.
inline Poco::JSON::Object::Ptr parseJsonObject(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(body);
    return v.type() == typeid(Poco::JSON::Object::Ptr) ? v.extract<Poco::JSON::Object::Ptr>() : nullptr;
  } catch (...) {
    return nullptr;
  }
}

// ---- forged tokens ---------------------------------------------------------------------------

/// SHA-256 with the BLOCK_SIZE/DIGEST_SIZE that Poco::HMACEngine needs (as core/auth/jwt.cpp).
class Sha256Engine : public Poco::Crypto::DigestEngine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::Crypto::DigestEngine("SHA256") {}
};

inline std::string base64Url(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  if (bytes.size() - i == 1) {
    unsigned v = at(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    for (int shift : {18, 12, 6}) out += alphabet[(v >> shift) & 63];
  }
  return out;
}

inline std::string hmacSha256(const std::string& key, const std::string& data) {
  Poco::HMACEngine<Sha256Engine> hmac(key);
  hmac.update(data);
  const auto& d = hmac.digest();
  return std::string(d.begin(), d.end());
}

/// A compact JWS from raw header and payload JSON texts, HMAC-SHA256-signed with `key`
/// (an empty key leaves the signature empty, as "alg":"none" tokens do).
inline std::string forgeToken(const std::string& headerJson, const std::string& payloadJson, const std::string& key) {
  std::string input = base64Url(headerJson) + "." + base64Url(payloadJson);
  return input + "." + (key.empty() ? "" : base64Url(hmacSha256(key, input)));
}

inline std::string claims(const std::string& sub, std::int64_t exp, const std::string& iss = "codecouncil") {
  return "{\"sub\":" + jsonString(sub) + ",\"email\":\"x@example.com\",\"iss\":" + jsonString(iss) +
         ",\"iat\":" + std::to_string(nowUnix() - 10) + ",\"exp\":" + std::to_string(exp) + "}";
}

inline const std::string kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

// A public key as an attacker would feed it as an HMAC secret (RS256 -> HS256 confusion).
inline const std::string kPublicKeyPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    "4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n"
    "-----END PUBLIC KEY-----\n";

// ---- database fingerprint --------------------------------------------------------------------

/// Every row of every table, as text, keyed by table. Tables whose content changes for reasons
/// other than the request under test are left out by the caller (see kUnsnapshottedTables).
using Fingerprint = std::map<std::string, std::multiset<std::string>>;

class DatabaseSnapshotter {
 public:
  DatabaseSnapshotter(std::string url, const std::set<std::string>& skipped) : url_(std::move(url)) {
    bool pg = url_.rfind("postgres", 0) == 0;
    auto tables = cc::test::queryStrings(
        url_, pg ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                   "AND table_type = 'BASE TABLE' ORDER BY 1"
                 : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1");
    std::string sql;
    for (const auto& t : tables) {
      if (skipped.count(t)) continue;
      auto columns = cc::test::queryStrings(
          url_, pg ? "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                     "AND table_name = " + sqlQuote(t) + " ORDER BY ordinal_position"
                   : "SELECT name FROM pragma_table_info(" + sqlQuote(t) + ") ORDER BY cid");
      std::string row = sqlQuote(t + "\t");
      for (const auto& c : columns) row += " || '|' || COALESCE(CAST(\"" + c + "\" AS TEXT), '<null>')";
      if (!sql.empty()) sql += " UNION ALL ";
      sql += "SELECT " + row + " FROM \"" + t + "\"";
      tables_.push_back(t);
    }
    sql_ = sql;
  }

  Fingerprint take() const {
    Fingerprint f;
    for (const auto& t : tables_) f[t];  // empty tables are part of the picture too
    for (auto& row : cc::test::queryStrings(url_, sql_)) {
      auto tab = row.find('\t');
      f[row.substr(0, tab)].insert(row.substr(tab + 1));
    }
    return f;
  }

  const std::vector<std::string>& tables() const { return tables_; }

 private:
  std::string url_;
  std::string sql_;
  std::vector<std::string> tables_;
};

/// "" when equal, else which tables changed and a few rows that appeared or vanished.
inline std::string describeDifference(const Fingerprint& before, const Fingerprint& after) {
  std::ostringstream out;
  for (const auto& [table, rowsBefore] : before) {
    auto it = after.find(table);
    const std::multiset<std::string> empty;
    const auto& rowsAfter = it == after.end() ? empty : it->second;
    if (rowsBefore == rowsAfter) continue;
    out << "table " << table << " changed (" << rowsBefore.size() << " -> " << rowsAfter.size() << " rows)";
    int shown = 0;
    for (const auto& r : rowsAfter)
      if (!rowsBefore.count(r) && shown++ < 3) out << "\n  + " << r.substr(0, 300);
    for (const auto& r : rowsBefore)
      if (!rowsAfter.count(r) && shown++ < 6) out << "\n  - " << r.substr(0, 300);
    out << "\n";
  }
  return out.str();
}


// ---- raw HTTP --------------------------------------------------------------------------------

/// Sends `request` byte for byte (for request lines the HTTP client would refuse to build) and
/// reads the answer until the server closes the connection.
inline HttpResult rawHttp(int port, const std::string& request) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
  socket.setReceiveTimeout(Poco::Timespan(30, 0));
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  std::string response;
  char buf[4096];
  for (int n; (n = socket.receiveBytes(buf, sizeof buf)) > 0;) response.append(buf, static_cast<std::size_t>(n));
  HttpResult r;
  auto lineEnd = response.find("\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || lineEnd == std::string::npos) return r;
  r.status = std::stoi(response.substr(9, 3));
  auto headerEnd = response.find("\r\n\r\n");
  std::istringstream headers(response.substr(lineEnd + 2, headerEnd - lineEnd - 2));
  for (std::string line; std::getline(headers, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (!value.empty() && value.back() == '\r') value.pop_back();
    r.headers[key] = value;
  }
  if (headerEnd != std::string::npos) r.body = response.substr(headerEnd + 4);
  return r;
}

// ---- the host under attack -------------------------------------------------------------------

/// Every bundled plugin, billing pointed at a fake Stripe with webhook secrets, and four
/// accounts: a user, an admin, a suspended user and a deleted one (whose token still verifies).
class AttackHost {
 public:
  /// `adminWebRoot`: the dashboard folder the admin plugin serves ("" for the source tree's).
  explicit AttackHost(const std::string& databaseUrl = "", const std::string& adminWebRoot = "")
      : host(pluginsYaml(stripe, adminWebRoot), kThrottleConfig, databaseUrl) {}

  cc::billing::test::FakeStripeServer stripe;
  cc::test::HostProcess host;

  std::string jwtSecret, userToken, userId, adminToken, adminId, suspendedToken, deletedToken;
  const std::string userEmail = "user@example.com";

  /// Starts the host and creates the accounts; false (with a message) when it fails.
  bool start(std::string& error) {
    if (!host.start()) {
      error = host.output();
      return false;
    }
    jwtSecret = readJwtSecret();
    userToken = host.signup(userEmail);
    adminToken = host.signup("admin@example.com");
    suspendedToken = host.signup("suspended@example.com");
    deletedToken = host.signup("deleted@example.com");
    userId = idOf(userToken);
    adminId = idOf(adminToken);
    const std::string url = host.databaseUrl();
    cc::test::execute(url, "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = 'admin@example.com'");
    cc::test::execute(url, "UPDATE \"User\" SET suspended = true WHERE email = 'suspended@example.com'");
    cc::test::execute(url, "DELETE FROM \"User\" WHERE email = 'deleted@example.com'");
    // One counted request each, so both rate-limit tracker rows exist before any snapshot.
    for (const auto* token : {&userToken, &adminToken}) {
      if (host.get("/api/auth/me", *token).status != 200) {
        error = "warm-up /api/auth/me failed";
        return false;
      }
    }
    return true;
  }

  std::string url() const { return host.databaseUrl(); }

  /// Hundreds of attacks send wrong passwords for the same few accounts: the login throttle
  /// must not turn their 401s into 429s half-way, and its windows must not roll over during a
  /// run (AttackRunner checks its counters per request, as exact deltas).
  static constexpr const char* kThrottleConfig =
      "auth:\n  login_failures_per_account: 1000000\n  login_window_seconds: 86400\n"
      "  signup_window_seconds: 86400\n";

  /// One credit pack on sale, so POST /api/credits/purchase reaches Stripe for a real pack id
  /// and every attack on it is refused for its own flaw, not for an empty catalog.
  static constexpr const char* kCreditPackId = "small";
  static constexpr const char* kCreditPacks = ", credit_packs: { small: { price_id: price_pack_small, credits: 100 } }";

  /// A token signed with the host's own key for any subject and expiry.
  std::string validTokenFor(const std::string& sub, std::int64_t exp) const {
    return forgeToken(kHs256Header, claims(sub, exp), jwtSecret);
  }

 private:
  static std::string pluginsYaml(const cc::billing::test::FakeStripeServer& stripe, const std::string& adminWebRoot) {
    const std::string webRoot = adminWebRoot.empty() ? cc::test::sourceDir() + "/plugins/admin/web" : adminWebRoot;
    // Unlimited free tier: hundreds of counted requests must not turn into 429s half-way.
    const std::string unlimited =
        "{ requests_per_day: unlimited, requests_per_month: unlimited, analysis_runs_per_day: unlimited, "
        "analysis_runs_per_month: unlimited }";
    // The jobs on a wall clock are off (the backup and the restore drill; audit retention is off
    // without retention_days): the suite diffs the whole database around each attack, and a run
    // that fired at its hour (the drill's default is 04:00 UTC) wrote rows no request wrote.
    return cc::test::bundledPlugin("audit") + cc::test::bundledPlugin("metrics") +
           cc::test::bundledPlugin("ratelimit", "{ tiers: { free: " + unlimited + " } }") +
           cc::test::bundledPlugin("billing", cc::billing::test::billingConfig(stripe, kCreditPacks)) +
           cc::test::bundledPlugin("analysis", "{ analyzer: builtin }") +
           cc::test::bundledPlugin("admin", "{ web_root: '" + webRoot + "' }") +
           cc::test::bundledPlugin("backup", "{ schedule: 'off', restore_drill: { schedule: 'off' } }");
  }

  /// The secret HostProcess wrote into the config, so wrong-key and expired tokens can be
  /// forged against the real one.
  std::string readJwtSecret() const {
    std::istringstream config(cc::test::readFile(host.configPath()));
    for (std::string line; std::getline(config, line);) {
      auto at = line.find("jwt_secret:");
      if (at == std::string::npos) continue;
      std::string value = line.substr(at + 11);
      value.erase(0, value.find_first_not_of(" \"'"));
      value.erase(value.find_last_not_of(" \"'\r") + 1);
      return value;
    }
    return "";
  }

  std::string idOf(const std::string& token) const {
    return cc::test::jsonField(host.get("/api/auth/me", token).body, "user.id");
  }
};


// ---- signed Stripe deliveries -----------------------------------------------------------------

inline HttpResult postWebhook(const AttackHost& h, const std::string& payload, const std::string& signatureHeader) {
  std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
  if (!signatureHeader.empty()) headers["Stripe-Signature"] = signatureHeader;
  return cc::test::http(h.host.port(), "POST", "/api/billing/stripe/webhook", payload, headers);
}

/// A paid startup_monthly invoice for `userId`, linked through a completed checkout (no
/// subscription, so the user stays on the unlimited free tier of the rate limiter). The
/// invoice event's payload, so a test can deliver it (again) itself.
inline std::string paidInvoicePayload(const std::string& tag, const std::string& customerTag = "") {
  cc::billing::test::InvoiceFixture invoice;
  invoice.id = "in_" + tag;
  invoice.customer = "cus_" + (customerTag.empty() ? tag : customerTag);
  invoice.subscription = "";
  invoice.billingReason = "subscription_create";
  return cc::billing::test::invoiceEvent("evt_paid_" + tag, "invoice.paid", nowUnix(), invoice);
}

/// Links the customer "cus_<tag>" to `userId`, as a completed Stripe Checkout does; false
/// when the host did not accept it.
inline bool linkCustomer(const AttackHost& h, const std::string& userId, const std::string& tag) {
  const std::string payload = cc::billing::test::rawEvent(
      "evt_checkout_" + tag, "checkout.session.completed", nowUnix(),
      R"({"id":"cs_)" + tag + R"(","object":"checkout.session","mode":"subscription","customer":"cus_)" + tag +
          R"(","client_reference_id":")" + userId + "\"}");
  auto r = postWebhook(h, payload, cc::billing::test::signatureHeader(payload, cc::billing::test::kWebhookSecret, nowUnix()));
  return r.status == 200;
}

/// Gives the user the startup plan's monthly credits (300) through signed webhooks, the way
/// a paying customer gets them; returns the credit balance afterwards ("" when it failed).
inline std::string grantCredits(const AttackHost& h, const std::string& userId, const std::string& tag) {
  if (!linkCustomer(h, userId, tag)) return "";
  const std::string payload = paidInvoicePayload(tag);
  auto r = postWebhook(h, payload, cc::billing::test::signatureHeader(payload, cc::billing::test::kWebhookSecret, nowUnix()));
  if (r.status != 200) return "";
  return firstValue(h.url(), "SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = " + sqlQuote(userId));
}

/// Waits until the audit writer has caught up with everything done so far (it is first in,
/// first out: a failed login with a marker e-mail is the fence), so an AttackRunner batch
/// that starts next sees only its own entries.
inline bool waitForAuditWriter(const AttackHost& h, const std::string& fenceName) {
  const std::string fence = fenceName + "@example.com";
  cc::test::http(h.host.port(), "POST", "/api/auth/login", "{\"email\":\"" + fence + "\",\"password\":\"not the password\"}");
  return waitFor([&] {
    return firstValue(h.url(), "SELECT COUNT(*) FROM \"AuditLog\" WHERE metadata LIKE '%" + fence + "%'") == "1";
  });
}

// ---- the attack runner -----------------------------------------------------------------------

enum class Who { Nobody, User, Admin };  // whose *valid* token the request carries

struct Attack {
  std::string name;
  std::string method = "GET";
  std::string path;
  std::string body;
  std::map<std::string, std::string> headers;
  Who who = Who::Nobody;
  std::string rawRequest;   // when set, sent byte for byte instead of method/path/body
  std::set<int> statuses;   // allowed statuses; empty: any 4xx
  bool jsonError = true;    // the answer must be {"error": "<string>"}
  bool reachesMiddleware = true;  // false: refused by the server before the pipeline (413 above max_body_bytes)
  bool loginFailureOn401 = false;  // a 401 from login is audited as login_failed (asynchronously)
  std::function<void(const HttpResult&)> check;  // more assertions on the answer
};

// Tables left out of the per-request "nothing written" comparison, and why:
//  - scheduled_job_runs, scheduled_job_locks: the scheduler's own bookkeeping (each run's row,
//    and the lease an exclusive job holds while it runs), written every few seconds by jobs.
//  - admin_event_counts: the admin plugin flushes its in-memory event counters every 5 s, so
//    a change lands in whichever request happens to run then; the events themselves are
//    checked through "AuditLog".
//  - "AuditLog", "AuditChain", "AuditLogCounts": written by the audit plugin's background
//    writer, after the response; checked per batch (exact list of new actions) behind a fence.
//  - "RateLimitTracker": counts each counted request whatever its outcome (docs/rate-limiting.md);
//    checked per request as an exact counter delta instead.
//  - auth_throttle: a wrong password counts one failure for the account and one for the address
//    (docs/configuration.md, auth); checked per request as exact deltas instead.
inline const std::set<std::string> kUnsnapshottedTables = {
    "scheduled_job_runs", "scheduled_job_locks", "admin_event_counts", "AuditLog", "AuditChain", "AuditLogCounts", "RateLimitTracker",
    "auth_throttle"};

/// Whether the router found no route for the request: the host's own 404 ("no route for ...")
/// or 405 (core/http/pipeline.cpp, terminal()). Any other answer came from a matched route
/// (its access check, body limit or handler), whatever its status.
inline bool routerMatchedNoRoute(const HttpResult& r) {
  if (r.status != 404 && r.status != 405) return false;
  auto body = parseJsonObject(r.body);
  if (!body || !body->has("error") || !body->get("error").isString()) return false;
  const std::string error = body->getValue<std::string>("error");
  return r.status == 404 ? error.rfind("no route for ", 0) == 0 : error.rfind("method ", 0) == 0;
}

/// Whether the ratelimit plugin counts a request to `path` made with `who`'s valid token and
/// answered `r` (docs/rate-limiting.md, "What is counted"): everything under /api/ but the
/// usage endpoint, except an admin's call to a matched route of the admin API. A user's call
/// to an admin route (403) is counted, and so is an admin's call to an /api/admin/... path
/// that no route matches (404, 405).
inline bool countedByRateLimiter(const std::string& path, Who who, const HttpResult& r) {
  std::string p = path.substr(0, path.find('?'));
  std::string normalized;  // empty segments dropped, the way the router matches
  std::istringstream segments(p);
  for (std::string seg; std::getline(segments, seg, '/');)
    if (!seg.empty()) normalized += "/" + seg;
  if (normalized.rfind("/api/", 0) != 0 || normalized == "/api/rate-limit/usage") return false;
  const bool adminApiRoute = normalized.rfind("/api/admin/", 0) == 0 && !routerMatchedNoRoute(r);
  return !(who == Who::Admin && adminApiRoute);
}

class AttackRunner {
 public:
  explicit AttackRunner(AttackHost& h) : h_(h), snapshotter_(h.url(), kUnsnapshottedTables) {}

  /// Sends every attack; after each: the expected status and JSON error, every table unchanged,
  /// the rate-limit counters moved by exactly what the request counts for, no call to Stripe
  /// (a refused request must not create a customer or a checkout session). After the batch:
  /// the host is alive and the audit log got exactly the expected entries.
  void run(const std::vector<Attack>& attacks) {
    const long auditMark = lastAuditId();
    int expectedLoginFailures = 0;
    Fingerprint before = snapshotter_.take();
    auto trackerBefore = tracker();
    auto throttleBefore = throttleCounts();
    std::size_t stripeCallsBefore = h_.stripe.requests().size();
    for (const auto& a : attacks) {
      SCOPED_TRACE("attack: " + a.name + " (" + a.method + " " + a.path.substr(0, 120) + ")");
      HttpResult r;
      try {
        r = a.rawRequest.empty() ? cc::test::http(h_.host.port(), a.method, a.path, a.body, a.headers)
                                 : rawHttp(h_.host.port(), a.rawRequest);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "no HTTP answer: " << e.what();
        ASSERT_EQ(cc::test::http(h_.host.port(), "GET", "/healthz").status, 200) << h_.host.output();
        continue;
      }
      expectStatusAndError(a, r);
      if (a.loginFailureOn401 && r.status == 401) ++expectedLoginFailures;
      if (a.check) a.check(r);

      Fingerprint after = snapshotter_.take();
      std::string diff = describeDifference(before, after);
      EXPECT_TRUE(diff.empty()) << "the request wrote to the database:\n" << diff;
      before = std::move(after);

      auto trackerAfter = tracker();
      expectTrackerDelta(a, r, trackerBefore, trackerAfter);
      trackerBefore = std::move(trackerAfter);

      auto throttleAfter = throttleCounts();
      expectThrottleDelta(a, r, throttleBefore, throttleAfter);
      throttleBefore = std::move(throttleAfter);

      const auto stripeCalls = h_.stripe.requests();
      EXPECT_EQ(stripeCalls.size(), stripeCallsBefore)
          << "the request called Stripe: " << (stripeCalls.empty() ? "" : stripeCalls.back().method + " " + stripeCalls.back().path);
      stripeCallsBefore = stripeCalls.size();
    }
    ASSERT_EQ(cc::test::http(h_.host.port(), "GET", "/healthz").status, 200) << "host died: " << h_.host.output();
    expectAuditEntriesSince(auditMark, expectedLoginFailures);
  }

 private:
  static void expectStatusAndError(const Attack& a, const HttpResult& r) {
    if (a.statuses.empty()) {
      EXPECT_TRUE(r.status >= 400 && r.status < 500) << "status " << r.status << ": " << r.body.substr(0, 300);
    } else {
      EXPECT_TRUE(a.statuses.count(r.status)) << "status " << r.status << ": " << r.body.substr(0, 300);
    }
    if (!a.jsonError) return;
    EXPECT_EQ(r.header("content-type").rfind("application/json", 0), 0u) << r.header("content-type");
    auto body = parseJsonObject(r.body);
    ASSERT_TRUE(body) << "not a JSON object: " << r.body.substr(0, 300);
    EXPECT_TRUE(body->has("error") && body->get("error").isString()) << r.body.substr(0, 300);
  }

  /// userId -> (requestsToday, analysisRunsToday)
  std::map<std::string, std::pair<long, long>> tracker() const {
    std::map<std::string, std::pair<long, long>> t;
    for (auto& row : cc::test::queryStrings(h_.url(), "SELECT \"userId\" || ':' || CAST(\"requestsToday\" AS TEXT) || ':' || "
                                                      "CAST(\"analysisRunsToday\" AS TEXT) FROM \"RateLimitTracker\"")) {
      auto a = row.find(':'), b = row.rfind(':');
      t[row.substr(0, a)] = {std::stol(row.substr(a + 1, b - a - 1)), std::stol(row.substr(b + 1))};
    }
    return t;
  }

  void expectTrackerDelta(const Attack& a, const HttpResult& r, std::map<std::string, std::pair<long, long>> before,
                          const std::map<std::string, std::pair<long, long>>& after) const {
    const std::string* counted = a.who == Who::User ? &h_.userId : a.who == Who::Admin ? &h_.adminId : nullptr;
    if (counted && a.reachesMiddleware && a.rawRequest.empty() && countedByRateLimiter(a.path, a.who, r)) {
      before[*counted].first += 1;
      if (a.method == "POST" && a.path.rfind("/api/gemini/analyze", 0) == 0) before[*counted].second += 1;
    }
    EXPECT_EQ(before, after) << "rate-limit counters moved by something other than this request's own count";
  }

  /// scope -> counted attempts in auth_throttle.
  std::map<std::string, long> throttleCounts() const {
    std::map<std::string, long> t;
    for (auto& row : cc::test::queryStrings(h_.url(), "SELECT scope || ':' || CAST(SUM(attempts) AS TEXT) FROM "
                                                      "auth_throttle GROUP BY scope")) {
      auto colon = row.find(':');
      t[row.substr(0, colon)] = std::stol(row.substr(colon + 1));
    }
    return t;
  }

  /// Only a wrong password counts (once for the account, once for the address), and only a
  /// signup that reached the password hash; bad input counts nothing.
  static void expectThrottleDelta(const Attack& a, const HttpResult& r, std::map<std::string, long> before,
                                  std::map<std::string, long> after) {
    if (a.loginFailureOn401 && r.status == 401) {
      before["login_account"] += 1;
      before["login_address"] += 1;
    }
    if (a.path.find("/api/auth/signup") != std::string::npos && (r.status == 201 || r.status == 409))
      before["signup_address"] += 1;
    for (auto* m : {&before, &after})
      for (auto it = m->begin(); it != m->end();) it = it->second == 0 ? m->erase(it) : std::next(it);
    EXPECT_EQ(before, after) << "login throttle counters moved by something other than this request's own count";
  }

  long lastAuditId() const {
    std::string v = firstValue(h_.url(), "SELECT COALESCE(MAX(id), 0) FROM \"AuditLog\"");
    return v.empty() ? 0 : std::stol(v);
  }

  /// The audit writer is asynchronous and first in, first out: a failed login with a marker
  /// e-mail is a fence; once its entry is in, every entry caused by the batch is too.
  void expectAuditEntriesSince(long mark, int loginFailures) {
    const std::string fence = "fence-" + std::to_string(++fences_) + "@example.com";
    cc::test::http(h_.host.port(), "POST", "/api/auth/login",
                   "{\"email\":\"" + fence + "\",\"password\":\"not the password\"}");
    const std::string since = " FROM \"AuditLog\" WHERE id > " + std::to_string(mark);
    ASSERT_TRUE(waitFor([&] {
      return firstValue(h_.url(), "SELECT COUNT(*)" + since + " AND metadata LIKE '%" + fence + "%'") == "1";
    })) << "the audit fence never arrived";
    auto actions = cc::test::queryStrings(h_.url(), "SELECT action" + since + " ORDER BY id");
    std::vector<std::string> expected(static_cast<std::size_t>(loginFailures + 1), "login_failed");
    EXPECT_EQ(actions, expected) << "audit entries written by the batch (the last is the fence)";
  }

  AttackHost& h_;
  DatabaseSnapshotter snapshotter_;
  int fences_ = 0;
};

}  // namespace cc::badinput
