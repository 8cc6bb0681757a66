// Waiting for a database connection, against the real host with pool_max 1, on SQLite and on
// PostgreSQL: while the one connection is held (a signup blocked behind a lock the test holds),
// other requests queue for it; one that waits longer than database.pool_timeout_ms is answered
// 503 with a JSON error and Retry-After, never a 500 or a hang; one that gets the connection
// in time is served. The metrics plugin's pool gauges follow, and it exports the waits
// (db_connection_pool_wait_seconds, db_connection_pool_wait_timeouts_total).
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <Poco/Data/Session.h>

#include <chrono>
#include <regex>
#include <thread>

using namespace cc::test;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using Poco::Data::Keywords::now;

namespace {

constexpr int kPoolTimeoutMs = 1500;

long gauge(const HostProcess& host, const std::string& name) {
  std::smatch m;
  const std::string text = host.get("/metrics").body;
  if (!std::regex_search(text, m, std::regex("(^|\n)" + name + " ([0-9.e+]+)"))) return -1;
  return static_cast<long>(std::stod(m[2].str()));
}

/// One sample's value in /metrics, `series` written as exported (`name{le="1"}`); -1 when missing.
double sample(const std::string& metrics, const std::string& series) {
  const std::string line = "\n" + series + " ";
  auto at = ("\n" + metrics).find(line);
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + line.size() - 1));
}

template <class F>
bool pollUntil(F condition, std::chrono::milliseconds timeout = 10s) {
  auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class DatabasePool : public ::testing::TestWithParam<cc::Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == cc::Engine::PostgreSQL) {
      url_ = createPostgresDatabase("cc_pool_wait");
      if (url_.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    }
  }
  std::string url_;  // empty: the host's SQLite file
};

TEST_P(DatabasePool, RequestsQueueForTheConnectionAndGet503AfterThePoolTimeout) {
  HostProcess host(bundledPlugin("metrics", "{}"), "", url_);
  // One connection, a short wait; a SQLite writer waits for the test's lock longer than that.
  std::string config = readFile(host.configPath());
  config.replace(config.find("database:\n"), 10,
                 "database:\n  pool_min: 1\n  pool_max: 1\n  pool_timeout_ms: " + std::to_string(kPoolTimeoutMs) +
                     "\n  busy_timeout_ms: 30000\n");
  writeFile(host.configPath(), config);
  ASSERT_TRUE(host.start()) << host.output();
  const std::string token = host.signup("first@example.com");
  EXPECT_EQ(gauge(host, "db_connection_pool_available"), 1);

  // The test's own connection takes the write lock on the users: the next signup blocks holding
  // the host's only connection.
  auto blocker = openTestDatabase(host.databaseUrl());
  auto lock = blocker->session();
  if (GetParam() == cc::Engine::SQLite) {
    lock << "BEGIN IMMEDIATE", now;
  } else {
    lock << "BEGIN", now;
    lock << "LOCK TABLE \"User\" IN EXCLUSIVE MODE", now;
  }
  HttpResult blocked;
  std::thread signup([&] { blocked = host.post("/api/auth/signup", R"({"email":"second@example.com","password":"correct horse battery"})"); });
  // Held: the gauge says so several times in a row (a background job could borrow it a moment).
  int heldSeen = 0;
  EXPECT_TRUE(pollUntil([&] {
    heldSeen = gauge(host, "db_connection_pool_used") == 1 ? heldSeen + 1 : 0;
    return heldSeen >= 5;
  })) << host.output();
  EXPECT_EQ(gauge(host, "db_connection_pool_available"), 0);

  // A public route that needs the database: 503 after the pool timeout, as JSON.
  auto started = Clock::now();
  auto login = host.post("/api/auth/login", R"({"email":"first@example.com","password":"correct horse battery"})");
  auto waited = Clock::now() - started;
  EXPECT_EQ(login.status, 503) << login.body;
  EXPECT_EQ(login.header("Retry-After"), "1");
  EXPECT_NE(jsonField(login.body, "error").find("no database connection became free"), std::string::npos) << login.body;
  EXPECT_GE(waited, std::chrono::milliseconds(kPoolTimeoutMs - 100));
  EXPECT_LT(waited, std::chrono::milliseconds(kPoolTimeoutMs) + 5s);
  // The authenticated path (the user lookup) too.
  auto me = host.get("/api/auth/me", token);
  EXPECT_EQ(me.status, 503) << me.body;
  EXPECT_EQ(me.header("Retry-After"), "1");
  EXPECT_FALSE(jsonField(me.body, "error").empty());

  // A request that gets the connection within the timeout is served: it queues, it does not fail.
  HttpResult queued;
  std::thread waiter([&] { queued = host.get("/api/auth/me", token); });
  std::this_thread::sleep_for(300ms);  // most likely queued by now; if not, it is served anyway
  lock << (GetParam() == cc::Engine::SQLite ? "ROLLBACK" : "COMMIT"), now;
  waiter.join();
  signup.join();
  EXPECT_EQ(queued.status, 200) << queued.body;
  EXPECT_EQ(blocked.status, 201) << blocked.body;
  EXPECT_TRUE(pollUntil([&] { return gauge(host, "db_connection_pool_used") == 0; }));
  EXPECT_EQ(gauge(host, "db_connection_pool_available"), 1);
  EXPECT_EQ(host.post("/api/auth/login", R"({"email":"second@example.com","password":"correct horse battery"})").status,
            200);

  // The waits are exported: the two that gave up after 1.5 s (login, me) in the timeouts
  // counter and between the 1 s and 2.5 s buckets, the one served in the 1 s bucket
  // (background jobs may have queued too, hence "at least").
  const std::string metrics = host.get("/metrics").body;
  const double count = sample(metrics, "db_connection_pool_wait_seconds_count");
  EXPECT_GE(sample(metrics, "db_connection_pool_wait_timeouts_total"), 2) << metrics;
  EXPECT_GE(count, 3) << metrics;
  EXPECT_EQ(sample(metrics, "db_connection_pool_wait_seconds_bucket{le=\"+Inf\"}"), count) << metrics;
  const double withinOne = sample(metrics, "db_connection_pool_wait_seconds_bucket{le=\"1\"}");
  EXPECT_GE(withinOne, 1) << metrics;
  EXPECT_GE(sample(metrics, "db_connection_pool_wait_seconds_bucket{le=\"2.5\"}") - withinOne, 2) << metrics;
  EXPECT_GE(sample(metrics, "db_connection_pool_wait_seconds_sum"), 2 * (kPoolTimeoutMs - 100) / 1000.0) << metrics;
  EXPECT_NE(metrics.find("# TYPE db_connection_pool_wait_seconds histogram"), std::string::npos) << metrics;
  EXPECT_EQ(host.stop(), 0) << host.output();
}

INSTANTIATE_TEST_SUITE_P(Engines, DatabasePool, ::testing::Values(cc::Engine::SQLite, cc::Engine::PostgreSQL),
                         [](const auto& info) { return info.param == cc::Engine::SQLite ? "SQLite" : "PostgreSQL"; });

}  // namespace
