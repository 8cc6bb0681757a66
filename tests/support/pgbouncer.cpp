#include "support/pgbouncer.hpp"

#include "support/test_env.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace cc::test {
namespace {

// Never destroyed: the shared pgbouncer (a static too) is stopped at exit and unregisters
// itself here, possibly after other statics are gone.
std::mutex& registryMutex() {
  static auto* m = new std::mutex;
  return *m;
}
// port -> pool_mode of the pgbouncers running in this process
std::map<int, std::string>& running() {
  static auto* ports = new std::map<int, std::string>;
  return *ports;
}

bool accepts(int port) {
  try {
    Poco::Net::StreamSocket s;
    s.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), Poco::Timespan(1, 0));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// pgbouncer's auth_file format: "user" "password".
std::string authFileField(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string pgbouncerBinary() {
  for (const char* candidate : {"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"})
    if (::access(candidate, X_OK) == 0) return candidate;
  return "";
}

PgBouncer::PgBouncer(const std::string& serverUrl, const std::string& poolMode, int poolSize)
    : port_(freePort()), poolMode_(poolMode) {
  std::string binary = pgbouncerBinary();
  if (binary.empty()) {
    problem_ = "pgbouncer is not installed (apt-get install pgbouncer; scripts/test installs it)";
    return;
  }
  // Not a TempDir member: the folder must outlive the process, which is stopped in the destructor.
  dir_ = (std::filesystem::temp_directory_path() / ("cc-pgbouncer-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(port_)))
             .string();
  std::filesystem::create_directories(dir_);
  Poco::URI uri(serverUrl);
  std::string info = uri.getUserInfo(), user, password;
  Poco::URI::decode(info.substr(0, info.find(':')), user);
  if (info.find(':') != std::string::npos) Poco::URI::decode(info.substr(info.find(':') + 1), password);
  const int serverPort = uri.getPort() ? uri.getPort() : 5432;
  writeFile(std::filesystem::path(dir_) / "userlist.txt", authFileField(user) + " " + authFileField(password) + "\n");
  writeFile(std::filesystem::path(dir_) / "pgbouncer.ini",
            "[databases]\n"
            "* = host=" + uri.getHost() + " port=" + std::to_string(serverPort) +
                (password.empty() ? "" : " password=" + password) + "\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            "listen_port = " + std::to_string(port_) + "\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            "auth_file = " + dir_ + "/userlist.txt\n"
            "pool_mode = " + poolMode + "\n"
            "default_pool_size = " + std::to_string(poolSize) + "\n"
            "max_client_conn = 2000\n"
            // Idle server connections are handed out in turn, not last-used first: one client's
            // consecutive transactions then reach different server connections even under light
            // load, as they do under heavy load in production, so anything a test leaves on a
            // server session (a named statement, a session lock) is missed in the next round trip.
            "server_round_robin = 1\n"
            "logfile = " + dir_ + "/pgbouncer.log\n"
            "log_connections = 0\nlog_disconnections = 0\n");

  uid_t uid = ::getuid();
  gid_t gid = ::getgid();
  if (::geteuid() == 0) {  // pgbouncer will not run as root
    struct passwd* pw = ::getpwnam("postgres");
    if (!pw) {
      problem_ = "running as root and there is no postgres user to run pgbouncer as";
      return;
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir_)) (void)::chown(entry.path().c_str(), uid, gid);
    (void)::chown(dir_.c_str(), uid, gid);
  }
  std::string ini = dir_ + "/pgbouncer.ini", out = dir_ + "/stdout.log";
  const bool dropRoot = ::geteuid() == 0;
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    if (dropRoot && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) ::_exit(126);
    // Dies with the test (after setuid, which clears this setting): a crashed test must not leave
    // a pgbouncer behind. The signal follows the forking thread: tests start pgbouncers on theirs.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);
    ::execl(binary.c_str(), binary.c_str(), ini.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid < 0) {
    problem_ = "fork failed";
    return;
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_ || std::chrono::steady_clock::now() > deadline) {
      if (pid_ > 0) ::kill(pid_, SIGKILL), ::waitpid(pid_, &status, 0);
      pid_ = -1;
      problem_ = "pgbouncer did not start";
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::lock_guard<std::mutex> lock(registryMutex());
  running()[port_] = poolMode_;
}

PgBouncer::~PgBouncer() {
  if (pid_ > 0) {
    {
      std::lock_guard<std::mutex> lock(registryMutex());
      running().erase(port_);
    }
    ::kill(pid_, SIGINT);  // pgbouncer: SIGINT is a safe shutdown (SIGTERM waits for clients)
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::error_code ec;
  if (!dir_.empty() && !std::getenv("CC_KEEP_TEST_DIRS")) std::filesystem::remove_all(dir_, ec);
}

std::string PgBouncer::log() const {
  if (dir_.empty()) return problem_;
  return problem_ + "\n" + readFile(std::filesystem::path(dir_) / "stdout.log") +
         readFile(std::filesystem::path(dir_) / "pgbouncer.log");
}

std::string PgBouncer::through(const std::string& url) const {
  Poco::URI uri(url);
  uri.setHost("127.0.0.1");
  uri.setPort(static_cast<Poco::UInt16>(port_));
  return uri.toString();
}

bool postgresViaPgBouncer() {
  const char* v = std::getenv("CC_TEST_POSTGRES_VIA_PGBOUNCER");
  return v && *v && std::string(v) != "0";
}

// Fewer server connections than the hosts of a two-host suite have client connections (2 x
// pool_max), so transactions from many client connections share each server connection.
constexpr int kSharedServerConnections = 6;

const PgBouncer* sharedPgBouncer() {
  static std::once_flag once;
  static std::unique_ptr<PgBouncer> shared;
  std::call_once(once, [] {
    if (!postgresAdminUrl().empty()) shared = std::make_unique<PgBouncer>(postgresAdminUrl(), "transaction", kSharedServerConnections);
  });
  return shared.get();
}

bool throughTransactionPooling(const std::string& url) {
  if (url.rfind("postgres", 0) != 0) return false;
  int port = 0;
  try {
    port = Poco::URI(url).getPort();
  } catch (const std::exception&) {
    return false;
  }
  std::lock_guard<std::mutex> lock(registryMutex());
  auto it = running().find(port);
  return it != running().end() && it->second == "transaction";
}

}  // namespace cc::test
