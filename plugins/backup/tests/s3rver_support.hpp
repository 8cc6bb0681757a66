#pragma once
// The s3rver fake (npm s3rver@3.7.1, installed under the build folder on first use) shared by
// the S3 tests. s3rver parses the SigV4 Authorization header and checks the access key id
// (S3RVER) but does not recompute signatures; it stores objects as files in its data folder.
#include "support/test_env.hpp"

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char** environ;

namespace backup_test {

inline std::string s3rverScript() {
  std::string dir = cc::test::binaryDir() + "/test-node/s3rver";
  std::string script = dir + "/node_modules/s3rver/bin/s3rver.js";
  if (!std::filesystem::exists(script)) {
    std::filesystem::create_directories(dir);
    std::string cmd = "npm install --prefix '" + dir + "' --no-audit --no-fund --loglevel=error s3rver@3.7.1 > '" + dir +
                      "/npm-install.log' 2>&1";
    if (std::system(cmd.c_str()) != 0) return "";
  }
  return std::filesystem::exists(script) ? script : "";
}

class S3rver {
 public:
  S3rver(const std::string& script, const std::string& dataDir) : port_(cc::test::freePort()) {
    std::vector<std::string> args{"node", script, "-d", dataDir, "-a", "127.0.0.1", "-p", std::to_string(port_),
                                  "-s", "--configure-bucket", "backups"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "node", nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~S3rver() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  bool waitReady() {
    for (int i = 0; i < 200 && pid_ > 0; ++i) {
      try {
        Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port_)));
        return true;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    return false;
  }
  int port() const { return port_; }

 private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace backup_test
