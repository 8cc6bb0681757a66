// Unit tests for the host config loader (core/config/host_config.cpp) and the .env reader.
// Each test works in its own temporary folder, which is also the working directory, so
// neither a real .env nor the repository's config/ can leak in.
#include "core/config/dotenv.hpp"
#include "core/config/host_config.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <set>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using cc::core::ConfigLoadError;
using cc::core::HostConfig;
using cc::core::LoadOptions;
using cc::core::loadHostConfig;

namespace {

const fs::path kSourceDir = cc::test::sourceDir();

// Every variable the shipped configs or these tests read; cleared before each test so the
// developer's shell cannot change the outcome.
const std::vector<std::string> kScrubbedVariables = {
    "CODECOUNCIL_ENV", "CODECOUNCIL_DATA_DIR", "CODECOUNCIL_PLUGIN_DIR", "CODECOUNCIL_LOG_LEVEL",
    "PORT", "DATABASE_URL", "DATABASE_POOL_MAX", "JWT_SECRET", "SMTP_HOST", "SMTP_PORT", "SMTP_USER",
    "SMTP_PASSWORD", "SMTP_FROM", "TLS_ENABLED", "TLS_PORT", "TLS_CERTIFICATE", "TLS_PRIVATE_KEY",
    "CC_TEST_A", "CC_TEST_B", "CC_TEST_C", "CC_TEST_HOST", "CC_TEST_UNSET", "CC_TEST_EMPTY"};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every environment but development and test must name its database (an empty database.url
// is refused); configs loaded as staging or production here name one.
const std::string kNamedDatabase = "database: {url: 'sqlite://cc.db'}\n";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "cc_config_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = fs::canonical(pattern);  // canonical: /tmp may be a symlink, and we compare paths
    savedCwd_ = fs::current_path();
    fs::current_path(dir_);
    for (const auto& name : kScrubbedVariables) unsetEnv(name);
  }

  void TearDown() override {
    fs::current_path(savedCwd_);
    for (const auto& [name, value] : savedEnv_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void remember(const std::string& name) {
    if (savedEnv_.count(name)) return;
    const char* value = std::getenv(name.c_str());
    savedEnv_[name] = value ? std::optional<std::string>(value) : std::nullopt;
  }
  void setEnv(const std::string& name, const std::string& value) {
    remember(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unsetEnv(const std::string& name) {
    remember(name);
    ::unsetenv(name.c_str());
  }

  /// Writes `text` to dir_/relative (creating folders) and returns the absolute path.
  fs::path write(const std::string& relative, const std::string& text) {
    fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }

  HostConfig load(const std::string& file) {
    LoadOptions options;
    options.configFile = file;
    return loadHostConfig(options);
  }

  /// The collected errors of a load that must fail (empty, with a test failure, if it loads).
  std::vector<std::string> errorsOf(const LoadOptions& options) {
    try {
      loadHostConfig(options);
    } catch (const ConfigLoadError& e) {
      EXPECT_TRUE(contains(e.what(), "invalid configuration")) << e.what();
      return e.errors().list();
    }
    ADD_FAILURE() << "expected a ConfigLoadError";
    return {};
  }
  std::vector<std::string> errorsOf(const std::string& file) {
    LoadOptions options;
    options.configFile = file;
    return errorsOf(options);
  }
  /// The single error of a failing load, as text.
  std::string errorOf(const std::string& file) {
    auto errors = errorsOf(file);
    EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    return errors.empty() ? std::string() : errors.front();
  }

  fs::path dir_;

 private:
  fs::path savedCwd_;
  std::map<std::string, std::optional<std::string>> savedEnv_;
};

// ---------------------------------------------------------------------------------------
// Defaults and the file that is picked
// ---------------------------------------------------------------------------------------

TEST_F(ConfigTest, EmptyMapGivesEveryDefault) {
  write("config/codecouncil.yaml", "{}\n");
  HostConfig c = loadHostConfig({});

  EXPECT_EQ(c.environment, "development");
  EXPECT_EQ(c.file, (dir_ / "config/codecouncil.yaml").string());
  EXPECT_EQ(c.configDir, (dir_ / "config").string());
  EXPECT_EQ(c.dataDir, (dir_ / "data").string());
  EXPECT_EQ(c.pluginDir, (dir_ / "build/plugins").string());

  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 5000);
  EXPECT_EQ(c.server.threads, 64);
  EXPECT_EQ(c.server.maxConnections, 10000);
  EXPECT_EQ(c.server.headerTimeoutSeconds, 10);
  EXPECT_EQ(c.server.keepAliveTimeoutSeconds, 15);
  EXPECT_EQ(c.server.maxHeaderBytes, 16384);
  EXPECT_TRUE(c.server.keepAlive);
  EXPECT_EQ(c.server.maxBodyBytes, 1048576);
  EXPECT_TRUE(c.server.accessLog);
  EXPECT_EQ(c.server.shutdownGraceSeconds, 10);
  EXPECT_FALSE(c.server.tls.enabled);
  EXPECT_EQ(c.server.tls.port, 5443);
  EXPECT_EQ(c.server.tls.certificateFile, "");

  EXPECT_EQ(c.database.url, "sqlite://" + (dir_ / "data/codecouncil.db").string());
  EXPECT_EQ(c.database.url.rfind("sqlite:///", 0), 0u);  // absolute: three slashes
  EXPECT_EQ(c.database.poolMin, 1);
  EXPECT_EQ(c.database.poolMax, 16);
  EXPECT_EQ(c.database.poolTimeoutMs, 10000);
  EXPECT_EQ(c.database.busyTimeoutMs, 5000);
  EXPECT_EQ(c.database.migrationsDir, (dir_ / "migrations").string());

  EXPECT_EQ(c.auth.jwtSecret, "");
  EXPECT_EQ(c.auth.tokenTtlSeconds, 86400);
  EXPECT_EQ(c.auth.issuer, "codecouncil");

  EXPECT_EQ(c.mail.smtpHost, "");
  EXPECT_EQ(c.mail.smtpPort, 587);
  EXPECT_EQ(c.mail.from, "CodeCouncil <no-reply@codecouncil.local>");
  EXPECT_EQ(c.mail.tls, "starttls");
  EXPECT_EQ(c.mail.retryIntervalSeconds, 30);
  EXPECT_EQ(c.mail.maxAttempts, 10);

  EXPECT_EQ(c.logging.level, "information");
  EXPECT_TRUE(c.plugins.empty());
  EXPECT_TRUE(c.root.isMap());
}

TEST_F(ConfigTest, EmptyFileAndEmptySectionsAreDefaults) {
  write("a.yaml", "");
  EXPECT_EQ(load("a.yaml").server.port, 5000);
  write("b.yaml", "server:\nmail:\nplugins:\n");
  HostConfig c = load("b.yaml");
  EXPECT_EQ(c.server.threads, 64);
  EXPECT_EQ(c.mail.smtpPort, 587);
  EXPECT_TRUE(c.plugins.empty());
}

TEST_F(ConfigTest, EveryKeyIsRead) {
  write("config/full.yaml", R"(server:
  host: 127.0.0.1
  port: 8080
  threads: 4
  max_connections: 20
  header_timeout_seconds: 3
  keep_alive_timeout_seconds: 4
  body_timeout_seconds: 5
  write_timeout_seconds: 6
  max_header_bytes: 4096
  keep_alive: false
  max_body_bytes: 2048
  access_log: off
  shutdown_grace_seconds: 0
  tls: {enabled: true, port: 8443, certificate: /etc/cert.pem, private_key: /etc/key.pem}
database:
  url: postgresql://u:p@db:5432/cc
  pool_min: 3
  pool_max: 3
  pool_timeout_ms: 250
  busy_timeout_ms: 100
  migrations_dir: /srv/migrations
auth: {jwt_secret: s3cret, token_ttl_seconds: 60, issuer: me}
mail:
  smtp_host: smtp.example.com
  smtp_port: 25
  smtp_user: bob
  smtp_password: pw
  from: a@b.c
  tls: none
  retry_interval_seconds: 5
  max_attempts: 2
logging: {level: fatal}
data_dir: /var/lib/cc
plugin_dir: /usr/lib/cc
)");
  HostConfig c = load("config/full.yaml");
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.server.threads, 4);
  EXPECT_EQ(c.server.maxConnections, 20);
  EXPECT_EQ(c.server.headerTimeoutSeconds, 3);
  EXPECT_EQ(c.server.keepAliveTimeoutSeconds, 4);
  EXPECT_EQ(c.server.bodyTimeoutSeconds, 5);
  EXPECT_EQ(c.server.writeTimeoutSeconds, 6);
  EXPECT_EQ(c.server.maxHeaderBytes, 4096);
  EXPECT_FALSE(c.server.keepAlive);
  EXPECT_EQ(c.server.maxBodyBytes, 2048);
  EXPECT_FALSE(c.server.accessLog);
  EXPECT_EQ(c.server.shutdownGraceSeconds, 0);
  EXPECT_TRUE(c.server.tls.enabled);
  EXPECT_EQ(c.server.tls.port, 8443);
  EXPECT_EQ(c.server.tls.certificateFile, "/etc/cert.pem");
  EXPECT_EQ(c.server.tls.privateKeyFile, "/etc/key.pem");
  EXPECT_EQ(c.database.url, "postgresql://u:p@db:5432/cc");
  EXPECT_EQ(c.database.poolMin, 3);
  EXPECT_EQ(c.database.poolMax, 3);
  EXPECT_EQ(c.database.poolTimeoutMs, 250);
  EXPECT_EQ(c.database.busyTimeoutMs, 100);
  EXPECT_EQ(c.database.migrationsDir, "/srv/migrations");
  EXPECT_EQ(c.auth.jwtSecret, "s3cret");
  EXPECT_EQ(c.auth.tokenTtlSeconds, 60);
  EXPECT_EQ(c.auth.issuer, "me");
  EXPECT_EQ(c.mail.smtpHost, "smtp.example.com");
  EXPECT_EQ(c.mail.smtpPort, 25);
  EXPECT_EQ(c.mail.smtpUser, "bob");
  EXPECT_EQ(c.mail.smtpPassword, "pw");
  EXPECT_EQ(c.mail.from, "a@b.c");
  EXPECT_EQ(c.mail.tls, "none");
  EXPECT_EQ(c.mail.retryIntervalSeconds, 5);
  EXPECT_EQ(c.mail.maxAttempts, 2);
  EXPECT_EQ(c.logging.level, "fatal");
  EXPECT_EQ(c.dataDir, "/var/lib/cc");
  EXPECT_EQ(c.pluginDir, "/usr/lib/cc");
}

TEST_F(ConfigTest, EnvOptionPicksConfigEnvYaml) {
  write("config/codecouncil.yaml", "server: {port: 1111}\n");
  write("config/staging.yaml", "server: {port: 2222}\n" + kNamedDatabase);
  LoadOptions options;
  options.environment = "staging";
  HostConfig c = loadHostConfig(options);
  EXPECT_EQ(c.environment, "staging");
  EXPECT_EQ(c.server.port, 2222);
  EXPECT_EQ(c.file, (dir_ / "config/staging.yaml").string());
}

TEST_F(ConfigTest, CodecouncilEnvVariablePicksTheFileAndTheOptionWins) {
  write("config/codecouncil.yaml", "server: {port: 1111}\n");
  write("config/staging.yaml", "server: {port: 2222}\n" + kNamedDatabase);
  write("config/production.yaml", "server: {port: 3333}\n" + kNamedDatabase);
  setEnv("CODECOUNCIL_ENV", "production");
  EXPECT_EQ(loadHostConfig({}).server.port, 3333);
  EXPECT_EQ(loadHostConfig({}).environment, "production");
  LoadOptions options;
  options.environment = "staging";
  EXPECT_EQ(loadHostConfig(options).server.port, 2222);
  setEnv("CODECOUNCIL_ENV", "development");
  EXPECT_EQ(loadHostConfig({}).server.port, 1111);
}

TEST_F(ConfigTest, ExplicitFileWinsOverTheEnvironmentsFile) {
  write("config/staging.yaml", "server: {port: 2222}\n" + kNamedDatabase);
  write("other.yaml", "server: {port: 4444}\n" + kNamedDatabase);
  LoadOptions options;
  options.environment = "staging";
  options.configFile = "other.yaml";
  HostConfig c = loadHostConfig(options);
  EXPECT_EQ(c.server.port, 4444);
  EXPECT_EQ(c.environment, "staging");
}

TEST_F(ConfigTest, MailTlsDefaultsToStartTlsRequiredInProductionOnly) {
  write("config/production.yaml", "mail: {smtp_host: smtp.example.com}\n" + kNamedDatabase);
  write("config/staging.yaml", "mail: {smtp_host: smtp.example.com}\n" + kNamedDatabase);
  write("explicit.yaml", "mail: {smtp_host: smtp.example.com, tls: starttls}\n" + kNamedDatabase);
  LoadOptions options;
  options.environment = "production";
  EXPECT_EQ(loadHostConfig(options).mail.tls, "starttls_required");
  options.configFile = "explicit.yaml";
  EXPECT_EQ(loadHostConfig(options).mail.tls, "starttls") << "an explicit mode wins";
  options = {};
  options.environment = "staging";
  EXPECT_EQ(loadHostConfig(options).mail.tls, "starttls");
}

TEST_F(ConfigTest, MailCaFileIsResolvedAndMustExist) {
  write("config/ca.pem", "not checked here\n");
  write("config/ok.yaml", "mail: {tls: starttls_required, ca_file: ca.pem}\n");
  EXPECT_EQ(load("config/ok.yaml").mail.caFile, (dir_ / "config/ca.pem").string());
  write("config/bad.yaml", "mail:\n  ca_file: missing.pem\n");
  auto errors = errorsOf("config/bad.yaml");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(contains(errors[0], "mail.ca_file")) << errors[0];
  EXPECT_TRUE(contains(errors[0], ":2")) << errors[0];
  EXPECT_TRUE(contains(errors[0], "is not a readable file")) << errors[0];
}

TEST_F(ConfigTest, AnEmptyDatabaseUrlIsRefusedOutsideDevelopmentAndTest) {
  write("config/production.yaml", "server: {port: 3333}\ndatabase:\n  url: ${CC_TEST_UNSET:-}\n");
  write("config/qa.yaml", "server: {port: 3333}\n");
  for (const char* environment : {"production", "qa"}) {
    LoadOptions options;
    options.environment = environment;
    auto errors = errorsOf(options);
    ASSERT_EQ(errors.size(), 1u) << environment;
    EXPECT_TRUE(contains(errors[0], "database.url (config/" + std::string(environment) + ".yaml:")) << errors[0];
    EXPECT_TRUE(contains(errors[0], "is empty in environment '" + std::string(environment) + "'")) << errors[0];
    EXPECT_TRUE(contains(errors[0], "set DATABASE_URL=postgresql://")) << errors[0];
  }
  LoadOptions production;
  production.environment = "production";
  EXPECT_TRUE(contains(errorsOf(production).at(0), "config/production.yaml:3)")) << "the url line itself";
  // Named: allowed, SQLite included. development and test: the data_dir default.
  write("config/production.yaml", "database: {url: 'sqlite:///srv/cc.db'}\n");
  EXPECT_EQ(loadHostConfig(production).database.url, "sqlite:///srv/cc.db");
  write("config/test.yaml", "data_dir: /srv/data\n");
  LoadOptions test;
  test.environment = "test";
  EXPECT_EQ(loadHostConfig(test).database.url, "sqlite:///srv/data/codecouncil.db");
}

TEST_F(ConfigTest, MissingFileNamesThePath) {
  std::string message = errorOf("nowhere/missing.yaml");
  EXPECT_TRUE(contains(message, "nowhere/missing.yaml")) << message;
  EXPECT_TRUE(contains(message, "not found")) << message;
}

TEST_F(ConfigTest, MissingEnvironmentFileNamesPathAndEnvironment) {
  LoadOptions options;
  options.environment = "qa";
  auto errors = errorsOf(options);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(contains(errors[0], "config/qa.yaml")) << errors[0];
  EXPECT_TRUE(contains(errors[0], "'qa'")) << errors[0];
}

TEST_F(ConfigTest, EnvironmentNameMustBeAPlainWord) {
  write("x.yaml", "{}\n");
  LoadOptions options;
  options.environment = "../x";
  auto errors = errorsOf(options);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(contains(errors[0], "environment name")) << errors[0];
}

TEST_F(ConfigTest, DirectoryIsNotAConfigFile) {
  fs::create_directories(dir_ / "adir.yaml");
  EXPECT_TRUE(contains(errorOf("adir.yaml"), "not a regular file"));
}

// ---------------------------------------------------------------------------------------
// Environment substitution and .env
// ---------------------------------------------------------------------------------------

TEST_F(ConfigTest, EnvironmentVariablesAreSubstituted) {
  write("c.yaml", R"(server:
  host: ${CC_TEST_HOST}
auth:
  issuer: ${CC_TEST_UNSET:-fallback}
  jwt_secret: pre-${CC_TEST_EMPTY:-dflt}-post
mail:
  smtp_host: ${CC_TEST_UNSET}
  from: "${CC_TEST_A:-x} <${CC_TEST_B}@example.com>"
)");
  setEnv("CC_TEST_HOST", "10.1.2.3");
  setEnv("CC_TEST_EMPTY", "");  // set but empty: the default applies
  setEnv("CC_TEST_A", "Alice");
  setEnv("CC_TEST_B", "alice");
  HostConfig c = load("c.yaml");
  EXPECT_EQ(c.server.host, "10.1.2.3");
  EXPECT_EQ(c.auth.issuer, "fallback");
  EXPECT_EQ(c.auth.jwtSecret, "pre-dflt-post");
  EXPECT_EQ(c.mail.smtpHost, "");
  EXPECT_EQ(c.mail.from, "Alice <alice@example.com>");

  setEnv("CC_TEST_UNSET", "now-set");
  EXPECT_EQ(load("c.yaml").auth.issuer, "now-set");
}

TEST_F(ConfigTest, PortComesFromThePortVariable) {
  write("c.yaml", "server:\n  port: ${PORT:-5000}\n");
  EXPECT_EQ(load("c.yaml").server.port, 5000);
  setEnv("PORT", "6123");
  EXPECT_EQ(load("c.yaml").server.port, 6123);
  setEnv("PORT", "");
  EXPECT_EQ(load("c.yaml").server.port, 5000);
  setEnv("PORT", "http");
  std::string message = errorOf("c.yaml");
  EXPECT_TRUE(contains(message, "server.port (c.yaml:2)")) << message;
  EXPECT_TRUE(contains(message, "'http'")) << message;
  setEnv("PORT", "70000");
  EXPECT_TRUE(contains(errorOf("c.yaml"), "between 1 and 65535"));
}

TEST_F(ConfigTest, EmptyPathVariablesFallBackToTheDefaults) {
  write("config/c.yaml", "data_dir: ${CC_TEST_UNSET}\nplugin_dir: \"\"\n");
  HostConfig c = load("config/c.yaml");
  EXPECT_EQ(c.dataDir, (dir_ / "data").string());
  EXPECT_EQ(c.pluginDir, (dir_ / "build/plugins").string());
}

TEST_F(ConfigTest, DotenvInWorkingDirectoryDoesNotOverrideTheEnvironment) {
  write(".env", "CC_TEST_A=from-dotenv\nexport CC_TEST_B=from-dotenv\nCC_TEST_C=\"quoted value\" # note\n");
  write("c.yaml", "auth: {issuer: '${CC_TEST_A}', jwt_secret: '${CC_TEST_B}'}\nmail: {from: '${CC_TEST_C}'}\n");
  setEnv("CC_TEST_B", "from-environment");
  HostConfig c = load("c.yaml");
  EXPECT_EQ(c.auth.issuer, "from-dotenv");
  EXPECT_EQ(c.auth.jwtSecret, "from-environment");
  EXPECT_EQ(c.mail.from, "quoted value");
  EXPECT_STREQ(std::getenv("CC_TEST_A"), "from-dotenv");
  EXPECT_STREQ(std::getenv("CC_TEST_B"), "from-environment");
}

TEST_F(ConfigTest, DotenvBesideTheConfigFolderIsLoaded) {
  // Working directory: dir_; project: dir_/proj with proj/config/c.yaml and proj/.env.
  write("proj/.env", "CC_TEST_A=project\nCC_TEST_B=project\n");
  write(".env", "CC_TEST_B=cwd\n");
  write("proj/config/c.yaml", "auth: {issuer: '${CC_TEST_A}', jwt_secret: '${CC_TEST_B}'}\n");
  HostConfig c = load("proj/config/c.yaml");
  EXPECT_EQ(c.auth.issuer, "project");
  EXPECT_EQ(c.auth.jwtSecret, "cwd");  // the working directory's .env is read first
}

TEST_F(ConfigTest, DotenvCanChooseTheEnvironment) {
  write(".env", "CODECOUNCIL_ENV=staging\n");
  write("config/staging.yaml", "server: {port: 2222}\n" + kNamedDatabase);
  HostConfig c = loadHostConfig({});
  EXPECT_EQ(c.environment, "staging");
  EXPECT_EQ(c.server.port, 2222);
}

TEST_F(ConfigTest, MalformedDotenvLineIsReportedWithItsLine) {
  write(".env", "CC_TEST_A=ok\nthis is not an assignment\n");
  write("c.yaml", "{}\n");
  std::string message = errorOf("c.yaml");
  EXPECT_TRUE(contains(message, ".env:2")) << message;
}

TEST(DotenvTest, ParsesTheSupportedSyntax) {
  auto parsed = cc::core::parseDotenv(
      "# comment\n"
      "\n"
      "PLAIN=value\n"
      "  SPACED = padded value  \n"
      "export EXPORTED=yes\n"
      "SINGLE='kept # not a comment'  # dropped\n"
      "SINGLE2='raw \\n ${X}'\n"
      "DOUBLE=\"line1\\nline2 \\\"q\\\" # kept\"  # dropped\n"
      "HASH=pa#ss # dropped\n"
      "EMPTY=\n"
      "WINDOWS=crlf\r\n"
      "URL=postgresql://u:p@h:5432/db?sslmode=require\n");
  ASSERT_TRUE(parsed.errors.empty()) << ::testing::PrintToString(parsed.errors);
  std::map<std::string, std::string> values;
  for (auto& e : parsed.entries) values[e.key] = e.value;
  EXPECT_EQ(values.size(), 10u);
  EXPECT_EQ(values["PLAIN"], "value");
  EXPECT_EQ(values["SPACED"], "padded value");
  EXPECT_EQ(values["EXPORTED"], "yes");
  EXPECT_EQ(values["SINGLE"], "kept # not a comment");
  EXPECT_EQ(values["SINGLE2"], "raw \\n ${X}");
  EXPECT_EQ(values["DOUBLE"], "line1\nline2 \"q\" # kept");
  EXPECT_EQ(values["HASH"], "pa#ss");
  EXPECT_EQ(values["EMPTY"], "");
  EXPECT_EQ(values["WINDOWS"], "crlf");
  EXPECT_EQ(values["URL"], "postgresql://u:p@h:5432/db?sslmode=require");
}

TEST(DotenvTest, ReportsMalformedLinesWithoutTheirValues) {
  auto parsed = cc::core::parseDotenv(
      "GOOD=1\n"
      "NOEQUALS secret1\n"
      "1BAD=secret2\n"
      "OPEN=\"secret3\n"
      "OPEN2='secret4\n"
      "TRAIL='x' secret5\n",
      "my.env");
  ASSERT_EQ(parsed.entries.size(), 1u);
  EXPECT_EQ(parsed.entries[0].key, "GOOD");
  EXPECT_EQ(parsed.entries[0].line, 1);
  ASSERT_EQ(parsed.errors.size(), 5u) << ::testing::PrintToString(parsed.errors);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(contains(parsed.errors[i], "my.env:" + std::to_string(i + 2) + ":")) << parsed.errors[i];
    EXPECT_FALSE(contains(parsed.errors[i], "secret")) << parsed.errors[i];
  }
}

TEST_F(ConfigTest, LoadDotenvKeepsExistingVariablesAndLastValueWins) {
  write("x.env", "CC_TEST_A=first\nCC_TEST_A=second\nCC_TEST_B=file\nCC_TEST_C=file\n");
  setEnv("CC_TEST_B", "env");
  setEnv("CC_TEST_C", "");  // present but empty still counts as set
  auto result = cc::core::loadDotenv(dir_ / "x.env");
  EXPECT_TRUE(result.found);
  EXPECT_EQ(result.applied, std::vector<std::string>{"CC_TEST_A"});
  EXPECT_STREQ(std::getenv("CC_TEST_A"), "second");
  EXPECT_STREQ(std::getenv("CC_TEST_B"), "env");
  EXPECT_STREQ(std::getenv("CC_TEST_C"), "");

  auto missing = cc::core::loadDotenv(dir_ / "absent.env");
  EXPECT_FALSE(missing.found);
  EXPECT_TRUE(missing.errors.empty());
}

// ---------------------------------------------------------------------------------------
// Errors: located, collected, typed, ranged
// ---------------------------------------------------------------------------------------

TEST_F(ConfigTest, UnknownKeyIsReportedWithPathAndLine) {
  write("c.yaml",
        "server:\n"          // 1
        "  host: 0.0.0.0\n"  // 2
        "  prot: 80\n");     // 3
  std::string message = errorOf("c.yaml");
  EXPECT_TRUE(contains(message, "server.prot (c.yaml:3)")) << message;
  EXPECT_TRUE(contains(message, "unknown key 'prot'")) << message;
}

TEST_F(ConfigTest, UnknownKeyWithANestedValueIsReportedOnTheKeysLine) {
  write("c.yaml",
        "logging:\n"             // 1
        "  level: debug\n"       // 2
        "metrics:\n"             // 3
        "  enabled: true\n"      // 4
        "server:\n"              // 5
        "  tls:\n"               // 6
        "    enabled: false\n"   // 7
        "    ciphers:\n"         // 8
        "      - AES\n");        // 9
  auto errors = errorsOf("c.yaml");
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors[0], "metrics (c.yaml:3): unknown key 'metrics'")) << errors[0];
  EXPECT_TRUE(contains(errors[1], "server.tls.ciphers (c.yaml:8): unknown key 'ciphers'")) << errors[1];
}

TEST_F(ConfigTest, EveryProblemIsReportedTogether) {
  write("c.yaml",
        "server:\n"                     // 1
        "  port: 0\n"                   // 2
        "  threads: many\n"             // 3
        "  colour: blue\n"              // 4
        "database:\n"                   // 5
        "  pool_min: 10\n"              // 6
        "  pool_max: 5\n"               // 7
        "logging:\n"                    // 8
        "  level: verbose\n"            // 9
        "mail:\n"                       // 10
        "  tls: ssl\n"                  // 11
        "plugins:\n"                    // 12
        "  - name: billing\n"           // 13
        "    enabeld: true\n");         // 14
  LoadOptions options;
  options.configFile = "c.yaml";
  try {
    loadHostConfig(options);
    FAIL() << "expected a ConfigLoadError";
  } catch (const ConfigLoadError& e) {
    const auto& errors = e.errors().list();
    std::string all = e.what();
    EXPECT_EQ(errors.size(), 7u) << all;
    for (const char* part : {"server.port (c.yaml:2): must be between 1 and 65535",
                             "server.threads (c.yaml:3): expected an integer, got 'many'",
                             "server.colour (c.yaml:4): unknown key 'colour'",
                             "database.pool_max (c.yaml:7): pool_max (5) must not be below pool_min (10)",
                             "logging.level (c.yaml:9): must be one of:",
                             "mail.tls (c.yaml:11): must be one of: none, starttls, starttls_required (got 'ssl')",
                             "plugins[0].enabeld (c.yaml:14): unknown key 'enabeld'"})
      EXPECT_TRUE(contains(all, part)) << "missing: " << part << "\nin:\n" << all;
  }
}

TEST_F(ConfigTest, WrongTypesAreReported) {
  write("c.yaml",
        "server:\n"                   // 1
        "  host: [a, b]\n"            // 2
        "  keep_alive: maybe\n"       // 3
        "  tls: yes\n"                // 4
        "auth: just-a-string\n"       // 5
        "data_dir: {a: 1}\n"          // 6
        "plugins: {name: x}\n");      // 7
  auto errors = errorsOf("c.yaml");
  std::string all = ::testing::PrintToString(errors);
  EXPECT_EQ(errors.size(), 6u) << all;
  for (const char* part : {"server.host (c.yaml:2): expected a string",
                           "server.keep_alive (c.yaml:3): expected true or false, got 'maybe'",
                           "server.tls (c.yaml:4): expected a map", "auth (c.yaml:5): expected a map",
                           "data_dir (c.yaml:6): expected a string", "plugins (c.yaml:7): expected a list"})
    EXPECT_TRUE(contains(all, part)) << "missing: " << part << "\nin:\n" << all;
}

TEST_F(ConfigTest, RootMustBeAMap) {
  write("c.yaml", "- just\n- a list\n");
  EXPECT_TRUE(contains(errorOf("c.yaml"), "<root> (c.yaml:1): expected a map"));
}

TEST_F(ConfigTest, RangesAreCheckedAtBothEnds) {
  struct Case {
    std::string yaml;
    std::string expected;  // empty: must load
  };
  const std::vector<Case> cases = {
      {"server: {port: 1}", ""},
      {"server: {port: 65535}", ""},
      {"server: {port: 65536}", "server.port"},
      {"server: {threads: 0}", "server.threads"},
      {"server: {threads: 1025}", "server.threads"},
      {"server: {queue: 10}", "server.queue"},
      {"server: {max_connections: 15}", "server.max_connections"},
      {"server: {header_timeout_seconds: 0}", "server.header_timeout_seconds"},
      {"server: {keep_alive_timeout_seconds: 0}", "server.keep_alive_timeout_seconds"},
      {"server: {max_header_bytes: 1023}", "server.max_header_bytes"},
      {"server: {max_body_bytes: 1073741824}", ""},
      {"server: {max_body_bytes: 1073741825}", "server.max_body_bytes"},
      {"server: {shutdown_grace_seconds: 0}", ""},
      {"server: {shutdown_grace_seconds: -1}", "server.shutdown_grace_seconds"},
      {"server: {shutdown_grace_seconds: 3601}", "server.shutdown_grace_seconds"},
      {"server: {tls: {port: 0}}", "server.tls.port"},
      {"database: {pool_min: 0}", "database.pool_min"},
      {"database: {pool_max: 1001}", "database.pool_max"},
      {"database: {pool_min: 16, pool_max: 16}", ""},
      {"database: {pool_timeout_ms: 0}", ""},
      {"database: {pool_timeout_ms: -1}", "database.pool_timeout_ms"},
      {"database: {pool_timeout_ms: 600001}", "database.pool_timeout_ms"},
      {"database: {pool_min: 17}", "database.pool_min (c.yaml:1): pool_max (16) must not be below pool_min (17)"},
      {"auth: {token_ttl_seconds: 59}", "auth.token_ttl_seconds"},
      {"auth: {token_ttl_seconds: 31536000}", ""},
      {"auth: {token_ttl_seconds: 31536001}", "auth.token_ttl_seconds"},
      {"mail: {smtp_port: 0}", "mail.smtp_port"},
      {"logging: {level: warning}", ""},
  };
  for (const auto& c : cases) {
    write("c.yaml", c.yaml + "\n");
    if (c.expected.empty()) {
      EXPECT_NO_THROW(load("c.yaml")) << c.yaml;
    } else {
      auto errors = errorsOf("c.yaml");
      ASSERT_EQ(errors.size(), 1u) << c.yaml << "\n" << ::testing::PrintToString(errors);
      EXPECT_TRUE(contains(errors[0], c.expected)) << c.yaml << "\n" << errors[0];
    }
  }
}

TEST_F(ConfigTest, InvalidValuesDoNotCauseFollowUpErrors) {
  // pool_min is out of range; the pool_max comparison must not also complain about it.
  write("c.yaml", "database: {pool_min: 5000, pool_max: 10}\n");
  auto errors = errorsOf("c.yaml");
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors[0], "database.pool_min")) << errors[0];
}

TEST_F(ConfigTest, RepeatedKeyIsAnError) {
  write("c.yaml",
        "server:\n"          // 1
        "  port: 1000\n"     // 2
        "  port: 2000\n");   // 3
  EXPECT_TRUE(contains(errorOf("c.yaml"), "server.port (c.yaml:3): is defined more than once"));
}

TEST_F(ConfigTest, YamlSyntaxErrorGivesFileLineAndColumn) {
  write("c.yaml",
        "server:\n"              // 1
        "  port: [1, 2\n"        // 2
        "  host: x\n");          // 3
  std::string message = errorOf("c.yaml");
  EXPECT_EQ(message.rfind("c.yaml:", 0), 0u) << message;
  // yaml-cpp notices the unclosed flow sequence where the next key starts.
  EXPECT_TRUE(contains(message, "c.yaml:3:")) << message;
  EXPECT_TRUE(contains(message, "end of sequence flow not found")) << message;

  write("d.yaml",
        "server:\n"              // 1
        "  port: 1\n"            // 2
        "    host: x\n");        // 3: over-indented, reads as "port: 1 host: x"
  EXPECT_EQ(errorOf("d.yaml"), "d.yaml:3:9: illegal map value");
}

TEST_F(ConfigTest, DatabaseUrlMustHaveAKnownSchemeAndIsNeverEchoed) {
  write("c.yaml", "database:\n  url: mysql://root:hunter2@db/cc\n");
  std::string message = errorOf("c.yaml");
  EXPECT_TRUE(contains(message, "database.url (c.yaml:2)")) << message;
  EXPECT_FALSE(contains(message, "hunter2")) << message;
  write("c.yaml", "database:\n  url: postgres://u:p@h/db\n");
  EXPECT_EQ(load("c.yaml").database.url, "postgres://u:p@h/db");
}

// PgBouncer's transaction mode (docs/deployment.md, "PgBouncer"): both keys are PostgreSQL
// only, and direct_url is checked whole like url, never echoed (it carries a password too).
TEST_F(ConfigTest, TransactionPoolingAndDirectUrlAreReadAndChecked) {
  write("c.yaml", "database:\n  url: postgresql://u:p@bouncer:6432/cc\n  transaction_pooling: true\n"
                  "  direct_url: postgresql://u:p@db:5432/cc\n");
  HostConfig c = load("c.yaml");
  EXPECT_TRUE(c.database.transactionPooling);
  EXPECT_EQ(c.database.directUrl, "postgresql://u:p@db:5432/cc");
  write("c.yaml", "{}\n");
  EXPECT_FALSE(load("c.yaml").database.transactionPooling);
  EXPECT_EQ(load("c.yaml").database.directUrl, "");

  write("c.yaml", "database:\n  url: sqlite:///tmp/cc.db\n  transaction_pooling: true\n");
  EXPECT_EQ(errorOf("c.yaml"), "database.transaction_pooling (c.yaml:3): is only for a postgresql:// database.url");
  write("c.yaml", "database:\n  url: postgresql://u:p@h/db\n  direct_url: sqlite:///tmp/cc.db\n");
  EXPECT_EQ(errorOf("c.yaml"),
            "database.direct_url (c.yaml:3): must be a postgresql:// URL, and database.url must be one too");
  write("c.yaml", "database:\n  url: postgresql://u:p@h/db\n  direct_url: postgresql://u:hunter2@x@db/cc\n");
  std::string message = errorOf("c.yaml");
  EXPECT_TRUE(contains(message, "database.direct_url (c.yaml:3): the user name or password contains '@'")) << message;
  EXPECT_FALSE(contains(message, "hunter2")) << message;
  write("c.yaml", "database:\n  url: postgresql://u:p@h/db\n  transaction_pooling: maybe\n");
  EXPECT_TRUE(contains(errorOf("c.yaml"), "database.transaction_pooling (c.yaml:3)"));
}

TEST_F(ConfigTest, TlsNeedsCertificateAndKeyWhenEnabled) {
  write("c.yaml",
        "server:\n"              // 1
        "  tls:\n"               // 2
        "    enabled: true\n");  // 3
  auto errors = errorsOf("c.yaml");
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors[0], "server.tls.certificate (c.yaml:3): is required when TLS is enabled")) << errors[0];
  EXPECT_TRUE(contains(errors[1], "server.tls.private_key")) << errors[1];

  write("c.yaml", "server:\n  tls: {enabled: true, certificate: c.pem, private_key: k.pem, port: 5000}\n");
  std::string message = errorOf("c.yaml");
  EXPECT_TRUE(contains(message, "server.tls.port")) << message;
  EXPECT_TRUE(contains(message, "must differ from server.port")) << message;

  write("c.yaml", "server:\n  tls: {enabled: false, port: 5000}\n");
  EXPECT_NO_THROW(load("c.yaml"));
}

// ---------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------

TEST_F(ConfigTest, RelativePathsResolveAgainstTheConfigFolder) {
  write("proj/etc/c.yaml", R"(data_dir: state/
plugin_dir: /opt/cc/../plugins
server:
  tls: {enabled: true, certificate: certs/server.pem, private_key: ./certs/../keys/server.key}
database:
  migrations_dir: ../db/./migrations
plugins:
  - name: billing
    path: ../lib/libbilling.so
    migrations: ../sql/billing
)");
  fs::create_directories(dir_ / "elsewhere");
  fs::current_path(dir_ / "elsewhere");  // paths must not depend on the working directory
  HostConfig c = load("../proj/etc/c.yaml");
  fs::path etc = dir_ / "proj/etc";
  EXPECT_EQ(c.file, (etc / "c.yaml").string());
  EXPECT_EQ(c.configDir, etc.string());
  EXPECT_EQ(c.dataDir, (etc / "state").string());
  EXPECT_EQ(c.pluginDir, "/opt/plugins");
  EXPECT_EQ(c.server.tls.certificateFile, (etc / "certs/server.pem").string());
  EXPECT_EQ(c.server.tls.privateKeyFile, (etc / "keys/server.key").string());
  EXPECT_EQ(c.database.migrationsDir, (dir_ / "proj/db/migrations").string());
  EXPECT_EQ(c.database.url, "sqlite://" + (etc / "state/codecouncil.db").string());
  ASSERT_EQ(c.plugins.size(), 1u);
  EXPECT_EQ(c.plugins[0].path, (dir_ / "proj/lib/libbilling.so").string());
  EXPECT_EQ(c.plugins[0].migrationsDir, (dir_ / "proj/sql/billing").string());
}

TEST_F(ConfigTest, ErrorsNameTheFileAsGiven) {
  write("proj/etc/c.yaml", "bogus: 1\n");
  std::string message = errorOf("proj/etc/c.yaml");
  EXPECT_TRUE(contains(message, "bogus (proj/etc/c.yaml:1)")) << message;
}

// ---------------------------------------------------------------------------------------
// Plugins
// ---------------------------------------------------------------------------------------

TEST_F(ConfigTest, PluginEntryDefaults) {
  fs::create_directories(dir_ / "migrations/billing");  // billing ships migrations, audit does not
  write("config/c.yaml", R"(plugins:
  - name: billing
    config:
      anything: [goes, here]
      not_checked_by_the_host: true
  - name: audit
    enabled: false
    optional: true
  - name: noschema
    migrations: ""
)");
  fs::create_directories(dir_ / "migrations/noschema");
  HostConfig c = load("config/c.yaml");
  ASSERT_EQ(c.plugins.size(), 3u);

  const auto& billing = c.plugins[0];
  EXPECT_EQ(billing.name, "billing");
  EXPECT_TRUE(billing.enabled);
  EXPECT_FALSE(billing.optional);
  EXPECT_EQ(billing.path, (dir_ / "build/plugins/libcc_billing.so").string());
  EXPECT_EQ(billing.migrationsDir, (dir_ / "migrations/billing").string());
  EXPECT_TRUE(billing.config.isMap());
  EXPECT_EQ(billing.config.path(), "plugins[0].config");
  EXPECT_TRUE(billing.config.getBool("not_checked_by_the_host", false));
  EXPECT_EQ(billing.node.path(), "plugins[0]");
  EXPECT_EQ(billing.node.location(), "config/c.yaml:2");

  const auto& audit = c.plugins[1];
  EXPECT_EQ(audit.name, "audit");
  EXPECT_FALSE(audit.enabled);
  EXPECT_TRUE(audit.optional);
  EXPECT_EQ(audit.migrationsDir, "");
  EXPECT_FALSE(audit.config.defined());
  EXPECT_EQ(audit.config.path(), "plugins[1].config");

  EXPECT_EQ(c.plugins[2].migrationsDir, "");  // explicitly none, although the folder exists
}

TEST_F(ConfigTest, PluginPathFollowsPluginDir) {
  write("c.yaml", "plugin_dir: ${CODECOUNCIL_PLUGIN_DIR:-../build/plugins}\nplugins:\n  - name: billing\n");
  setEnv("CODECOUNCIL_PLUGIN_DIR", "/usr/lib/codecouncil");
  EXPECT_EQ(load("c.yaml").plugins.at(0).path, "/usr/lib/codecouncil/libcc_billing.so");
}

TEST_F(ConfigTest, DuplicatePluginNamesAreAnError) {
  write("c.yaml",
        "plugins:\n"             // 1
        "  - name: billing\n"    // 2
        "  - name: audit\n"      // 3
        "  - name: billing\n");  // 4
  std::string message = errorOf("c.yaml");
  EXPECT_TRUE(contains(message, "plugins[2].name (c.yaml:4): duplicate plugin name 'billing'")) << message;
  EXPECT_TRUE(contains(message, "plugins[0] (c.yaml:2)")) << message;
}

TEST_F(ConfigTest, PluginEntryProblems) {
  write("c.yaml",
        "plugins:\n"                 // 1
        "  - enabled: true\n"        // 2
        "  - name: Bad-Name\n"       // 3
        "  - name: ok\n"             // 4
        "    optional: sometimes\n"  // 5
        "    colour: red\n"          // 6
        "  - just_a_name\n"          // 7
        "  - name: core\n");         // 8
  auto errors = errorsOf("c.yaml");
  std::string all = ::testing::PrintToString(errors);
  EXPECT_EQ(errors.size(), 6u) << all;
  for (const char* part : {"plugins[0].name (c.yaml:2): is required",
                           "plugins[1].name (c.yaml:3): must match [a-z0-9_]+ (got 'Bad-Name')",
                           "plugins[2].optional (c.yaml:5): expected true or false",
                           "plugins[2].colour (c.yaml:6): unknown key 'colour'",
                           "plugins[3] (c.yaml:7): expected a map",
                           "plugins[4].name (c.yaml:8): 'core' is reserved for the host"})
    EXPECT_TRUE(contains(all, part)) << "missing: " << part << "\nin:\n" << all;
}

// ---------------------------------------------------------------------------------------
// The shipped config files
// ---------------------------------------------------------------------------------------

// Each shipped file is copied into the temporary project, so a developer's own .env beside
// the real config folder cannot change what these tests see.
class ShippedConfigTest : public ConfigTest, public ::testing::WithParamInterface<std::string> {
 protected:
  LoadOptions copyShipped() {
    fs::create_directories(dir_ / "config");
    fs::copy_file(kSourceDir / "config" / GetParam(), dir_ / "config" / GetParam());
    LoadOptions options;
    options.configFile = "config/" + GetParam();
    return options;
  }
};

TEST_P(ShippedConfigTest, LoadsWithoutAnyVariables) {
  HostConfig c = loadHostConfig(copyShipped());
  const fs::path& root = dir_;
  EXPECT_EQ(c.server.port, 5000);
  EXPECT_TRUE(c.server.accessLog);
  EXPECT_FALSE(c.server.tls.enabled);
  EXPECT_EQ(c.dataDir, (root / "data").string());
  EXPECT_EQ(c.pluginDir, (root / "build/plugins").string());
  EXPECT_EQ(c.database.url, "sqlite://" + (root / "data/codecouncil.db").string());
  EXPECT_EQ(c.auth.jwtSecret, "");
  EXPECT_EQ(c.mail.smtpHost, "");
  EXPECT_EQ(c.mail.smtpPort, 587);
  EXPECT_EQ(c.mail.from, "CodeCouncil <no-reply@codecouncil.local>");
  // Every bundled plugin is listed and enabled, loaded from the plugin dir by name.
  std::set<std::string> names;
  for (const auto& p : c.plugins) {
    names.insert(p.name);
    EXPECT_TRUE(p.enabled) << p.name;
    EXPECT_EQ(p.path, (root / "build/plugins" / ("libcc_" + p.name + ".so")).string());
  }
  EXPECT_EQ(names, (std::set<std::string>{"admin", "analysis", "audit", "backup", "billing", "metrics", "ratelimit"}));
}

TEST_P(ShippedConfigTest, TakesSecretsAndPlacesFromTheEnvironment) {
  setEnv("PORT", "7001");
  setEnv("DATABASE_URL", "postgresql://cc:pw@db:5432/cc");
  setEnv("JWT_SECRET", "jwt-from-env");
  setEnv("SMTP_HOST", "smtp.example.com");
  setEnv("SMTP_PORT", "2525");
  setEnv("SMTP_USER", "mailer");
  setEnv("SMTP_PASSWORD", "smtp-pw");
  setEnv("SMTP_FROM", "Council <council@example.com>");
  setEnv("CODECOUNCIL_DATA_DIR", "/srv/cc/data");
  setEnv("CODECOUNCIL_PLUGIN_DIR", "/srv/cc/plugins");
  HostConfig c = loadHostConfig(copyShipped());
  EXPECT_EQ(c.server.port, 7001);
  EXPECT_EQ(c.database.url, "postgresql://cc:pw@db:5432/cc");
  EXPECT_EQ(c.auth.jwtSecret, "jwt-from-env");
  EXPECT_EQ(c.mail.smtpHost, "smtp.example.com");
  EXPECT_EQ(c.mail.smtpPort, 2525);
  EXPECT_EQ(c.mail.smtpUser, "mailer");
  EXPECT_EQ(c.mail.smtpPassword, "smtp-pw");
  EXPECT_EQ(c.mail.from, "Council <council@example.com>");
  EXPECT_EQ(c.dataDir, "/srv/cc/data");
  EXPECT_EQ(c.pluginDir, "/srv/cc/plugins");
}

INSTANTIATE_TEST_SUITE_P(Files, ShippedConfigTest,
                         ::testing::Values("codecouncil.yaml", "staging.yaml", "production.yaml"),
                         [](const auto& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           return name;
                         });

// Production's pool size is per deployment (hosts x pool_max must fit the server's
// max_connections): DATABASE_POOL_MAX, 16 by default (three hosts fit max_connections = 60).
TEST_F(ConfigTest, ProductionPoolMaxComesFromDatabasePoolMax) {
  fs::create_directories(dir_ / "config");
  fs::copy_file(kSourceDir / "config/production.yaml", dir_ / "config/production.yaml");
  LoadOptions options;
  options.configFile = "config/production.yaml";
  EXPECT_EQ(loadHostConfig(options).database.poolMax, 16);
  EXPECT_EQ(loadHostConfig(options).database.poolTimeoutMs, 10000);
  setEnv("DATABASE_POOL_MAX", "40");
  EXPECT_EQ(loadHostConfig(options).database.poolMax, 40);
}

// Behind PgBouncer (docs/deployment.md, "PgBouncer"): the shipped staging and production files
// read both settings from the environment file, off and empty by default.
TEST_F(ConfigTest, ShippedFilesReadTransactionPoolingAndDirectUrlFromTheEnvironment) {
  for (const char* name : {"staging.yaml", "production.yaml"}) {
    SCOPED_TRACE(name);
    fs::create_directories(dir_ / "config");
    fs::copy_file(kSourceDir / "config" / name, dir_ / "config" / name, fs::copy_options::overwrite_existing);
    LoadOptions options;
    options.configFile = std::string("config/") + name;
    setEnv("DATABASE_URL", "postgresql://u:p@bouncer:6432/cc");
    setEnv("JWT_SECRET", "0123456789abcdef0123456789abcdef");
    unsetEnv("DATABASE_TRANSACTION_POOLING");
    unsetEnv("DATABASE_DIRECT_URL");
    EXPECT_FALSE(loadHostConfig(options).database.transactionPooling);
    EXPECT_EQ(loadHostConfig(options).database.directUrl, "");
    setEnv("DATABASE_TRANSACTION_POOLING", "true");
    setEnv("DATABASE_DIRECT_URL", "postgresql://u:p@db:5432/cc");
    EXPECT_TRUE(loadHostConfig(options).database.transactionPooling);
    EXPECT_EQ(loadHostConfig(options).database.directUrl, "postgresql://u:p@db:5432/cc");
  }
}

TEST_F(ConfigTest, ShippedDevelopmentConfigDocumentsThePluginEntryFormat) {
  std::ifstream in(kSourceDir / "config/codecouncil.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(text, "# Bundled plugins. Each loads <plugin_dir>/libcc_<name>.so unless `path:` is given")) << text;
  EXPECT_TRUE(contains(text, "#   enabled: false   leaves a plugin out")) << text;
  EXPECT_TRUE(contains(text, "#   optional: true   a plugin that fails to load or start is skipped, loudly")) << text;
}

// "did you mean": a typo of a known key gets it, an unrelated key gets no guess.
TEST(UnknownKeyMessage, SuggestsTheNearestKnownKeyOnlyForLikelyTypos) {
  const std::set<std::string> server = {"host", "port", "threads", "keep_alive", "shutdown_grace_seconds"};
  EXPECT_EQ(cc::unknownKeyMessage("thraeds", server), "unknown key 'thraeds' (did you mean 'threads'?)");
  EXPECT_EQ(cc::unknownKeyMessage("prot", server), "unknown key 'prot' (did you mean 'port'?)");
  EXPECT_EQ(cc::unknownKeyMessage("Threads", server), "unknown key 'Threads' (did you mean 'threads'?)");
  EXPECT_EQ(cc::unknownKeyMessage("keepalive", server), "unknown key 'keepalive' (did you mean 'keep_alive'?)");
  EXPECT_EQ(cc::unknownKeyMessage("shutdown_grace", server), "unknown key 'shutdown_grace'");
  EXPECT_EQ(cc::unknownKeyMessage("bogus", server), "unknown key 'bogus'");
  EXPECT_EQ(cc::unknownKeyMessage("colour", server), "unknown key 'colour'");
  EXPECT_EQ(cc::unknownKeyMessage("x", server), "unknown key 'x'");
  EXPECT_EQ(cc::unknownKeyMessage("port2", {}), "unknown key 'port2'");
}

}  // namespace
