#pragma once
// Shared by the ratelimit integration tests: a host with the ratelimit plugin and the fake
// analysis plugin, on SQLite or on a fresh PostgreSQL database.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace rltest {

/// The plugins: list with ratelimit (given config) and the fake /api/gemini/analyze.
inline std::string plugins(const std::string& ratelimitConfig) {
  return cc::test::bundledPlugin("ratelimit", ratelimitConfig) + "  - name: fake_analyze\n    path: " +
         cc::test::testPluginDir() + "/libcc_fake_analyze.so\n";
}

/// "" for SQLite (the host's temp file); for "postgresql" a fresh database, or "" when there is
/// no test PostgreSQL (the caller skips).
inline std::string databaseFor(const std::string& engine, const std::string& prefix) {
  return engine == "postgresql" ? cc::test::createPostgresDatabase(prefix) : "";
}

inline std::string userId(const cc::test::HostProcess& host, const std::string& token) {
  // /api/auth/me is itself counted; tests account for that one request.
  return cc::test::jsonField(host.get("/api/auth/me", token).body, "user.id");
}

/// One column of the user's tracker row ("" when there is no row).
inline std::string tracker(const cc::test::HostProcess& host, const std::string& id, const std::string& column) {
  auto rows = cc::test::queryStrings(host.databaseUrl(), "SELECT \"" + column +
                                                             "\" FROM \"RateLimitTracker\" WHERE \"userId\" = '" +
                                                             id + "'");
  return rows.empty() ? "" : rows[0];
}

inline cc::test::HttpResult analyze(const cc::test::HostProcess& host, const std::string& token) {
  return host.post("/api/gemini/analyze", R"({"code":"int main(){}"})", token);
}

}  // namespace rltest
