// Errors that name their fix, from the real binary: the variable, the key with its file:line,
// the setting, the spelling ("percent-encode '@' as %40", "did you mean 'threads'?"). And the
// order an operator reads them in: a fatal start error comes after the log lines that led to it.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

using namespace cc::test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A config file for commands that stop before serving: SQLite in `dir`, no plugins, plus `extra`.
std::string writeConfig(const TempDir& dir, const std::string& databaseUrl, const std::string& extra = "",
                        const std::string& plugins = "  []\n") {
  std::string path = (dir.path() / "codecouncil.yaml").string();
  writeFile(path, "server:\n  host: 127.0.0.1\n  port: " + std::to_string(freePort()) + "\n" + extra +
                      "database:\n  url: " + databaseUrl + "\n  migrations_dir: " + sourceDir() +
                      "/migrations\ndata_dir: " + (dir.path() / "data").string() + "\nplugins:\n" + plugins);
  return path;
}

std::string testPlugin(const std::string& name, const std::string& extra = "") {
  return "  - name: " + name + "\n    path: " + testPluginDir() + "/libcc_" + name + ".so\n" + extra;
}

}  // namespace

TEST(ErrorHints, OptionWithoutItsValueIsUsageWithExitTwo) {
  auto r = runHost({"migrate", "--config"});
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--config needs a value")) << r.output;
  EXPECT_TRUE(contains(r.output, "usage: codecouncil [--config FILE] [--env NAME] <command>")) << r.output;
}

TEST(ErrorHints, HelpWithoutAConfigStillPrintsTheUsageAndSaysWhatIsMissing) {
  auto r = runHost({"help", "--config", "/nonexistent/codecouncil.yaml"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "usage: codecouncil")) << r.output;
  EXPECT_TRUE(contains(r.output, "users promote --email E")) << r.output;
  EXPECT_TRUE(contains(r.output, "commands added by plugins are not listed")) << r.output;
  EXPECT_TRUE(contains(r.output, "/nonexistent/codecouncil.yaml not found")) << r.output;
  auto flag = runHost({"--help", "--config", "/nonexistent/codecouncil.yaml"});
  EXPECT_EQ(flag.exitCode, 0) << flag.output;
  EXPECT_TRUE(contains(flag.output, "usage: codecouncil")) << flag.output;
}

TEST(ErrorHints, UnknownKeySuggestsTheKeyItIsATypoOf) {
  TempDir dir;
  std::string config = writeConfig(dir, "sqlite://" + (dir.path() / "t.db").string(),
                                   "  thraeds: 4\n  shutdown_grace_secs: 5\n  bogus: 1\n");
  auto r = runHost({"migrate", "--config", config});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "server.thraeds (" + config + ":4): unknown key 'thraeds' (did you mean 'threads'?)"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "unknown key 'shutdown_grace_secs' (did you mean 'shutdown_grace_seconds'?)"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "unknown key 'bogus'\n")) << "an unrelated key gets no guess: " << r.output;
}

TEST(ErrorHints, PluginConfigKeysGetTheSameSuggestion) {
  TempDir dir;
  std::string config = writeConfig(dir, "sqlite://" + (dir.path() / "t.db").string(), "",
                                   testPlugin("tp_bad_config", "    config: { limit: 5, mdoe: fast }\n"));
  auto r = runHost({"migrate", "--config", config});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "plugins[0].config.mdoe")) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown key 'mdoe' (did you mean 'mode'?)")) << r.output;
}

TEST(ErrorHints, UnencodedAtInTheDatabasePasswordSaysToPercentEncodeIt) {
  TempDir dir;
  std::string config = writeConfig(dir, "postgresql://cc:pa@ssw0rd@127.0.0.1:5432/cc");
  auto r = runHost({"migrate", "--config", config});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "database.url (" + config + ":5): the user name or password contains '@': "
                                 "percent-encode '@' as %40"))
      << r.output;
  EXPECT_FALSE(contains(r.output, "ssw0rd")) << "the password must not be printed: " << r.output;
}

TEST(ErrorHints, RefusedDatabaseConnectionGivesTheDriversReasonAndTheKey) {
  TempDir dir;
  const int closedPort = freePort();  // nothing listens there
  std::string config = writeConfig(dir, "postgresql://cc:s3cretpw@127.0.0.1:" + std::to_string(closedPort) + "/cc");
  auto r = runHost({"migrate", "--config", config});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot reach the database at postgresql://cc@127.0.0.1:" + std::to_string(closedPort) +
                                     "/cc"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "Connection refused")) << "libpq's reason is missing: " << r.output;
  EXPECT_TRUE(contains(r.output, "database.url (" + config + ":5)")) << r.output;
  EXPECT_TRUE(contains(r.output, "DATABASE_URL")) << r.output;
  EXPECT_FALSE(contains(r.output, "s3cretpw")) << "the password must not be printed: " << r.output;
}

TEST(ErrorHints, ShortJwtSecretNamesTheVariableNotTheValue) {
  HostProcess host("  []", "auth:\n  jwt_secret: ${JWT_SECRET}\n");
  EXPECT_FALSE(host.start({{"JWT_SECRET", "tooShortSecretXYZ"}}));
  EXPECT_TRUE(contains(host.output(), "auth.jwt_secret (")) << host.output();
  EXPECT_TRUE(contains(host.output(), "is shorter than 32 bytes: set JWT_SECRET to at least 32 random bytes"))
      << host.output();
  EXPECT_FALSE(contains(host.output(), "tooShortSecretXYZ")) << host.output();
}

TEST(ErrorHints, MissingLibraryNamesPluginDirAndItsVariable) {
  TempDir dir;
  std::string config = writeConfig(dir, "sqlite://" + (dir.path() / "t.db").string(), "",
                                   "  - name: audit\n");
  // plugin_dir as the shipped configs set it: from CODECOUNCIL_PLUGIN_DIR.
  writeFile(config, readFile(config) + "plugin_dir: ${CODECOUNCIL_PLUGIN_DIR:-../build/plugins}\n");
  auto r = runHost({"migrate", "--config", config}, {{"CODECOUNCIL_PLUGIN_DIR", "/nonexistent/plugins"}});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "plugin audit (/nonexistent/plugins/libcc_audit.so): library not found")) << r.output;
  EXPECT_TRUE(contains(r.output, "plugin_dir (" + config + ":10")) << r.output;
  EXPECT_TRUE(contains(r.output, "CODECOUNCIL_PLUGIN_DIR")) << r.output;

  // An entry with its own path names that key instead.
  std::string withPath = writeConfig(dir, "sqlite://" + (dir.path() / "t.db").string(), "",
                                     "  - name: audit\n    path: /nonexistent/elsewhere/libcc_audit.so\n");
  auto own = runHost({"migrate", "--config", withPath});
  EXPECT_EQ(own.exitCode, 1) << own.output;
  EXPECT_TRUE(contains(own.output, "check the entry's path (plugins[0].path (" + withPath + ":10))")) << own.output;
}

TEST(ErrorHints, OptionalDependencyThatFailedIsNotCalledDisabled) {
  // tp_dependent uses tp_optional_absent when present; here it is listed but its library is gone.
  HostProcess host(testPlugin("tp_echo", "    migrations: " + sourceDir() + "/tests/plugins/tp_echo/migrations\n"
                                         "    config: { greeting: hi }\n") +
                   testPlugin("tp_dependent") +
                   "  - name: tp_optional_absent\n    optional: true\n    path: /nonexistent/libcc_tp_optional_absent.so\n");
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_TRUE(host.waitForOutput("plugin tp_dependent: optional plugin tp_optional_absent failed and was skipped"))
      << host.output();
  EXPECT_FALSE(contains(host.output(), "is not enabled")) << host.output();
  EXPECT_EQ(host.stop(), 0);

  // Not listed at all: a notice that says so.
  HostProcess unlisted(testPlugin("tp_echo", "    migrations: " + sourceDir() +
                                                 "/tests/plugins/tp_echo/migrations\n    config: { greeting: hi }\n") +
                       testPlugin("tp_dependent"));
  ASSERT_TRUE(unlisted.start()) << unlisted.output();
  EXPECT_TRUE(unlisted.waitForOutput("optional plugin tp_optional_absent is not listed in the config"))
      << unlisted.output();
  EXPECT_EQ(unlisted.stop(), 0);
}

TEST(ErrorHints, OptionalDependencyThatFailedInStartIsReportedAsFailed) {
  // metrics uses backup when present. In production backup's start() throws without
  // BACKUP_SIGNING_KEY; backup starts first (it is in metrics' start order), so metrics must
  // hear that it failed, not that it is not enabled.
  HostProcess host(bundledPlugin("backup", "{ schedule: 'off' }", "    optional: true\n") +
                   bundledPlugin("metrics", "{ bearer_token: 'metrics-token-long-enough-0123456789' }"));
  ASSERT_TRUE(host.start({{"CODECOUNCIL_ENV", "production"}, {"BACKUP_SIGNING_KEY", ""}})) << host.output();
  EXPECT_TRUE(host.waitForOutput("plugin metrics: optional plugin backup failed and was skipped (see its error above)"))
      << host.output();
  EXPECT_TRUE(contains(host.output(), "set BACKUP_SIGNING_KEY")) << host.output();
  EXPECT_FALSE(contains(host.output(), "is not enabled")) << host.output();
  EXPECT_EQ(host.stop(), 0);
}

TEST(ErrorHints, FatalStartErrorComesAfterTheLogLinesThatExplainIt) {
  // The log is asynchronous; the fatal message is written by main() directly. The failing
  // plugin logs a burst first, so the log channel is still writing when the start fails.
  for (int attempt = 0; attempt < 3; ++attempt) {
    HostProcess host(testPlugin("tp_echo", "    migrations: " + sourceDir() +
                                               "/tests/plugins/tp_echo/migrations\n    config: { greeting: hi }\n") +
                     testPlugin("tp_throwing_start", "    config: { log_lines: 20000 }\n"));
    ASSERT_FALSE(host.start()) << "the host started although a required plugin throws in start()";
    const std::string out = host.output();
    const auto fatal = out.find("codecouncil: plugin tp_throwing_start (");
    ASSERT_NE(fatal, std::string::npos) << out.substr(out.size() > 3000 ? out.size() - 3000 : 0);
    for (const char* line : {"starting plugin tp_throwing_start", "wish 19999 of 20000", "plugin tp_echo stopped"}) {
      const auto logged = out.find(line);
      ASSERT_NE(logged, std::string::npos) << line;
      EXPECT_LT(logged, fatal) << "attempt " << attempt << ": '" << line << "' came after the fatal error";
    }
    EXPECT_EQ(out.find("codecouncil: plugin tp_throwing_start ("), out.rfind("codecouncil: plugin tp_throwing_start ("));
  }
}
