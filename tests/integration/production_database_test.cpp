// Production never runs on a database nobody chose (issue 16, item 1), through the real binary:
// outside development and test an empty database.url stops every command before a SQLite file
// exists; a URL that names SQLite is allowed, with a warning line.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace cc::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The test host's config with its `database.url` line taken out: the shape of a production
/// config whose ${DATABASE_URL:-} was not set.
void dropDatabaseUrl(const HostProcess& host) {
  std::string config = readFile(host.configPath());
  const std::string line = "  url: " + host.databaseUrl() + "\n";
  ASSERT_NE(config.find(line), std::string::npos) << config;
  config.erase(config.find(line), line.size());
  writeFile(host.configPath(), config);
}

/// 1-based line of the first line of `file` containing `text`.
int lineOf(const fs::path& file, const std::string& text) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (contains(line, text)) return n;
  }
  return -1;
}

/// Every file under `dir` (none when it does not exist).
std::vector<std::string> filesUnder(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) out.push_back(entry.path().string());
  return out;
}

}  // namespace

TEST(ProductionDatabase, AnEmptyUrlStopsEveryCommandOutsideDevelopmentBeforeAnyFileExists) {
  HostProcess config("  - name: backup\n    path: " + pluginDir() + "/libcc_backup.so\n    config: {signing_key: " +
                     std::string(40, 'k') + "}\n");
  dropDatabaseUrl(config);
  const fs::path data = config.dir().path() / "data", backups = config.dir().path() / "backups";
  for (const char* environment : {"production", "staging", "qa"}) {
    // serve, migrate and a backup: the scheduled backup of an empty SQLite file was the harm.
    for (std::vector<std::string> command : {std::vector<std::string>{"serve"}, {"migrate"}, {"backup"}}) {
      command.insert(command.end(), {"--config", config.configPath()});
      auto r = runHost(command, {{"CODECOUNCIL_ENV", environment}, {"BACKUP_DIR", backups.string()}}, 30);
      const std::string what = std::string(environment) + " " + command[0] + ": " + r.output;
      EXPECT_EQ(r.exitCode, 1) << what;
      EXPECT_TRUE(contains(r.output, "database.url (" + config.configPath() + ":")) << what;
      EXPECT_TRUE(contains(r.output, "is empty in environment '" + std::string(environment) + "'")) << what;
      EXPECT_TRUE(contains(r.output, "set DATABASE_URL=postgresql://")) << what;
      EXPECT_TRUE(contains(r.output, "sqlite:///")) << what << " (the way to ask for SQLite on purpose)";
      EXPECT_FALSE(contains(r.output, "listening on")) << what;
      EXPECT_EQ(filesUnder(data), std::vector<std::string>{}) << what;
      EXPECT_EQ(filesUnder(backups), std::vector<std::string>{}) << what;
    }
  }
}

TEST(ProductionDatabase, TheShippedProductionConfigNamesItsUrlLineWhenDatabaseUrlIsUnset) {
  TempDir dir;
  const fs::path shipped = fs::path(sourceDir()) / "config" / "production.yaml";
  const int line = lineOf(shipped, "url: ${DATABASE_URL");
  ASSERT_GT(line, 0);
  auto r = runHost({"serve", "--config", shipped.string()},
                   {{"CODECOUNCIL_ENV", "production"},
                    {"DATABASE_URL", ""},
                    {"JWT_SECRET", "a-production-secret-that-is-long-enough-0123"},
                    {"METRICS_TOKEN", "metrics-token"},
                    {"BACKUP_SIGNING_KEY", std::string(40, 's')},
                    {"CODECOUNCIL_DATA_DIR", (dir.path() / "data").string()},
                    {"CODECOUNCIL_PLUGIN_DIR", pluginDir()},
                    {"PORT", std::to_string(freePort())}},
                   30);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "database.url (" + shipped.string() + ":" + std::to_string(line) + "): is empty"))
      << r.output;
  EXPECT_EQ(filesUnder(dir.path()), std::vector<std::string>{});
}

TEST(ProductionDatabase, AUrlThatNamesSqliteIsAllowedWithAWarning) {
  HostProcess host;  // database.url: sqlite:///<temp>/data/test.db
  ASSERT_TRUE(host.start({{"CODECOUNCIL_ENV", "production"}})) << host.output();
  EXPECT_TRUE(host.waitForOutput("database: SQLite in environment 'production', as database.url (" +
                                 host.configPath() + ":"))
      << host.output();
  EXPECT_EQ(host.get("/healthz").status, 200);
  EXPECT_EQ(host.stop(), 0);
}

TEST(ProductionDatabase, DevelopmentAndTestStillFallBackToSqliteInDataDirSilently) {
  for (const char* environment : {"development", "test"}) {
    HostProcess host;
    dropDatabaseUrl(host);
    ASSERT_TRUE(host.start({{"CODECOUNCIL_ENV", environment}})) << environment << ": " << host.output();
    EXPECT_TRUE(fs::exists(host.dir().path() / "data" / "codecouncil.db")) << environment;
    EXPECT_EQ(host.stop(), 0);
    EXPECT_FALSE(contains(host.output(), "database: SQLite in environment")) << host.output();
  }
}

TEST(ProductionDatabase, APostgresUrlStartsProductionWithoutTheWarning) {
  const std::string url = createPostgresDatabase("cc_prod_db");
  if (url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess host("  []", "", url);
  ASSERT_TRUE(host.start({{"CODECOUNCIL_ENV", "production"}})) << host.output();
  EXPECT_TRUE(host.waitForOutput("database: postgresql://")) << host.output();
  EXPECT_EQ(host.get("/healthz").status, 200);
  EXPECT_EQ(host.stop(), 0);
  EXPECT_FALSE(contains(host.output(), "database: SQLite in environment")) << host.output();
  EXPECT_FALSE(fs::exists(host.dir().path() / "data" / "codecouncil.db"));
}
