#pragma once
// A PostgreSQL cluster of a test's own, for what the shared test cluster must not see: being
// stopped (tests/e2e/fault_postgres_test.cpp) or special server settings such as a small
// max_connections (tests/e2e/postgres_connections_test.cpp).
#include "support/test_env.hpp"

#include <cstdlib>
#include <filesystem>
#include <pwd.h>
#include <string>
#include <unistd.h>

namespace cc::test {

/// The newest /usr/lib/postgresql/<version>/bin holding initdb, or "" when none is installed.
inline std::string postgresBinDir() {
  std::string best;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    auto bin = entry.path() / "bin";
    if (std::filesystem::exists(bin / "initdb") && (best.empty() || bin.string() > best)) best = bin.string();
  }
  return best;
}

/// A PostgreSQL cluster in a temp dir (fsync off, unix socket in the dir), run as the postgres
/// user when we are root, the way scripts/lib/test-postgres.sh does it.
class PrivatePostgres {
 public:
  explicit PrivatePostgres(int maxConnections = 100)
      : bin_(postgresBinDir()), port_(freePort()), maxConnections_(maxConnections) {
    if (bin_.empty()) return;
    std::filesystem::create_directories(dir());
    if (::geteuid() == 0) {
      struct passwd* pw = ::getpwnam("postgres");
      if (!pw || ::chown(dir().c_str(), pw->pw_uid, pw->pw_gid) != 0) return;
      asUser_ = "runuser -u postgres -- ";
    }
    ready_ = run("initdb -D " + dataDir() + " -A trust -U cc_test") && start();
  }
  ~PrivatePostgres() {
    if (ready_) run("pg_ctl -D " + dataDir() + " -m immediate stop");
  }
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  /// Empty when the cluster could not be created (with why in log()).
  std::string url(const std::string& database = "postgres") const {
    return ready_ ? "postgresql://cc_test@127.0.0.1:" + std::to_string(port_) + "/" + database : "";
  }
  std::string log() const { return readFile(dir() / "pg.log") + readFile(dir() / "server.log"); }

  bool start() {
    return run("pg_ctl -D " + dataDir() + " -w -t 60 -l " + (dir() / "server.log").string() + " -o \"-p " +
               std::to_string(port_) + " -k " + dir().string() + " -c listen_addresses=127.0.0.1 -c max_connections=" +
               std::to_string(maxConnections_) + " -c fsync=off\" start");
  }
  /// A clean, fast shutdown: open connections are terminated, as in a failover or a restart.
  bool stop() { return run("pg_ctl -D " + dataDir() + " -w -t 60 -m fast stop"); }

 private:
  std::filesystem::path dir() const { return tmp_.path() / "pg"; }
  std::string dataDir() const { return (dir() / "data").string(); }
  bool run(const std::string& command) const {
    std::string line = asUser_ + bin_ + "/" + command + " >>" + (dir() / "pg.log").string() + " 2>&1";
    return std::system(line.c_str()) == 0;
  }

  TempDir tmp_;
  std::string bin_;
  int port_;
  int maxConnections_;
  std::string asUser_;
  bool ready_ = false;
};

}  // namespace cc::test
