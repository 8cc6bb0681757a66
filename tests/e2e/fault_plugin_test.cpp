// Broken plugins next to the real bundled ones (tests/integration/plugin_loading_test.cpp covers
// each fault with test plugins alone): an optional plugin whose library is missing and one that
// throws in start() are reported with their path and cause while the host serves every bundled
// plugin; the same faults in a required plugin stop `serve` with a non-zero exit code.
// A plugin that crashes in start() (SIGSEGV or abort, tests/plugins/tp_crash) kills the host
// even when optional: the exit status carries the signal, the output names the plugin and its
// path, no port is opened, and a restart with that plugin disabled serves the intact database.
#include "fault_support.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

using namespace cc::test;

namespace {

const std::string kMissingLibrary = "/nonexistent/fault/libcc_gone.so";

// Real plugins whose routes we check: rate limiting (authenticated API) and metrics (public).
std::string bundledPlugins() {
  return bundledPlugin("ratelimit", "{ tiers: { free: { requests_per_day: 1000 } } }") +
         bundledPlugin("metrics", "{ bearer_token: '' }");
}

std::string missingPlugin(bool optional) {
  return "  - name: gone\n    path: " + kMissingLibrary + "\n    migrations: \"\"\n" +
         (optional ? "    optional: true\n" : "");
}

std::string throwingPlugin(bool optional) {
  return "  - name: tp_throwing_start\n    path: " + testPluginDir() + "/libcc_tp_throwing_start.so\n" +
         (optional ? "    optional: true\n" : "");
}

/// The JSON object for one plugin in /readyz, as text ("" when not listed).
std::string readyEntry(const std::string& readyBody, const std::string& plugin) {
  auto at = readyBody.find("\"name\":\"" + plugin + "\"");
  if (at == std::string::npos) return "";
  auto begin = readyBody.rfind('{', at);
  return readyBody.substr(begin, readyBody.find('}', at) - begin + 1);
}

/// Runs `serve` to its end with a config written by HostProcess (which is never started).
ProcessResult serveToExit(const HostProcess& config) {
  return runHost({"serve", "--config", config.configPath()}, {}, 60);
}

std::string crashPluginPath() { return testPluginDir() + "/libcc_tp_crash.so"; }

/// tp_crash as an optional plugin; `config` decides whether (and how) its start() crashes.
std::string crashPlugin(const std::string& config, const std::string& extraKeys = "") {
  return "  - name: tp_crash\n    path: " + crashPluginPath() + "\n    config: " + config + "\n" + extraKeys;
}

/// The last output line announcing a plugin start: the host's "starting plugin X (path)" log
/// line or its fatal-signal report "... while starting plugin X (path)". Earlier plugins'
/// "started" lines may trail in from the asynchronous log queue, so they are not counted.
std::string lastPluginStartLine(const std::string& output) {
  std::istringstream lines(output);
  std::string line, last;
  while (std::getline(lines, line))
    if (line.find("starting plugin ") != std::string::npos) last = line;
  return last;
}

/// Checks the output of a host killed by `signal` while starting tp_crash.
void expectCrashReported(const ProcessResult& result, int signal) {
  EXPECT_EQ(result.exitCode, 128 + signal) << "the host must die by the signal itself: " << result.output;
  std::string last = lastPluginStartLine(result.output);
  EXPECT_NE(last.find("plugin tp_crash (" + crashPluginPath() + ")"), std::string::npos)
      << "last plugin start line: '" << last << "' in\n" << result.output;
  EXPECT_NE(result.output.find("fatal signal " + std::to_string(signal) + " while starting plugin tp_crash (" +
                               crashPluginPath() + ")"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("listening"), std::string::npos) << "no port may be opened: " << result.output;
}

}  // namespace

TEST(FaultPlugins, OptionalMissingAndThrowingPluginsAreReportedAndTheRestServes) {
  HostProcess host(bundledPlugins() + missingPlugin(true) + throwingPlugin(true));
  ASSERT_TRUE(host.start()) << host.output();

  // The bundled plugins answer.
  std::string token = host.signup("survivor@example.com");
  auto usage = host.get("/api/rate-limit/usage", token);
  EXPECT_EQ(usage.status, 200) << usage.body;
  EXPECT_EQ(jsonField(usage.body, "requests"), "1000");
  auto me = host.get("/api/auth/me", token);
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.header("X-RateLimit-Limit"), "1000") << "the rate limiter runs on every API request";
  auto metrics = host.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("http_requests_total"), std::string::npos);
  // The broken one's half-registered route was rolled back.
  EXPECT_EQ(host.get("/api/test/half-started").status, 404);

  // Ready, and the readiness report says which plugins were skipped; why is in the log
  // (the public report carries no paths or error text).
  auto ready = host.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  std::string gone = readyEntry(ready.body, "gone");
  EXPECT_NE(gone.find("\"status\":\"skipped\""), std::string::npos) << ready.body;
  EXPECT_EQ(gone.find(kMissingLibrary), std::string::npos) << gone;
  std::string throwing = readyEntry(ready.body, "tp_throwing_start");
  EXPECT_NE(throwing.find("\"status\":\"skipped\""), std::string::npos) << ready.body;
  EXPECT_EQ(throwing.find("database of wishes unavailable"), std::string::npos) << throwing;
  for (auto* name : {"ratelimit", "metrics"})
    EXPECT_NE(readyEntry(ready.body, name).find("\"status\":\"started\""), std::string::npos) << ready.body;

  // The log names each plugin with its path and the loader's (or start()'s) message.
  std::string log = host.output();
  EXPECT_NE(log.find("optional plugin gone skipped"), std::string::npos) << log;
  EXPECT_NE(log.find("plugin gone (" + kMissingLibrary + "): library not found"), std::string::npos) << log;
  EXPECT_NE(log.find("optional plugin tp_throwing_start (" + testPluginDir() + "/libcc_tp_throwing_start.so): start failed: "
                     "database of wishes unavailable; skipped"),
            std::string::npos)
      << log;
  EXPECT_EQ(host.stop(), 0) << host.output();
}

TEST(FaultPlugins, RequiredMissingLibraryStopsServeWithNonZeroExit) {
  HostProcess config(bundledPlugins() + missingPlugin(false));
  auto result = serveToExit(config);
  EXPECT_NE(result.exitCode, 0) << result.output;
  EXPECT_NE(result.exitCode, -1) << "serve must exit by itself, not hang: " << result.output;
  EXPECT_NE(result.output.find("plugin gone"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("plugin gone (" + kMissingLibrary + "): library not found"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("listening"), std::string::npos) << "no port may be opened: " << result.output;
}

TEST(FaultPlugins, RequiredPluginThrowingInStartStopsServeAndTheStartedOnes) {
  HostProcess config(bundledPlugins() + throwingPlugin(false));
  auto result = serveToExit(config);
  EXPECT_NE(result.exitCode, 0) << result.output;
  EXPECT_NE(result.exitCode, -1) << "serve must exit by itself, not hang: " << result.output;
  EXPECT_NE(result.output.find("plugin tp_throwing_start (" + testPluginDir() +
                               "/libcc_tp_throwing_start.so): start failed: database of wishes unavailable"),
            std::string::npos)
      << result.output;
  // The bundled plugins started before it were stopped again.
  auto metricsStopped = result.output.find("plugin metrics stopped");
  auto ratelimitStopped = result.output.find("plugin ratelimit stopped");
  EXPECT_NE(metricsStopped, std::string::npos) << result.output;
  EXPECT_NE(ratelimitStopped, std::string::npos) << result.output;
}

TEST(FaultPlugins, OptionalPluginSegfaultingInStartKillsTheHostAndIsNamed) {
  HostProcess config(bundledPlugins() + crashPlugin("{ crash: true }", "    optional: true\n"));
  expectCrashReported(serveToExit(config), SIGSEGV);
}

TEST(FaultPlugins, PluginAbortingInStartKillsTheHostAndIsNamed) {
  HostProcess config(bundledPlugins() + crashPlugin("{ crash: true, mode: abort }"));
  expectCrashReported(serveToExit(config), SIGABRT);
}

TEST(FaultPlugins, AfterACrashInStartTheHostServesTheIntactDatabaseWithThePluginDisabled) {
  // A first run with the plugin healthy writes data: one user (and its rate-limit counters).
  HostProcess healthy(bundledPlugins() + crashPlugin("{ crash: false }"));
  ASSERT_TRUE(healthy.start()) << healthy.output();
  EXPECT_EQ(healthy.get("/api/test/crash/alive").status, 200);
  std::string token = healthy.signup("before-crash@example.com");
  ASSERT_EQ(healthy.get("/api/rate-limit/usage", token).status, 200);
  ASSERT_EQ(healthy.stop(), 0) << healthy.output();

  // The same database, and the plugin now crashes in start().
  HostProcess crashing(bundledPlugins() + crashPlugin("{ crash: true }"), "", healthy.databaseUrl());
  expectCrashReported(serveToExit(crashing), SIGSEGV);

  // The operator disables it: the host serves, the user from before the crash logs in.
  HostProcess restarted(bundledPlugins() + crashPlugin("{ crash: true }", "    enabled: false\n"), "",
                        healthy.databaseUrl());
  ASSERT_TRUE(restarted.start()) << restarted.output();
  EXPECT_EQ(restarted.get("/api/test/crash/alive").status, 404) << "a disabled plugin registers nothing";
  auto login = restarted.post("/api/auth/login", R"({"email":"before-crash@example.com","password":"correct horse battery"})");
  EXPECT_EQ(login.status, 200) << login.body;
  auto ready = restarted.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(readyEntry(ready.body, "tp_crash").find("\"status\":\"disabled\""), std::string::npos) << ready.body;
  EXPECT_EQ(restarted.stop(), 0) << restarted.output();

  EXPECT_EQ(fault::count(healthy.databaseUrl(), "SELECT id FROM \"User\" WHERE email = 'before-crash@example.com'"), 1);
  EXPECT_EQ(fault::sqliteIntegrityProblems(healthy.databaseUrl()), "");
}
