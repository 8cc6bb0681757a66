// Bounded PostgreSQL connections (issue 15): three hosts with the shipped config/production.yaml
// on one PostgreSQL started with max_connections=60, 200 concurrent keep-alive clients per host
// on counted requests (GET /api/auth/me: user lookup + the rate limiter's counting upsert, both
// prepared statements). Every request must be answered 200 and counted, and the server must
// never see more connections from the hosts than 3 x database.pool_max: every connection a host
// opens is one of its pool's (the scheduler's claims, the mail outbox and the audit writer
// borrow from it too; only a running backup adds its own 2, see docs/deployment.md, and none
// runs here). Before the pool carried the prepared statements, each worker thread kept a
// connection of its own outside the pool: 128 threads per host ran the server out of
// connections and requests failed or went uncounted.
#include "fault_support.hpp"
#include "private_postgres.hpp"
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

using namespace cc::test;

namespace {

constexpr int kHosts = 3;
constexpr int kClientsPerHost = 200;
constexpr int kRequestsPerClient = 10;
constexpr int kUsersPerHost = 4;
constexpr int kMaxConnections = 60;
const char* kAppDatabase = "cc_app";
const char* kMetricsToken = "metrics-token-for-the-connections-test";

/// A gauge's value from Prometheus text, or -1.
long gauge(const std::string& metrics, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(metrics, m, std::regex("(^|\n)" + name + " ([0-9.e+]+)"))) return -1;
  return static_cast<long>(std::stod(m[2].str()));
}

/// The failures seen by the clients, kept for the report.
class Failures {
 public:
  void add(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (++count_ <= 10) first_ += what + "\n";
  }
  int count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  std::string first() const {
    std::lock_guard lock(mutex_);
    return first_;
  }

 private:
  mutable std::mutex mutex_;
  int count_ = 0;
  std::string first_;
};

/// One keep-alive connection sending `n` counted requests, one after another.
void client(int port, const std::string& token, int n, std::latch& go, std::atomic<int>& sent, Failures& failures) {
  go.arrive_and_wait();
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(60, 0));
    for (int i = 0; i < n; ++i) {
      Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, "/api/auth/me", Poco::Net::HTTPMessage::HTTP_1_1);
      req.setKeepAlive(true);
      req.set("Authorization", "Bearer " + token);
      session.sendRequest(req);
      ++sent;
      Poco::Net::HTTPResponse res;
      std::istream& in = session.receiveResponse(res);
      std::string body;
      Poco::StreamCopier::copyToString(in, body);
      if (res.getStatus() != 200) failures.add(std::to_string(res.getStatus()) + " " + body);
      else if (!res.has("X-RateLimit-Remaining")) failures.add("200 without X-RateLimit-Remaining (not counted)");
    }
  } catch (const std::exception& e) {
    failures.add(std::string("connection failed: ") + e.what());
  }
}

TEST(PostgresConnections, ThreeProductionHostsStayWithinTheirPoolsAndCountEveryRequest) {
  PrivatePostgres pg(kMaxConnections);
  if (pg.url().empty()) GTEST_SKIP() << "no private PostgreSQL cluster could be made: " << pg.log();
  execute(pg.url(), std::string("CREATE DATABASE ") + kAppDatabase);
  const std::string appUrl = pg.url(kAppDatabase);

  // The shipped production config; only what it reads from the environment is given.
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int h = 0; h < kHosts; ++h) {
    auto host = std::make_unique<HostProcess>();
    host->useConfigFile(sourceDir() + "/config/production.yaml");
    std::map<std::string, std::string> env{
        {"CODECOUNCIL_ENV", "production"},
        {"PORT", std::to_string(host->port())},
        {"DATABASE_URL", appUrl},
        {"JWT_SECRET", "connections-test-secret-that-is-long-enough-0123456789"},
        {"METRICS_TOKEN", kMetricsToken},
        {"BACKUP_SIGNING_KEY", "connections-test-backup-signing-key-0123456789abcdef"},
        {"CODECOUNCIL_DATA_DIR", (host->dir().path() / "data").string()},
        {"CODECOUNCIL_PLUGIN_DIR", pluginDir()},
        {"CODECOUNCIL_LOG_LEVEL", "warning"},  // no access log lines: the machine is busy enough
    };
    ASSERT_TRUE(host->start(env)) << host->output();
    hosts.push_back(std::move(host));
  }

  // pool_max as the hosts run it (the shipped default unless DATABASE_POOL_MAX is set).
  std::map<std::string, std::string> auth{{"Authorization", std::string("Bearer ") + kMetricsToken}};
  auto metrics = http(hosts[0]->port(), "GET", "/metrics", "", auth);
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  const long poolMax = gauge(metrics.body, "db_connection_pool_used") + gauge(metrics.body, "db_connection_pool_available");
  ASSERT_GT(poolMax, 0) << metrics.body;
  // The sizing rule of docs/deployment.md: the three pools, a backup's 2 and the 3 superuser
  // slots fit; otherwise the config, not the code, is what overflows the server.
  ASSERT_LE(kHosts * poolMax + 2 + 3, kMaxConnections) << "pool_max " << poolMax << " is too big for this test";

  // Enterprise users: 10,000 requests a day each, so no request is refused for its limit.
  std::vector<std::vector<std::string>> tokens(kHosts);
  for (int h = 0; h < kHosts; ++h)
    for (int u = 0; u < kUsersPerHost; ++u)
      tokens[h].push_back(hosts[h]->signup("h" + std::to_string(h) + "u" + std::to_string(u) + "@example.com"));
  execute(appUrl, "UPDATE \"User\" SET tier = 'enterprise'");
  const std::string countedSql = "SELECT COALESCE(SUM(\"requestsToday\"), 0) FROM \"RateLimitTracker\"";
  const long countedBefore = std::stol(queryStrings(appUrl, countedSql).at(0));

  // The server's view of the hosts' connections, sampled through the whole run.
  std::atomic<bool> loadDone{false};
  std::atomic<long> peak{0};
  std::atomic<int> samples{0};
  std::thread sampler([&] {
    auto admin = openTestDatabase(pg.url());
    while (!loadDone) {
      auto rows = admin->queryPrepared("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ?", {kAppDatabase});
      long now = std::stol(rows.at(0).at(0).value_or("0"));
      for (long seen = peak; now > seen && !peak.compare_exchange_weak(seen, now);) {
      }
      ++samples;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  std::latch go(kHosts * kClientsPerHost);
  std::atomic<int> sent{0};
  Failures failures;
  std::vector<std::thread> clients;
  for (int h = 0; h < kHosts; ++h)
    for (int c = 0; c < kClientsPerHost; ++c)
      clients.emplace_back(client, hosts[h]->port(), tokens[h][c % kUsersPerHost], kRequestsPerClient,
                           std::ref(go), std::ref(sent), std::ref(failures));
  for (auto& t : clients) t.join();
  loadDone = true;
  sampler.join();

  const int total = kHosts * kClientsPerHost * kRequestsPerClient;
  EXPECT_EQ(failures.count(), 0) << failures.first();
  EXPECT_EQ(sent.load(), total);
  const long counted = std::stol(queryStrings(appUrl, countedSql).at(0)) - countedBefore;
  EXPECT_EQ(counted, total) << "every counted request must be counted once";
  EXPECT_GT(samples.load(), 0);
  EXPECT_LE(peak.load(), kHosts * poolMax) << "the hosts held more connections than their pools allow";
  for (auto& host : hosts) {
    EXPECT_FALSE(host->waitForOutput("rate limit tracker failed", 0)) << host->output();
    EXPECT_FALSE(host->waitForOutput("too many clients", 0)) << host->output();
  }
  // The pools are whole again: every connection came back once the load was over (background
  // jobs may borrow one for a moment, hence the poll).
  for (auto& host : hosts)
    EXPECT_TRUE(fault::pollUntil([&] {
      return gauge(http(host->port(), "GET", "/metrics", "", auth).body, "db_connection_pool_used") == 0;
    })) << "connections still lent out after the load";
  std::cout << "peak PostgreSQL connections of " << kHosts << " hosts: " << peak.load() << " (pool_max " << poolMax
            << ", " << samples.load() << " samples)\n";
  for (auto& host : hosts) EXPECT_EQ(host->stop(), 0) << host->output();
}

}  // namespace
