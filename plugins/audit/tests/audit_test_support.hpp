#pragma once
// Shared by the audit integration tests: a host with the audit plugin and the test publisher,
// and helpers to write entries, wait for the asynchronous writer and read pages back.
#include "support/host_process.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace cc::audit::test {

using namespace cc::test;

/// plugins: audit (with `config`) and tp_audit_publisher.
inline std::string auditPlugins(const std::string& config = "{}") {
  return bundledPlugin("audit", config) + "  - name: tp_audit_publisher\n    path: " + testPluginDir() +
         "/libcc_tp_audit_publisher.so\n";
}

inline Poco::JSON::Object::Ptr parse(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

/// GET /api/test/audit/logs<query> (the admin route's parameters), parsed.
inline Poco::JSON::Object::Ptr logs(const HostProcess& host, const std::string& query = "") {
  auto r = host.get("/api/test/audit/logs" + query);
  EXPECT_EQ(r.status, 200) << query << " -> " << r.body;
  if (r.status != 200) return new Poco::JSON::Object();
  return parse(r.body);
}

inline std::int64_t total(const HostProcess& host, const std::string& query = "") {
  auto page = logs(host, query);
  return page->has("total") ? page->getValue<std::int64_t>("total") : -1;
}

/// A sample's value in the host's Prometheus text, e.g. metric(host, "x_total{reason=\"y\"}");
/// "<absent>" when it is not there.
inline std::string metric(const HostProcess& host, const std::string& sample) {
  std::string text = host.get("/api/test/audit/metrics").body;
  auto at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return "<absent>";
  auto start = at + sample.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

/// The writer is asynchronous: wait until the query's total reaches `expected`.
inline bool waitForTotal(const HostProcess& host, std::int64_t expected, const std::string& query = "",
                         int timeoutMs = 15000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (total(host, query) >= expected) return total(host, query) == expected;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

/// POST /api/test/audit/publish: publishes `topic` with `payloadJson` through the real bus;
/// the first publish of a topic declares it, with `auditHintJson` ({severity, resourceType,
/// resourceIdField}) as its declaration's severity and resource when given.
inline void publish(const HostProcess& host, const std::string& topic, const std::string& payloadJson = "{}",
                    const std::string& auditHintJson = "") {
  auto r = host.post("/api/test/audit/publish", R"({"topic":")" + topic + R"(","payload":)" + payloadJson +
                                                    (auditHintJson.empty() ? "" : ",\"audit\":" + auditHintJson) + "}");
  ASSERT_EQ(r.status, 202) << r.body;
}

/// POST /api/test/audit/record with the given JSON body (AuditEntry fields).
inline void record(const HostProcess& host, const std::string& bodyJson) {
  auto r = host.post("/api/test/audit/record", bodyJson);
  ASSERT_EQ(r.status, 202) << r.body;
}

/// `codecouncil audit <args...>` against the host's config (the host may be running).
inline ProcessResult auditCommand(const HostProcess& host, std::vector<std::string> args) {
  std::vector<std::string> full = {"--config", host.configPath(), "audit"};
  full.insert(full.end(), args.begin(), args.end());
  return runHost(full);
}

}  // namespace cc::audit::test
