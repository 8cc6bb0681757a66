#pragma once
// The s3rver fake (npm s3rver@3.7.1, installed under the build folder on first use) shared by
// the S3 tests. s3rver parses the SigV4 Authorization header and checks the access key id
// (S3RVER) but does not recompute signatures; it stores objects as files in its data folder.
#include "support/test_env.hpp"

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <string>
#include <sys/file.h>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char** environ;

namespace backup_test {

inline std::string s3rverScript() {
  std::string dir = cc::test::binaryDir() + "/test-node/s3rver";
  std::string script = dir + "/node_modules/s3rver/bin/s3rver.js";
  std::string installed = dir + "/installed";  // written only after npm finished without error
  std::filesystem::create_directories(dir);
  // Several test programs may ask at once (ctest -j2): one installs while the others wait on the
  // lock; the script existing is not enough, npm writes it before the module's dependencies.
  int lock = ::open((dir + "/install.lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  if (!std::filesystem::exists(installed)) {
    std::string cmd = "npm install --prefix '" + dir + "' --no-audit --no-fund --loglevel=error s3rver@3.7.1 > '" + dir +
                      "/npm-install.log' 2>&1";
    if (std::system(cmd.c_str()) == 0 && std::filesystem::exists(script)) std::ofstream(installed) << "s3rver@3.7.1\n";
  }
  if (lock >= 0) {
    ::flock(lock, LOCK_UN);
    ::close(lock);
  }
  return std::filesystem::exists(installed) ? script : "";
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
    // Node starts slowly on a loaded machine (ctest -j2 beside builds): up to 30 s.
    for (int i = 0; i < 600 && pid_ > 0; ++i) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {  // it exited (e.g. its port was taken meanwhile)
        pid_ = -1;
        return false;
      }
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
