#pragma once
// Helpers shared by the metrics integration tests: plugin entries and reading the text format.
#include "support/host_process.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace metrics_test {

inline std::string metricsEntry(const std::string& config = "{ refresh_seconds: 1 }") {
  return cc::test::bundledPlugin("metrics", config);
}

inline std::string feederEntry(bool fakeBilling = true) {
  return "  - name: tp_metrics_feeder\n    path: " + cc::test::testPluginDir() +
         "/libcc_tp_metrics_feeder.so\n    config: { fake_billing: " + (fakeBilling ? "true" : "false") + " }\n";
}

/// tp_echo from the core tests: a route with a parameter and one that throws (a 500).
inline std::string echoEntry() {
  return "  - name: tp_echo\n    path: " + cc::test::testPluginDir() + "/libcc_tp_echo.so\n    migrations: " +
         cc::test::sourceDir() + "/tests/plugins/tp_echo/migrations\n    config: { greeting: hi }\n";
}

/// The value of one series ("name{labels}" exactly as exposed), or NaN when absent.
inline double valueOf(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return std::nan("");
}

/// Every series in an exposition (the text before the value), comments left out.
inline std::set<std::string> seriesKeys(const std::string& text) {
  std::set<std::string> keys;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    keys.insert(line.substr(0, line.rfind(' ')));
  }
  return keys;
}

inline bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

inline std::string scrape(const cc::test::HostProcess& host) {
  auto r = host.get("/metrics");
  if (r.status != 200) throw std::runtime_error("/metrics answered " + std::to_string(r.status) + ": " + r.body);
  return r.body;
}

inline void publish(const cc::test::HostProcess& host, const std::string& topic, const std::string& payload,
                    int times = 1) {
  auto r = host.post("/api/test/metrics/publish", "{\"topic\":\"" + topic + "\",\"payload\":" + payload +
                                                      ",\"times\":" + std::to_string(times) + "}");
  if (r.status != 200) throw std::runtime_error("publish failed: " + r.body);
}

}  // namespace metrics_test
