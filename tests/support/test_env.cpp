#include "support/test_env.hpp"

#include "core/db/database_impl.hpp"
#include "support/pgbouncer.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

namespace cc::test {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("cc-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd() % 100000));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("CC_KEEP_TEST_DIRS")) std::filesystem::remove_all(path_, ec);
}

namespace {

/// The first port of the kernel's ephemeral range (outgoing connections take their local
/// ports from it), 32768 when the range cannot be read.
int ephemeralRangeStart() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return in >> low && low > 2048 ? low : 32768;
}

bool canListenOn(int port) {
  try {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

}  // namespace

int freePort() {
  // A port the kernel hands out for port 0 lies in the ephemeral range, where every outgoing
  // connection of every test running beside this one also takes its local port: between this
  // probe and the test's own bind, one of them could take it (seen in CI as a host exiting
  // with "Address already in use"). Ports just below the range are taken only by listeners
  // that asked for them, so a random free one there stays free until the test binds it.
  static std::mutex mutex;
  static std::mt19937 pick{std::random_device{}()};
  const int high = ephemeralRangeStart();
  const int low = std::max(1024, high - 12000);
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = std::uniform_int_distribution<int>(low, high - 1)(pick);
    if (canListenOn(port)) return port;
  }
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

std::string postgresAdminUrl() {
  const char* url = std::getenv("CC_TEST_POSTGRES_URL");
  return url ? url : "";
}

std::string createPostgresDatabase(const std::string& prefix) {
  std::string admin = postgresAdminUrl();
  if (admin.empty()) {
    // "" is SQLite to HostProcess: a test's PostgreSQL variant would pass having run on SQLite.
    // Recording a skip (without returning from the test) makes it end as skipped instead, which
    // the skip policy then judges (support/skip_policy.hpp).
    GTEST_MESSAGE_AT_(__FILE__, __LINE__, "CC_TEST_POSTGRES_URL is not set: the PostgreSQL part did not run",
                      ::testing::TestPartResult::kSkip);
    return "";
  }
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
  Poco::URI uri(admin);
  static std::atomic<int> counter{0};
  std::string name = prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::string user = uri.getUserInfo().substr(0, uri.getUserInfo().find(':'));
  std::string cs = "host=" + uri.getHost() + " port=" + std::to_string(uri.getPort()) + " dbname=" +
                   uri.getPath().substr(1) + (user.empty() ? "" : " user=" + user);
  Poco::Data::Session s("PostgreSQL", cs);
  s << "DROP DATABASE IF EXISTS " + name, Poco::Data::Keywords::now;
  s << "CREATE DATABASE " + name, Poco::Data::Keywords::now;
  Poco::URI out(uri);
  out.setPath("/" + name);
  if (postgresViaPgBouncer()) {  // the suite runs through PgBouncer (tests/support/pgbouncer.hpp)
    const PgBouncer* bouncer = sharedPgBouncer();
    if (!bouncer || !bouncer->ready()) {
      ADD_FAILURE() << "CC_TEST_POSTGRES_VIA_PGBOUNCER is set but pgbouncer did not start: "
                    << (bouncer ? bouncer->log() : std::string("no test PostgreSQL"));
      return out.toString();
    }
    return bouncer->through(out.toString());
  }
  return out.toString();
}

namespace {
std::unique_ptr<cc::core::PooledDatabase> openUrl(const std::string& url) {
  cc::core::DatabaseConfig c;
  c.url = url;
  c.poolMin = 1;
  c.poolMax = 2;
  c.transactionPooling = throughTransactionPooling(url);
  return cc::core::openDatabase(c, "/");
}
}  // namespace

std::vector<std::string> queryStrings(const std::string& databaseUrl, const std::string& sql) {
  auto db = openUrl(databaseUrl);
  auto s = db->session();
  Poco::Data::Statement st(s);
  st << sql;
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) out.push_back(rs.value(0, i).toString());
  return out;
}

std::unique_ptr<cc::Database> openTestDatabase(const std::string& databaseUrl) { return openUrl(databaseUrl); }

void execute(const std::string& databaseUrl, const std::string& sql) {
  auto db = openUrl(databaseUrl);
  auto s = db->session();
  s << sql, Poco::Data::Keywords::now;
}

std::string sourceDir() { return CC_SOURCE_DIR; }
std::string binaryDir() { return CC_BINARY_DIR; }
std::string hostBinary() { return CC_HOST_BINARY; }
std::string pluginDir() { return CC_PLUGIN_DIR; }
std::string testPluginDir() { return CC_TEST_PLUGIN_DIR; }

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace cc::test
