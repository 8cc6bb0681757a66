#pragma once
// Shared by the analysis integration tests: a host with a 'billing' plugin (the test ledger
// in build/test-plugins), the event probe and the analysis plugin; accounts with credits.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace analysistest {

using cc::test::HostProcess;

inline std::string fakeBillingEntry() {
  return "  - name: billing\n    path: " + cc::test::testPluginDir() +
         "/libcc_analysis_fake_billing.so\n    migrations: " + cc::test::sourceDir() +
         "/plugins/analysis/tests/fake_billing/migrations\n";
}

inline std::string probeEntry() {
  return "  - name: analysis_event_probe\n    path: " + cc::test::testPluginDir() +
         "/libcc_analysis_event_probe.so\n";
}

/// fake billing + event probe + analysis with `analysisConfig` (inline YAML).
inline std::string plugins(const std::string& analysisConfig = "{}") {
  return fakeBillingEntry() + probeEntry() + cc::test::bundledPlugin("analysis", analysisConfig);
}

/// "" for SQLite; a fresh database for "postgresql" ("" when none is available: skip).
inline std::string databaseFor(const std::string& engine, const std::string& prefix) {
  return engine == "postgresql" ? cc::test::createPostgresDatabase(prefix) : "";
}

inline std::string sqlQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

struct Account {
  std::string token;
  std::string id;
};

inline Account signup(HostProcess& host, const std::string& email) {
  Account a;
  a.token = host.signup(email);
  a.id = cc::test::jsonField(host.get("/api/auth/me", a.token).body, "user.id");
  return a;
}

/// An admin account, for the test ledger's grant route.
inline Account admin(HostProcess& host, const std::string& email = "admin@example.com") {
  Account a = signup(host, email);
  cc::test::execute(host.databaseUrl(), "UPDATE \"User\" SET \"isAdmin\" = true WHERE id = " + sqlQuote(a.id));
  return a;
}

inline void grant(HostProcess& host, const Account& admin, const std::string& userId, std::int64_t amount) {
  auto r = host.post("/api/test/billing/grant",
                     R"({"userId":")" + userId + R"(","amount":)" + std::to_string(amount) + "}", admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
}

inline std::int64_t balance(const std::string& databaseUrl, const std::string& userId) {
  auto rows = cc::test::queryStrings(databaseUrl, "SELECT balance FROM fake_billing_balance WHERE \"userId\" = " +
                                                      sqlQuote(userId));
  return rows.empty() ? 0 : std::stoll(rows[0]);
}

inline std::int64_t count(const std::string& databaseUrl, const std::string& fromWhere) {
  auto rows = cc::test::queryStrings(databaseUrl, "SELECT COUNT(*) FROM " + fromWhere);
  return rows.empty() ? -1 : std::stoll(rows[0]);
}

/// Polls `condition` until it holds or `timeout` passes; the last answer. For state a
/// background job changes: wait for the state itself, never for a fixed time.
inline bool waitUntil(const std::function<bool()>& condition,
                      std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

inline cc::test::HttpResult analyze(const HostProcess& host, const std::string& token, const std::string& body) {
  return host.post("/api/gemini/analyze", body, token);
}

/// A JSON string literal for `text`.
inline std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

inline std::string codeBody(const std::string& code, const std::string& extra = "") {
  return "{\"code\":" + jsonString(code) + extra + "}";
}

}  // namespace analysistest
