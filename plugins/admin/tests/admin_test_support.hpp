#pragma once
// Shared by the admin plugin's integration tests: plugin entries, an admin account, JSON access.
#include "support/host_process.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace cc::admin::test {

using namespace cc::test;
using JsonObject = Poco::JSON::Object::Ptr;
using JsonArray = Poco::JSON::Array::Ptr;

inline std::string webRoot() { return sourceDir() + "/plugins/admin/web"; }

/// The in-memory audit/billing stand-ins; listed before admin so their services exist first.
inline std::string fakeProviders(const std::string& config = "{}") {
  return bundledPlugin("tp_admin_fakes", config, "    path: " + testPluginDir() + "/libcc_tp_admin_fakes.so\n");
}

inline std::string adminPlugin(const std::string& extra = "") {
  return bundledPlugin("admin", "{ web_root: '" + webRoot() + "', counters_flush_seconds: 1" + extra + " }");
}

inline JsonObject parse(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<JsonObject>();
}

inline JsonArray array(const JsonObject& o, const std::string& key) { return o->getArray(key); }

/// Signs up `email`, makes it an admin with the guide's SQL, and returns its token.
inline std::string makeAdmin(HostProcess& host, const std::string& email) {
  std::string token = host.signup(email);
  execute(host.databaseUrl(), "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = '" + email + "'");
  return token;
}

inline std::string userIdOf(HostProcess& host, const std::string& token) {
  auto me = host.get("/api/auth/me", token);
  return jsonField(me.body, "user.id");
}

/// Polls `check` for up to `seconds` (the audit writer and the counters are asynchronous).
inline bool eventually(const std::function<bool()>& check, int seconds = 10) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return check();
}

inline bool isJsonError(const HttpResult& r) {
  try {
    return !jsonField(r.body, "error").empty();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace cc::admin::test
