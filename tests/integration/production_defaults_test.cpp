// Production defaults of the host (issue 14, item 8), through the real binary: log lines
// cannot be forged through a request, the public /readyz tells no paths or errors, and
// every environment but development and test needs a real JWT_SECRET.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace cc::test;

namespace {

std::string withoutJwtSecret(const HostProcess& host) {
  std::string config = readFile(host.configPath());
  const std::string line = "  jwt_secret: test-secret-that-is-long-enough-0123456789\n";
  config.replace(config.find(line), line.size(), "  issuer: codecouncil\n");
  return config;
}

}  // namespace

TEST(ProductionDefaults, ControlCharactersInARequestCannotForgeLogLines) {
  HostProcess host;
  ASSERT_TRUE(host.start()) << host.output();
  // %0d%0a would end the access log line and start a forged one; %1b drives the terminal.
  auto r = http(host.port(), "GET",
                "/api/x%0d%0a2025-01-01T00:00:00.000Z%20Information%20codecouncil:%20admin%20logged%20in%1b[2J");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_TRUE(host.waitForOutput(
      "GET /api/x\\r\\n2025-01-01T00:00:00.000Z Information codecouncil: admin logged in\\x1b[2J 404"))
      << host.output();
  std::istringstream lines(host.output());
  for (std::string line; std::getline(lines, line);)
    EXPECT_NE(line.rfind("2025-01-01T00:00:00.000Z", 0), 0u) << "forged line: " << line;
  EXPECT_EQ(host.output().find('\x1b'), std::string::npos) << "a raw ESC reached the log";
  EXPECT_EQ(host.output().find('\r'), std::string::npos) << "a raw CR reached the log";
  EXPECT_EQ(host.stop(), 0);
}

TEST(ProductionDefaults, PublicReadinessShowsStatusesNotErrorsOrPaths) {
  const std::string missing = "/nonexistent/secret-path/libcc_gone.so";
  HostProcess host("  - name: gone\n    path: " + missing + "\n    optional: true\n" +
                   "  - name: tp_throwing_start\n    path: " + testPluginDir() +
                   "/libcc_tp_throwing_start.so\n    optional: true\n");
  ASSERT_TRUE(host.start()) << host.output();
  auto ready = host.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("\"name\":\"gone\""), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("\"status\":\"skipped\""), std::string::npos) << ready.body;
  for (const std::string& secret : {missing, std::string("secret-path"), std::string("database of wishes"),
                                    std::string("library not found"), testPluginDir(), std::string("\"error\"")})
    EXPECT_EQ(ready.body.find(secret), std::string::npos) << secret << " in " << ready.body;

  // An ordinary user learns no more; an admin gets the reasons (they are in the log anyway).
  std::string userToken = host.signup("someone@example.com");
  EXPECT_EQ(host.get("/readyz", userToken).body.find("\"error\""), std::string::npos);
  std::string adminToken = host.signup("ops@example.com");
  auto promoted = runHost({"users", "promote", "--email", "ops@example.com", "--config", host.configPath()});
  ASSERT_EQ(promoted.exitCode, 0) << promoted.output;
  auto detailed = host.get("/readyz", adminToken);
  EXPECT_EQ(detailed.status, 200);
  EXPECT_NE(detailed.body.find(missing), std::string::npos) << detailed.body;
  EXPECT_NE(detailed.body.find("database of wishes unavailable"), std::string::npos) << detailed.body;
  EXPECT_TRUE(host.waitForOutput("plugin gone (" + missing + "): library not found")) << host.output();
  EXPECT_EQ(host.stop(), 0);
}

TEST(ProductionDefaults, EveryEnvironmentButDevelopmentAndTestNeedsARealJwtSecret) {
  HostProcess config;
  writeFile(config.configPath(), withoutJwtSecret(config));
  for (const char* environment : {"staging", "production", "qa"}) {
    auto r = runHost({"serve", "--config", config.configPath()}, {{"CODECOUNCIL_ENV", environment}}, 30);
    EXPECT_EQ(r.exitCode, 1) << environment << ": " << r.output;
    EXPECT_NE(r.output.find("auth.jwt_secret (" + config.configPath() + ":"), std::string::npos) << environment << ": " << r.output;
    EXPECT_NE(r.output.find("set JWT_SECRET"), std::string::npos) << environment << ": " << r.output;
    EXPECT_EQ(r.output.find("listening on"), std::string::npos) << environment << ": " << r.output;
  }
  // development and test generate a secret and start.
  for (const char* environment : {"development", "test"}) {
    HostProcess host;
    writeFile(host.configPath(), withoutJwtSecret(host));
    ASSERT_TRUE(host.start({{"CODECOUNCIL_ENV", environment}})) << environment << ": " << host.output();
    EXPECT_TRUE(host.waitForOutput("using a generated development secret")) << host.output();
    EXPECT_EQ(host.stop(), 0);
  }
}

TEST(ProductionDefaults, TheExampleJwtSecretIsRefusedOutsideDevelopment) {
  HostProcess config;
  std::string text = withoutJwtSecret(config);
  text.replace(text.find("  issuer: codecouncil\n"), 22, "  jwt_secret: at-least-32-random-bytes-for-production\n");
  writeFile(config.configPath(), text);
  auto r = runHost({"serve", "--config", config.configPath()}, {{"CODECOUNCIL_ENV", "production"}}, 30);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find(".env.example"), std::string::npos) << r.output;
}
