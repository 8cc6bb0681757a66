// The codecouncil subcommands, run as a user would run them.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>

using namespace cc::test;

namespace {

/// All seven bundled plugins, configured so each declares what it can: audit a retention job,
/// backup its scheduled run, billing its reconciler (api_base is the discard port: never called).
std::string allBundledPlugins() {
  return bundledPlugin("audit", "{ retention_days: 30, retention_schedule: '0 3 * * *' }") + bundledPlugin("metrics") +
         bundledPlugin("ratelimit") +
         bundledPlugin("billing",
                       "{ secret_key: sk_test_listing, webhook_secret: whsec_listing, api_base: 'http://127.0.0.1:9' }") +
         bundledPlugin("analysis", "{ analyzer: builtin }") +
         bundledPlugin("admin", "{ web_root: '" + sourceDir() + "/plugins/admin/web' }") +
         bundledPlugin("backup", "{ schedule: '0 2 * * *' }");
}

/// The two-space-indented lines under "title:" in a listing, without the indent.
std::vector<std::string> section(const std::string& output, const std::string& title) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == title + ":") inside = true;
    else if (inside && line.rfind("  ", 0) == 0) lines.push_back(line.substr(2));
    else if (inside) inside = false;
  }
  return lines;
}

/// Every path under `root`, so a test can tell that a command created nothing.
std::set<std::string> pathsUnder(const std::filesystem::path& root) {
  std::set<std::string> paths;
  for (auto& e : std::filesystem::recursive_directory_iterator(root)) paths.insert(e.path().string());
  return paths;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(Cli, VersionPrintsBuildSignature) {
  auto r = runHost({"version"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.output.find("codecouncil "), std::string::npos);
  EXPECT_NE(r.output.find("ABI 2"), std::string::npos) << r.output;
}

TEST(Cli, MigrateAppliesOnceAndRecordsChecksums) {
  HostProcess host;
  auto first = runHost({"migrate", "--config", host.configPath()});
  ASSERT_EQ(first.exitCode, 0) << first.output;
  EXPECT_NE(first.output.find("applied migration core/0001_users"), std::string::npos) << first.output;
  auto second = runHost({"migrate", "--config", host.configPath()});
  ASSERT_EQ(second.exitCode, 0) << second.output;
  EXPECT_EQ(second.output.find("applied migration"), std::string::npos) << second.output;
  auto sums = queryStrings(host.databaseUrl(), "SELECT checksum FROM schema_migrations WHERE component = 'core'");
  // One per core migration file (counted from the folder, so a new one needs no edit here).
  auto files = std::distance(std::filesystem::directory_iterator(sourceDir() + "/migrations/core/sqlite"),
                             std::filesystem::directory_iterator());
  ASSERT_EQ(sums.size(), static_cast<std::size_t>(files));
  EXPECT_EQ(sums[0].size(), 64u);
}

// Commands run migrations first against a live database: with nothing to apply they must
// not need the write lock, which a busy host may hold for longer than busy_timeout_ms.
TEST(Cli, UpToDateMigrationsNeedNoWriteLock) {
  HostProcess host;
  ASSERT_EQ(runHost({"migrate", "--config", host.configPath()}).exitCode, 0);
  std::string config = readFile(host.configPath());
  auto pos = config.find("  migrations_dir: ");
  ASSERT_NE(pos, std::string::npos) << config;
  config.insert(pos, "  busy_timeout_ms: 300\n");
  writeFile(host.configPath(), config);
  // The same database with one migration more: applying it needs the write lock.
  TempDir migrations;
  std::filesystem::copy(sourceDir() + "/migrations", migrations.path(), std::filesystem::copy_options::recursive);
  writeFile(migrations.path() / "core" / "sqlite" / "0099_extra.sql", "CREATE TABLE extra_table (id INTEGER);\n");
  auto extraConfig = migrations.path() / "with_extra.yaml";
  pos = config.find("migrations_dir: ");
  writeFile(extraConfig, config.replace(pos, config.find('\n', pos) - pos, "migrations_dir: " + migrations.str()));

  auto db = openTestDatabase(host.databaseUrl());
  auto s = db->session();
  db->begin(s);  // BEGIN IMMEDIATE: the write lock is this process's until the rollback
  auto upToDate = runHost({"migrate", "--config", host.configPath()});
  auto withExtra = runHost({"migrate", "--config", extraConfig.string()});
  db->rollback(s);
  EXPECT_EQ(upToDate.exitCode, 0) << upToDate.output;
  EXPECT_TRUE(contains(upToDate.output, "migrations: 0 applied")) << upToDate.output;
  EXPECT_EQ(withExtra.exitCode, 1) << withExtra.output;
  EXPECT_TRUE(contains(withExtra.output, "database is locked")) << withExtra.output;
  // Once the lock is gone, the extra migration applies.
  auto after = runHost({"migrate", "--config", extraConfig.string()});
  EXPECT_EQ(after.exitCode, 0) << after.output;
  EXPECT_TRUE(contains(after.output, "applied migration core/0099_extra")) << after.output;
}

TEST(Cli, ChangedAppliedMigrationStopsTheStart) {
  TempDir migrations;
  std::filesystem::copy(sourceDir() + "/migrations", migrations.path(), std::filesystem::copy_options::recursive);
  HostProcess host("  []", "");
  // Point the host at a private copy of the migrations so the test can edit one.
  std::string config = readFile(host.configPath());
  auto pos = config.find("migrations_dir: ");
  auto end = config.find('\n', pos);
  config.replace(pos, end - pos, "migrations_dir: " + migrations.str());
  writeFile(host.configPath(), config);
  ASSERT_EQ(runHost({"migrate", "--config", host.configPath()}).exitCode, 0);
  auto file = migrations.path() / "core" / "sqlite" / "0001_users.sql";
  writeFile(file, readFile(file) + "\n-- edited after the fact\n");
  auto r = runHost({"migrate", "--config", host.configPath()});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("0001_users.sql was changed after it was applied"), std::string::npos) << r.output;
  EXPECT_FALSE(host.start()) << "serve must refuse too";
}

TEST(Cli, BrokenMigrationRollsBackAndNamesTheFile) {
  TempDir migrations;
  std::filesystem::copy(sourceDir() + "/migrations", migrations.path(), std::filesystem::copy_options::recursive);
  writeFile(migrations.path() / "core" / "sqlite" / "0099_broken.sql",
            "CREATE TABLE half_done (id INTEGER);\nTHIS IS NOT SQL;\n");
  HostProcess host;
  std::string config = readFile(host.configPath());
  auto pos = config.find("migrations_dir: ");
  config.replace(pos, config.find('\n', pos) - pos, "migrations_dir: " + migrations.str());
  writeFile(host.configPath(), config);
  auto r = runHost({"migrate", "--config", host.configPath()});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("0099_broken.sql failed"), std::string::npos) << r.output;
  // The failed file left nothing behind, and was not recorded.
  EXPECT_TRUE(queryStrings(host.databaseUrl(), "SELECT name FROM sqlite_master WHERE name = 'half_done'").empty());
  EXPECT_TRUE(queryStrings(host.databaseUrl(), "SELECT version FROM schema_migrations WHERE version = 99").empty());
}

TEST(Cli, UsersPromoteMakesAnAdmin) {
  HostProcess host;
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = host.signup("boss@example.com");
  auto missing = runHost({"users", "promote", "--email", "ghost@example.com", "--config", host.configPath()});
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_NE(missing.output.find("no user with email ghost@example.com"), std::string::npos);
  auto r = runHost({"users", "promote", "--email", "boss@example.com", "--config", host.configPath()});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(jsonField(host.get("/api/auth/me", token).body, "user.isAdmin"), "true");
  EXPECT_EQ(runHost({"users", "promote", "--config", host.configPath()}).exitCode, 2);
  host.stop();
}

TEST(Cli, ConfigErrorsNameKeyPathAndLine) {
  HostProcess host;
  std::string config = readFile(host.configPath());
  config.replace(config.find("  threads: 8"), 12, "  threads: many\n  colour: blue");
  writeFile(host.configPath(), config);
  auto r = runHost({"serve", "--config", host.configPath()});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("server.threads"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("server.colour"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("codecouncil.yaml:5"), std::string::npos) << r.output;
}

TEST(Cli, EnvSelectsTheEnvironmentFile) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "config");
  HostProcess host;
  std::string config = readFile(host.configPath());
  writeFile(dir.path() / "config" / "staging.yaml", config);
  // --env staging without --config reads config/staging.yaml from the working directory.
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto r = runHost({"migrate", "--env", "staging"});
  std::filesystem::current_path(cwd);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("applied migration"), std::string::npos) << r.output;
}

TEST(Cli, PortAndDatabaseUrlComeFromTheEnvironment) {
  TempDir dir;
  int port = freePort();
  std::string db = "sqlite://" + (dir.path() / "env.db").string();
  auto r = runHost({"migrate", "--config", sourceDir() + "/config/codecouncil.yaml"},
                   {{"DATABASE_URL", db}, {"CODECOUNCIL_DATA_DIR", dir.str()}, {"PORT", std::to_string(port)},
                    {"CODECOUNCIL_PLUGIN_DIR", pluginDir()}, {"BACKUP_DIR", (dir.path() / "backups").string()}});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "env.db"));
  EXPECT_EQ(queryStrings(db, "SELECT COUNT(*) FROM schema_migrations").at(0).empty(), false);
}

// `codecouncil plugins` runs declare() only: with a database nothing answers at and a data
// folder that does not exist, it still lists every route, job and topic, and starts no plugin
// (so no audit writer thread, no connection, no file).
TEST(Cli, PluginsListingOpensNoDatabaseAndStartsNoPlugin) {
  HostProcess host(allBundledPlugins(), "", "postgresql://cc_nobody@127.0.0.1:1/no_such_database");
  const auto before = pathsUnder(host.dir().path());
  ASSERT_FALSE(std::filesystem::exists(host.dir().path() / "data"));
  auto r = runHost({"plugins", "--config", host.configPath()});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto routes = section(r.output, "routes");
  std::set<std::string> owners;
  for (auto& line : routes) owners.insert(line.substr(line.rfind('(')));
  for (const char* owner : {"(core)", "(admin)", "(analysis)", "(billing)", "(metrics)", "(ratelimit)"})
    EXPECT_TRUE(owners.count(owner)) << owner << " routes missing:\n" << r.output;
  auto jobs = section(r.output, "jobs");
  for (const char* job : {"audit.retention  0 3 * * *", "backup.run  0 2 * * *", "backup.publish",
                          "backup.restore_drill  0 4 * * *", "metrics.refresh",
                          "billing.reconcile_subscriptions", "analysis.recover_stale_runs", "admin.flush_counters"}) {
    bool found = false;
    for (auto& line : jobs) found = found || line.rfind(job, 0) == 0;
    EXPECT_TRUE(found) << job << " not listed:\n" << r.output;
  }
  auto topics = section(r.output, "topics");
  for (const char* topic : {"rate_limit_exceeded  (ratelimit)", "backup_succeeded  (backup)", "user_suspended  (admin)",
                            "analysis_completed  (analysis)", "payment_failed  (billing)", "user_signup  (core)"})
    EXPECT_NE(std::find(topics.begin(), topics.end(), topic), topics.end()) << topic << " not listed:\n" << r.output;
  EXPECT_TRUE(contains(r.output, "provides: billing (v")) << r.output;
  EXPECT_TRUE(contains(r.output, "), billing.credits (v")) << r.output;
  // Nothing started: no plugin's start() ran (audit's would start its writer thread and log
  // that the audit log is ready), the database was never reached, nothing was written.
  EXPECT_FALSE(contains(r.output, "starting plugin")) << r.output;
  EXPECT_FALSE(contains(r.output, "audit log ready")) << r.output;
  EXPECT_FALSE(contains(r.output, "cannot reach the database")) << r.output;
  EXPECT_FALSE(contains(r.output, "Connection attempt failed")) << r.output;  // nothing tried to connect
  EXPECT_EQ(pathsUnder(host.dir().path()), before) << "the listing created files";
}

// `codecouncil jobs list` reads the declarations too: on PostgreSQL nothing answers at, it
// lists every bundled plugin's job with its schedule; on SQLite it creates no database file
// (nor the data folder). No plugin's start() runs.
TEST(Cli, JobsListOpensNoDatabaseAndStartsNoPlugin) {
  for (std::string url : {std::string("postgresql://cc_nobody@127.0.0.1:1/no_such_database"), std::string()}) {
    HostProcess host(allBundledPlugins(), "", url);  // "": HostProcess's SQLite file under data/
    const auto before = pathsUnder(host.dir().path());
    ASSERT_FALSE(std::filesystem::exists(host.dir().path() / "data"));
    for (auto args : {std::vector<std::string>{"jobs", "list"}, std::vector<std::string>{"jobs"}}) {
      args.insert(args.end(), {"--config", host.configPath()});
      auto r = runHost(args);
      ASSERT_EQ(r.exitCode, 0) << r.output;
      auto jobs = section(r.output, "jobs");
      EXPECT_EQ(jobs.size(), 10u) << r.output;  // audit 1, backup 3, billing 3, metrics, analysis, admin
      for (const char* job : {"audit.retention  ", "backup.run  ", "backup.publish  ", "backup.restore_drill  ",
                              "metrics.refresh  ",
                              "billing.reconcile_subscriptions  ", "analysis.recover_stale_runs  ",
                              "admin.flush_counters  "}) {
        bool found = false;
        for (auto& line : jobs) found = found || line.rfind(job, 0) == 0;
        EXPECT_TRUE(found) << job << " not listed:\n" << r.output;
      }
      // The schedules as before, aligned in one column; metrics' job runs on every instance.
      EXPECT_TRUE(std::regex_search(r.output, std::regex("\n  audit\\.retention +0 3 \\* \\* \\*\n"))) << r.output;
      EXPECT_TRUE(std::regex_search(r.output, std::regex("\n  backup\\.run +0 2 \\* \\* \\*\n"))) << r.output;
      EXPECT_TRUE(std::regex_search(r.output, std::regex("\n  metrics\\.refresh +every \\d+s  \\(every instance\\)\n")))
          << r.output;
      EXPECT_FALSE(contains(r.output, "starting plugin")) << r.output;
      EXPECT_FALSE(contains(r.output, "audit log ready")) << r.output;
      EXPECT_FALSE(contains(r.output, "cannot reach the database")) << r.output;
      EXPECT_FALSE(contains(r.output, "Connection attempt failed")) << r.output;
      EXPECT_FALSE(contains(r.output, "migrations:")) << r.output;
    }
    EXPECT_EQ(pathsUnder(host.dir().path()), before) << "jobs list created files (" << url << ")";
  }
}

// A plugin written before declare() registers its jobs in start(): `jobs list` does not start
// it (that would need the database), names it instead, and lists the declaring plugins' jobs;
// `jobs run` starts every plugin, so an unknown name still shows all of them.
TEST(Cli, JobsListNamesAPluginThatRegistersInStart) {
  std::string plugins = "  - name: tp_echo\n    path: " + testPluginDir() + "/libcc_tp_echo.so\n    migrations: " +
                        sourceDir() + "/tests/plugins/tp_echo/migrations\n    config: { job_seconds: 60 }\n" +
                        "  - name: tp_dependent\n    path: " + testPluginDir() + "/libcc_tp_dependent.so\n";
  HostProcess host(plugins);
  const auto before = pathsUnder(host.dir().path());
  auto r = runHost({"jobs", "list", "--config", host.configPath()});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "jobs:\n  tp_echo.tick  every 60s\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "  (plugin tp_dependent registers in start(): its jobs are not listed; "
                                 "`jobs run NAME` starts it)\n"))
      << r.output;
  EXPECT_FALSE(contains(r.output, "registers in start(): its jobs are not listed; `jobs run NAME` starts it)\n  ("))
      << "tp_echo declares, so only tp_dependent is named:\n" << r.output;
  EXPECT_FALSE(contains(r.output, "start tp_dependent")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(host.dir().path() / "data" / "lifecycle.log")) << "tp_dependent was started";
  EXPECT_EQ(pathsUnder(host.dir().path()), before) << "jobs list created files";
}

// Listing starts no thread of its own: `plugins`, `help`, `events` and `jobs list` with every
// bundled plugin start exactly as many threads as `version` (the host's logging), counted by a
// preloaded pthread_create (tests/support/thread_count). Audit's writer, the scheduler, the
// HTTP loop and the SQLite checkpointer of the listing's never-opened database all start
// threads when created.
TEST(Cli, ListingsStartNoThreadBeyondTheHostsOwn) {
  HostProcess host(allBundledPlugins(), "", "postgresql://cc_nobody@127.0.0.1:1/no_such_database");
  const std::string countFile = (host.dir().path() / "threads").string();
  auto threadsOf = [&](std::vector<std::string> args) {
    std::filesystem::remove(countFile);
    auto r = runHost(args, {{"LD_PRELOAD", testPluginDir() + "/libcc_thread_count.so"}, {"CC_THREAD_COUNT_FILE", countFile}});
    EXPECT_EQ(r.exitCode, 0) << r.output;
    const std::string text = readFile(countFile);
    EXPECT_FALSE(text.empty()) << "the preloaded counter wrote nothing: " << r.output;
    return text.empty() ? -1 : std::stoi(text);
  };
  const int own = threadsOf({"version"});
  ASSERT_GE(own, 0);
  EXPECT_EQ(threadsOf({"plugins", "--config", host.configPath()}), own);
  EXPECT_EQ(threadsOf({"help", "--config", host.configPath()}), own);
  EXPECT_EQ(threadsOf({"events", "--config", host.configPath()}), own);
  EXPECT_EQ(threadsOf({"jobs", "list", "--config", host.configPath()}), own);
}

// `help` lists the commands plugins add and `events` the topics, both from declare() alone.
TEST(Cli, HelpAndEventsNeedNoDatabase) {
  HostProcess host(allBundledPlugins(), "", "postgresql://cc_nobody@127.0.0.1:1/no_such_database");
  const auto before = pathsUnder(host.dir().path());
  auto help = runHost({"help", "--config", host.configPath()});
  EXPECT_EQ(help.exitCode, 0) << help.output;
  for (const char* command : {"audit  verify", "backup-verify  ", "billing-grant-annual  "})
    EXPECT_TRUE(contains(help.output, command)) << command << " missing:\n" << help.output;
  EXPECT_FALSE(contains(help.output, "commands added by plugins are not listed")) << help.output;
  auto events = runHost({"events", "--config", host.configPath()});
  EXPECT_EQ(events.exitCode, 0) << events.output;
  EXPECT_TRUE(contains(events.output, "  rate_limit_exceeded\n")) << events.output;
  EXPECT_TRUE(contains(events.output, "publisher: ratelimit")) << events.output;
  EXPECT_TRUE(contains(events.output, "subscribers: audit")) << events.output;  // its "*" subscription
  for (auto* r : {&help, &events}) {
    EXPECT_FALSE(contains(r->output, "starting plugin")) << r->output;
    EXPECT_FALSE(contains(r->output, "audit log ready")) << r->output;
  }
  EXPECT_EQ(pathsUnder(host.dir().path()), before) << "help or events created files";
}

// What the listing shows is what a served host serves: every listed route is routed (no
// "no route" 404, no 405), and the jobs equal those of started plugins (`jobs run` starts
// them, and an unknown name lists their jobs), which `jobs list` shows too.
TEST(Cli, PluginsListingMatchesTheServedHost) {
  HostProcess host(allBundledPlugins());
  ASSERT_TRUE(host.start()) << host.output();
  auto r = runHost({"plugins", "--config", host.configPath()});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  static const std::regex row(R"(^([A-Z]+) (\S+)  \((\S+)\)$)");
  static const std::regex param(R"(/[:*][A-Za-z0-9_]+)");
  auto routes = section(r.output, "routes");
  ASSERT_GT(routes.size(), 20u) << r.output;
  for (auto& line : routes) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, row)) << line;
    std::string path = std::regex_replace(std::string(m[2]), param, "/x");
    auto answer = http(host.port(), m[1], path, m[1] == "POST" ? "{}" : "");
    EXPECT_FALSE(contains(answer.body, "no route for")) << line << " is listed but not served: " << answer.body;
    EXPECT_NE(answer.status, 405) << line << " is listed but not served";
  }
  // A path nobody declared is refused the same way, so the check above can fail.
  EXPECT_TRUE(contains(host.get("/api/never-declared").body, "no route for"));

  auto served = runHost({"jobs", "run", "cc.no_such_job", "--config", host.configPath()});
  ASSERT_EQ(served.exitCode, 2) << served.output;
  ASSERT_TRUE(contains(served.output, "starting plugin")) << served.output;
  auto jobsList = runHost({"jobs", "list", "--config", host.configPath()});
  ASSERT_EQ(jobsList.exitCode, 0) << jobsList.output;
  std::set<std::string> listedJobs, servedJobs, jobsListed;
  for (auto& line : section(r.output, "jobs")) listedJobs.insert(line.substr(0, line.find(' ')));
  for (auto& line : section(served.output, "jobs")) servedJobs.insert(line.substr(0, line.find(' ')));
  for (auto& line : section(jobsList.output, "jobs")) jobsListed.insert(line.substr(0, line.find(' ')));
  EXPECT_EQ(listedJobs, servedJobs) << r.output << "\n" << served.output;
  EXPECT_EQ(jobsListed, servedJobs) << jobsList.output << "\n" << served.output;
  EXPECT_EQ(listedJobs.size(), 10u) << r.output;  // audit 1, backup 3, billing 3, metrics, analysis, admin
}
