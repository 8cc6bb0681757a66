// The codecouncil subcommands, run as a user would run them.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>

using namespace cc::test;

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
