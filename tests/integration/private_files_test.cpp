// Files with secrets or user data are the host's user's alone (issue 14, items 3 and 8d).
// The test process runs under umask 022, like a login shell or a CI runner, so anything the
// host left to the umask would come out 0644/0755. The real binary must make the SQLite
// database (and its -wal/-shm) 0600, the folders it creates 0700 and the generated JWT
// secret 0600, created complete in one step, shared by hosts that start together.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>
#include <thread>

using namespace cc::test;
namespace fs = std::filesystem;

namespace {

// "0600", "0755", or "missing".
std::string mode(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "missing";
  char text[8];
  std::snprintf(text, sizeof text, "%04o", st.st_mode & 07777);
  return text;
}

// The config HostProcess wrote, with data_dir moved and the JWT secret left to the host.
void rewriteConfig(const HostProcess& host, const fs::path& dataDir) {
  std::string config = readFile(host.configPath());
  const std::string secret = "  jwt_secret: test-secret-that-is-long-enough-0123456789\n";
  config.replace(config.find(secret), secret.size(), "  issuer: codecouncil\n");
  const std::string dataLine = "data_dir: " + (host.dir().path() / "data").string() + "\n";
  config.replace(config.find(dataLine), dataLine.size(), "data_dir: " + dataDir.string() + "\n");
  writeFile(host.configPath(), config);
}

class PrivateFiles : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = ::umask(022); }
  void TearDown() override { ::umask(previous_); }
  mode_t previous_ = 0;
};

}  // namespace

TEST_F(PrivateFiles, DatabaseFoldersAndGeneratedSecretAreForTheHostUserOnly) {
  TempDir root;
  const fs::path dbDir = root.path() / "db" / "nested";
  const fs::path dataDir = root.path() / "state" / "deep";
  HostProcess host("  []", "", "sqlite://" + (dbDir / "cc.db").string());
  rewriteConfig(host, dataDir);
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("owner@example.com");  // a write, so the WAL files exist

  for (const fs::path& folder : {root.path() / "db", dbDir, root.path() / "state", dataDir})
    EXPECT_EQ(mode(folder), "0700") << folder;
  for (const char* suffix : {"", "-wal", "-shm"})
    EXPECT_EQ(mode(dbDir / (std::string("cc.db") + suffix)), "0600") << "cc.db" << suffix;
  EXPECT_EQ(mode(dataDir / "jwt-secret"), "0600");
  std::string secret = readFile(dataDir / "jwt-secret");
  EXPECT_EQ(secret.size(), 65u) << "64 hex characters and a newline";
  for (auto& entry : fs::directory_iterator(dataDir))
    EXPECT_EQ(entry.path().filename(), "jwt-secret") << "a temporary file was left behind";
  EXPECT_EQ(host.stop(), 0);
}

TEST_F(PrivateFiles, HostsStartingTogetherShareOneGeneratedSecret) {
  // Several hosts, one SQLite file and one data_dir, started at the same moment: a host that
  // read a half-written secret, or overwrote another's, would reject the others' tokens.
  TempDir shared;
  const std::string url = "sqlite://" + (shared.path() / "cc.db").string();
  {
    HostProcess migrate("  []", "", url);  // the schema first, so the hosts only race on the secret
    ASSERT_EQ(runHost({"migrate", "--config", migrate.configPath()}).exitCode, 0);
  }
  constexpr int kHosts = 4;
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < kHosts; ++i) {
    hosts.push_back(std::make_unique<HostProcess>("  []", "", url));
    rewriteConfig(*hosts.back(), shared.path() / "data");
  }
  std::vector<std::thread> starting;
  std::vector<int> started(kHosts, 0);
  for (int i = 0; i < kHosts; ++i) starting.emplace_back([&, i] { started[i] = hosts[i]->start() ? 1 : 0; });
  for (auto& t : starting) t.join();
  for (int i = 0; i < kHosts; ++i) ASSERT_EQ(started[i], 1) << hosts[i]->output();

  std::string token = hosts[0]->signup("shared@example.com");
  for (int i = 1; i < kHosts; ++i) EXPECT_EQ(hosts[i]->get("/api/auth/me", token).status, 200) << "host " << i;
  EXPECT_EQ(mode(shared.path() / "data" / "jwt-secret"), "0600");
  for (auto& h : hosts) EXPECT_EQ(h->stop(), 0);
}

TEST_F(PrivateFiles, ASecretFileLeftHalfWrittenOrReadableIsRepaired) {
  TempDir root;
  const fs::path dataDir = root.path() / "data";
  fs::create_directories(dataDir);
  writeFile(dataDir / "jwt-secret", "0123");  // cut short by a crash of an older version
  {
    HostProcess host;
    rewriteConfig(host, dataDir);
    ASSERT_TRUE(host.start()) << host.output();
    EXPECT_EQ(readFile(dataDir / "jwt-secret").size(), 65u);
    EXPECT_EQ(mode(dataDir / "jwt-secret"), "0600");
    EXPECT_EQ(host.stop(), 0);
  }
  ::chmod((dataDir / "jwt-secret").c_str(), 0644);  // written by an older version
  HostProcess host;
  rewriteConfig(host, dataDir);
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(mode(dataDir / "jwt-secret"), "0600");
  EXPECT_TRUE(host.waitForOutput("was readable by other users: made it 0600")) << host.output();
  EXPECT_EQ(host.stop(), 0);
}

TEST(SystemdUnit, SaysThePrivateUmaskTooAndVerifies) {
  std::string unit = readFile(fs::path(sourceDir()) / "deploy" / "codecouncil.service");
  EXPECT_NE(unit.find("\nUMask=0077\n"), std::string::npos) << unit;
  EXPECT_NE(unit.find("\nStateDirectoryMode=0700\n"), std::string::npos) << unit;
  if (std::system("command -v systemd-analyze >/dev/null 2>&1") != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  // Every directive must be one systemd knows (an unknown key is only a warning at boot).
  TempDir dir;
  std::string copy = unit;
  // The unit names the packaged binary (/usr/bin/codecouncil); verify checks that it exists.
  const std::string packaged = "/usr/bin/codecouncil";
  ASSERT_NE(copy.find(packaged), std::string::npos) << copy;
  for (auto at = copy.find(packaged); at != std::string::npos; at = copy.find(packaged, at))
    copy.replace(at, packaged.size(), hostBinary());
  writeFile(dir.path() / "codecouncil.service", copy);
  std::string command = "systemd-analyze verify " + (dir.path() / "codecouncil.service").string() + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  EXPECT_EQ(::pclose(pipe), 0) << output;
  EXPECT_EQ(output, "") << output;
}
