// Plugin loading through the real binary: good plugins answer; broken ones are refused with
// the plugin's name, path and cause; optional ones are skipped loudly; order is exact.
#include "support/host_process.hpp"

#include <codecouncil/sdk/version.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

using namespace cc::test;

namespace {

std::string entry(const std::string& name, const std::string& extra = "") {
  return "  - name: " + name + "\n    path: " + testPluginDir() + "/libcc_" + name + ".so\n" + extra;
}

std::string echoEntry(const std::string& config = "{ greeting: hi }", const std::string& extra = "") {
  return entry("tp_echo", "    migrations: " + sourceDir() + "/tests/plugins/tp_echo/migrations\n    config: " + config +
                              "\n" + extra);
}

// Starts a host expected to refuse to start; returns its output.
std::string failedStart(const std::string& plugins) {
  HostProcess host(plugins);
  EXPECT_FALSE(host.start()) << "host started although it should not have";
  return host.output();
}

}  // namespace

TEST(PluginLoading, GoodPluginsServeRoutesServicesAndMiddleware) {
  HostProcess host(echoEntry() + entry("tp_dependent"));
  ASSERT_TRUE(host.start()) << host.output();
  auto echo = host.get("/api/test/echo/world");
  ASSERT_EQ(echo.status, 200) << echo.body;
  EXPECT_EQ(jsonField(echo.body, "greeting"), "hi, world");
  EXPECT_EQ(jsonField(echo.body, "route"), "/api/test/echo/:word");
  EXPECT_EQ(echo.header("x-echo-route"), "/api/test/echo/:word");
  auto greet = host.get("/api/test/greet");
  EXPECT_EQ(jsonField(greet.body, "message"), "hi, dependent");  // through tp_echo's service
  auto ready = host.get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find("\"tp_dependent\""), std::string::npos);
  EXPECT_EQ(host.stop(), 0);
}

TEST(PluginLoading, AccessLevelsBodyLimitsAndHandlerErrors) {
  HostProcess host(echoEntry());
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(host.post("/api/test/body", R"({"text":"x"})").status, 401);
  std::string token = host.signup("user@example.com");
  auto ok = host.post("/api/test/body", R"({"text":"x"})", token);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(jsonField(ok.body, "user"), "user@example.com");
  auto big = host.post("/api/test/body", R"({"text":")" + std::string(100, 'y') + "\"}", token);
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_EQ(host.post("/api/test/body", R"({"text":1})", token).status, 400);
  EXPECT_EQ(host.get("/api/test/admin", token).status, 403);
  auto boom = host.get("/api/test/throw");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(jsonField(boom.body, "error").find("boom"), std::string::npos) << "internal details leaked";
  EXPECT_EQ(host.stop(), 0);
  // After stop: the log channel is asynchronous and stop() flushes it.
  EXPECT_NE(host.output().find("boom"), std::string::npos) << "the cause must be logged";
}

TEST(PluginLoading, EventsReachSubscribers) {
  HostProcess host(echoEntry());
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = host.signup("evented@example.com");
  std::string userId = jsonField(host.get("/api/auth/me", token).body, "user.id");
  EXPECT_EQ(host.stop(), 0);
  auto rows = queryStrings(host.databaseUrl(), "SELECT \"userId\" FROM tp_events WHERE topic = 'user_signup'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], userId);
}

TEST(PluginLoading, MissingSymbolIsRefusedWithPath) {
  auto out = failedStart(entry("tp_missing_symbol"));
  EXPECT_NE(out.find("plugin tp_missing_symbol (" + testPluginDir() + "/libcc_tp_missing_symbol.so)"), std::string::npos) << out;
  EXPECT_NE(out.find("missing symbol codecouncil_plugin_entry"), std::string::npos) << out;
}

TEST(PluginLoading, AbiMismatchSaysExpectedAndGot) {
  auto out = failedStart(entry("tp_abi_mismatch"));
  EXPECT_NE(out.find("expected " + std::to_string(cc::kSdkAbiVersion) + ", got 999"), std::string::npos) << out;
}

TEST(PluginLoading, MissingLibraryNamesThePath) {
  auto out = failedStart("  - name: nosuchplugin\n    path: /nonexistent/libcc_nosuchplugin.so\n");
  EXPECT_NE(out.find("/nonexistent/libcc_nosuchplugin.so"), std::string::npos) << out;
  EXPECT_NE(out.find("not found"), std::string::npos) << out;
}

TEST(PluginLoading, NotALibraryGivesTheLoaderMessage) {
  TempDir dir;
  writeFile(dir.path() / "libcc_junk.so", "this is not an ELF file");
  auto out = failedStart("  - name: junk\n    path: " + (dir.path() / "libcc_junk.so").string() + "\n");
  EXPECT_NE(out.find("cannot load library"), std::string::npos) << out;
  EXPECT_NE(out.find("libcc_junk.so"), std::string::npos) << out;
}

TEST(PluginLoading, RequiredPluginThatThrowsInStartStopsTheHost) {
  auto out = failedStart(echoEntry() + entry("tp_throwing_start"));
  EXPECT_NE(out.find("plugin tp_throwing_start"), std::string::npos) << out;
  EXPECT_NE(out.find("database of wishes unavailable"), std::string::npos) << out;
  EXPECT_NE(out.find("plugin tp_echo stopped"), std::string::npos) << "started plugins must be stopped: " << out;
}

TEST(PluginLoading, OptionalPluginThatThrowsIsSkippedLoudly) {
  HostProcess host(echoEntry() + entry("tp_throwing_start", "    optional: true\n"));
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(host.get("/api/test/half-started").status, 404) << "a failed plugin's routes must be rolled back";
  EXPECT_EQ(host.get("/api/test/echo/ok").status, 200);
  auto ready = host.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("skipped"), std::string::npos) << ready.body;
  EXPECT_TRUE(host.waitForOutput("database of wishes unavailable")) << host.output();
  EXPECT_EQ(host.stop(), 0);
}

TEST(PluginLoading, DependencyCycleNamesThePlugins) {
  auto out = failedStart(entry("tp_cycle_a") + entry("tp_cycle_b"));
  EXPECT_NE(out.find("dependency cycle"), std::string::npos) << out;
  EXPECT_NE(out.find("tp_cycle_a"), std::string::npos) << out;
  EXPECT_NE(out.find("tp_cycle_b"), std::string::npos) << out;
}

TEST(PluginLoading, MissingDependencyIsNamed) {
  auto out = failedStart(entry("tp_dependent"));
  EXPECT_NE(out.find("plugin tp_dependent requires plugin tp_echo, which is not listed"), std::string::npos) << out;
}

TEST(PluginLoading, DisabledDependencyAffectsOnlyDependents) {
  HostProcess host(echoEntry("{}", "    enabled: false\n") + entry("tp_dependent", "    optional: true\n") +
                   entry("tp_bad_config", "    config: { limit: 5 }\n"));
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_TRUE(host.waitForOutput("plugin tp_dependent requires plugin tp_echo, which is disabled"))
      << host.output();
  EXPECT_EQ(host.get("/api/test/greet").status, 404);
  EXPECT_EQ(host.stop(), 0);
}

TEST(PluginLoading, AllConfigErrorsAreReportedTogetherWithLocations) {
  auto out = failedStart(entry("tp_bad_config", "    config:\n      limit: 50\n      mode: reckless\n      extra: 1\n") +
                         echoEntry("{ job_seconds: nope }"));
  EXPECT_NE(out.find("plugins[0].config.limit"), std::string::npos) << out;
  EXPECT_NE(out.find("must be between 1 and 10"), std::string::npos) << out;
  EXPECT_NE(out.find("plugins[0].config.mode"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown key 'extra'"), std::string::npos) << out;
  EXPECT_NE(out.find("plugins[1].config.job_seconds"), std::string::npos) << out;
  EXPECT_NE(out.find("codecouncil.yaml:"), std::string::npos) << "errors must carry file:line: " << out;
}

// The 1-based line of the first line of `file` that contains `text` (0: none).
int lineContaining(const std::string& file, const std::string& text) {
  std::istringstream in(readFile(file));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(text) != std::string::npos) return n;
  return 0;
}

// Errors in the host's own section and in two plugins' typed config (a test plugin and a
// bundled one) come out together, each with its key path and file:line, before anything starts.
TEST(PluginLoading, HostAndPluginConfigErrorsAreReportedTogether) {
  HostProcess host(entry("tp_bad_config", "    config:\n      limit: 50\n      extra: 1\n") +
                       "  - name: admin\n    config:\n      recent_count: 0\n      recent_count: 5\n",
                   "mail:\n  smtp_port: 99999\n");
  ASSERT_FALSE(host.start()) << host.output();
  const std::string out = host.output();
  const std::string file = host.configPath();
  auto at = [&](const std::string& text) { return file + ":" + std::to_string(lineContaining(file, text)) + ")"; };
  EXPECT_NE(out.find("mail.smtp_port (" + at("smtp_port: 99999") + ": must be between 1 and 65535"), std::string::npos)
      << out;
  EXPECT_NE(out.find("plugins[0].config.limit (" + at("limit: 50") + ": must be between 1 and 10"), std::string::npos)
      << out;
  EXPECT_NE(out.find("plugins[0].config.extra (" + at("extra: 1") + ": unknown key 'extra'"), std::string::npos) << out;
  EXPECT_NE(out.find("plugins[1].config.recent_count (" + at("recent_count: 0") + ": must be between 1 and 100"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("plugins[1].config.recent_count (" + at("recent_count: 5") + ": is defined more than once"),
            std::string::npos)
      << out;
  // Nothing started: no plugin, no database file.
  EXPECT_EQ(out.find(" started"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(host.dir().path() / "data" / "test.db")) << out;
}

TEST(PluginLoading, ShutdownIsExactReverseOfStart) {
  HostProcess host(echoEntry() + entry("tp_dependent"));
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(host.stop(), 0);
  std::string out = host.output();
  auto startEcho = out.find("plugin tp_echo 1.2.3 started");
  auto startDep = out.find("plugin tp_dependent 0.1.0 started");
  auto stopDep = out.find("plugin tp_dependent stopped");
  auto stopEcho = out.find("plugin tp_echo stopped");
  ASSERT_NE(stopEcho, std::string::npos) << out;
  EXPECT_LT(startEcho, startDep);
  EXPECT_LT(startDep, stopDep);
  EXPECT_LT(stopDep, stopEcho);
  EXPECT_EQ(readFile(host.dir().path() / "data" / "lifecycle.log"), "start tp_dependent\nstop tp_dependent\n");
}

TEST(PluginLoading, SigtermDrainsInFlightRequests) {
  HostProcess host(echoEntry());
  ASSERT_TRUE(host.start()) << host.output();
  HttpResult slow;
  std::thread client([&] { slow = host.get("/api/test/slow"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(host.stop(), 0);
  client.join();
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, "slow done");
}

TEST(PluginLoading, PluginsCommandListsRoutesAndJobs) {
  HostProcess host(echoEntry("{ job_seconds: 60 }") + entry("tp_dependent"));
  auto r = runHost({"plugins", "--config", host.configPath()});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("tp_echo 1.2.3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("dependencies: tp_echo, tp_optional_absent (optional)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("GET /api/test/echo/:word  (tp_echo)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tp_echo.tick  every 60s"), std::string::npos) << r.output;
}

TEST(PluginLoading, PluginCommandsRunFromTheBinary) {
  HostProcess host(echoEntry());
  auto r = runHost({"echo-count", "a", "b", "--config", host.configPath()});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("echo-count 0 args=2"), std::string::npos) << r.output;
  auto unknown = runHost({"no-such-command", "--config", host.configPath()});
  EXPECT_EQ(unknown.exitCode, 2);
  EXPECT_NE(unknown.output.find("echo-count"), std::string::npos) << "usage lists plugin commands: " << unknown.output;
}

// server.threads is the number of requests served at once: the host's own pool, not Poco's
// default pool, which holds at most 16 threads (a larger setting used to change nothing).
TEST(PluginLoading, MoreThanSixteenServerThreadsServeRequestsAtOnce) {
  HostProcess host(echoEntry());
  std::string config = readFile(host.configPath());
  const std::string eight = "  threads: 8\n";
  ASSERT_NE(config.find(eight), std::string::npos);
  config.replace(config.find(eight), eight.size(), "  threads: 24\n");
  writeFile(host.configPath(), config);
  ASSERT_TRUE(host.start()) << host.output();

  // 20 requests that each sleep 1.5 s in the handler: at once they take ~1.5 s; with 16
  // threads the last four would start only when the first finish (>= 3 s).
  constexpr int kRequests = 20;
  std::vector<HttpResult> results(kRequests);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i) clients.emplace_back([&, i] { results[i] = host.get("/api/test/slow"); });
  for (auto& c : clients) c.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  for (const auto& r : results) EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_LT(elapsed, std::chrono::milliseconds(2800));
  EXPECT_EQ(host.stop(), 0);
}

// Routes are declared before start() but installed only after it succeeded: an optional
// plugin whose start() fails serves none of them (the same answer as for a disabled plugin),
// nor runs its jobs (`jobs run` starts the plugins; an unknown name lists the jobs it got).
TEST(PluginLoading, DeclaredRoutesOfAPluginThatFailedToStartAreNotServed) {
  HostProcess host(echoEntry("{ fail_start: true, job_seconds: 60 }", "    optional: true\n"));
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_TRUE(host.waitForOutput("tp_echo was told to fail")) << host.output();
  auto r = host.get("/api/test/echo/word");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("no route for GET /api/test/echo/word"), std::string::npos) << r.body;
  auto jobs = runHost({"jobs", "run", "cc.no_such_job", "--config", host.configPath()});
  EXPECT_EQ(jobs.exitCode, 2) << jobs.output;
  EXPECT_NE(jobs.output.find("tp_echo was told to fail"), std::string::npos) << jobs.output;  // it was started
  EXPECT_NE(jobs.output.find("\njobs:\n"), std::string::npos) << jobs.output;
  EXPECT_EQ(jobs.output.find("tp_echo.tick"), std::string::npos) << jobs.output;
}

// A plugin written before declare() (tp_dependent registers its route in start()) still
// works when served; the listing says it cannot show its parts instead of hiding that.
TEST(PluginLoading, PluginThatRegistersInStartStillWorks) {
  HostProcess host(echoEntry() + entry("tp_dependent"));
  auto r = runHost({"plugins", "--config", host.configPath()});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("registers in start(): its routes, jobs and topics are not listed"), std::string::npos)
      << r.output;
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(host.get("/api/test/greet").status, 200);
}

// A plugin that declares may not add to it in start(): the listing would not show what is
// served. The registration throws, so the start fails and nothing of the plugin is served.
TEST(PluginLoading, RegisteringInStartIsRefusedForAPluginThatDeclares) {
  HostProcess host(echoEntry("{ register_in_start: true }", "    optional: true\n"));
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_TRUE(host.waitForOutput("plugin tp_echo declares what it registers (declare()): add the route GET "
                                 "/api/test/late in declare(), not in start()"))
      << host.output();
  EXPECT_NE(host.get("/api/test/late").body.find("no route for"), std::string::npos);
  EXPECT_NE(host.get("/api/test/echo/word").body.find("no route for"), std::string::npos);
}
