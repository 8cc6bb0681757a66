// PostgreSQL stopped and started again under load, on a private cluster this test owns (the
// shared test cluster serves other tests in parallel and must never be stopped): while the
// database is down every request fails cleanly with 503 and a JSON error, /healthz stays up and
// /readyz says not ready; once it is back the same host process serves again within seconds,
// rate limiting included, with either fail_open setting.
#include "fault_support.hpp"
#include "private_postgres.hpp"

#include <gtest/gtest.h>

#include <mutex>

using namespace cc::test;
using namespace cc::test::fault;

namespace {

enum class Phase { Up, Stopping, Down, Recovering, Recovered };

const char* name(Phase p) {
  switch (p) {
    case Phase::Up: return "up";
    case Phase::Stopping: return "stopping";
    case Phase::Down: return "down";
    case Phase::Recovering: return "recovering";
    default: return "recovered";
  }
}

struct Observation {
  std::string request;
  Phase sentIn, answeredIn;
  int status;  // 0: the connection failed
  std::string body;
};

/// Requests in a loop from a few threads, each one tagged with the phase it was sent and
/// answered in, until stopped.
class Load {
 public:
  Load(const HostProcess& host, const std::string& token, int threads) {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, &host, token, t] {
        for (int i = 0; !stop_.load(); ++i) send(host, token, (t + i) % 3);
      });
  }
  ~Load() { finish(); }
  void enter(Phase p) { phase_ = p; }
  void finish() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  /// Answers of requests sent and answered in `p`.
  int answeredWithin(Phase p) const {
    std::lock_guard<std::mutex> lock(mutex_);
    int n = 0;
    for (auto& o : seen_) n += (o.sentIn == p && o.answeredIn == p) ? 1 : 0;
    return n;
  }
  std::vector<Observation> observations() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  // An authenticated read, the rate-limit usage, and a login (a public route that needs the
  // database): each of them must fail cleanly.
  void send(const HostProcess& host, const std::string& token, int kind) {
    Observation o;
    o.sentIn = phase_.load();
    try {
      HttpResult r;
      if (kind == 0) o.request = "GET /api/auth/me", r = host.get("/api/auth/me", token);
      else if (kind == 1) o.request = "GET /api/rate-limit/usage", r = host.get("/api/rate-limit/usage", token);
      else
        o.request = "POST /api/auth/login",
        r = host.post("/api/auth/login", R"({"email":"load@example.com","password":"correct horse battery"})");
      o.status = r.status;
      o.body = r.body;
    } catch (const std::exception& e) {
      o.status = 0;
      o.body = e.what();
    }
    o.answeredIn = phase_.load();
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.push_back(std::move(o));
  }

  std::atomic<Phase> phase_{Phase::Up};
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Observation> seen_;
  std::vector<std::thread> threads_;
};

std::string describe(const Observation& o) {
  return o.request + " sent " + name(o.sentIn) + ", answered " + name(o.answeredIn) + ": " + std::to_string(o.status) +
         " " + o.body;
}

bool hasJsonError(const std::string& body) {
  try {
    return !jsonField(body, "error").empty();
  } catch (const std::exception&) {
    return false;
  }
}

// The load must not run into the limits: every refusal here would be a 429, not the outage.
const char* kRoomyLimits = ", tiers: { free: { requests_per_day: 100000, requests_per_month: 100000 } }";

class PostgresOutage : public ::testing::TestWithParam<bool> {};  // the ratelimit fail_open switch

TEST_P(PostgresOutage, RequestsFailWith503AndRecoverWithoutAHostRestart) {
  PrivatePostgres pg;
  if (pg.url().empty()) GTEST_SKIP() << "no private PostgreSQL cluster could be made: " << pg.log();
  std::string failOpen = GetParam() ? "true" : "false";
  // Three threads may log in at once: enough hash slots and patience that a busy machine never
  // turns a login into "too many password checks" (503) after the recovery.
  HostProcess host(bundledPlugin("ratelimit", "{ fail_open: " + failOpen + kRoomyLimits + " }"),
                   "auth:\n  password_hash_concurrency: 4\n  password_hash_wait_ms: 10000\n", pg.url());
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = host.signup("load@example.com");
  ASSERT_EQ(host.get("/api/auth/me", token).status, 200);

  Load load(host, token, 3);
  ASSERT_TRUE(pollUntil([&] { return load.answeredWithin(Phase::Up) >= 15; })) << host.output();

  load.enter(Phase::Stopping);
  ASSERT_TRUE(pg.stop()) << pg.log();
  load.enter(Phase::Down);
  ASSERT_TRUE(pollUntil([&] { return load.answeredWithin(Phase::Down) >= 30; }, std::chrono::seconds(30)))
      << host.output();
  EXPECT_EQ(host.get("/healthz").status, 200) << "the process is alive while its database is not";
  auto ready = host.get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(jsonField(ready.body, "database"), "unreachable");

  load.enter(Phase::Recovering);
  ASSERT_TRUE(pg.start()) << pg.log();
  auto recoveryStarted = std::chrono::steady_clock::now();
  EXPECT_TRUE(pollUntil([&] { return host.get("/api/auth/me", token).status == 200; }, std::chrono::seconds(10)))
      << "the host did not recover without a restart\n" << host.output();
  auto recoverySeconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - recoveryStarted).count() /
      1000.0;
  load.enter(Phase::Recovered);
  ASSERT_TRUE(pollUntil([&] { return load.answeredWithin(Phase::Recovered) >= 30; }, std::chrono::seconds(30)))
      << host.output();
  load.finish();

  for (auto& o : load.observations()) {
    EXPECT_NE(o.status, 0) << "the host must stay up: " << describe(o);
    EXPECT_TRUE(o.status < 500 || o.status == 503) << "only 503 may signal the outage: " << describe(o);
    if (o.sentIn == Phase::Down && o.answeredIn == Phase::Down) {
      EXPECT_EQ(o.status, 503) << describe(o);
      EXPECT_TRUE(hasJsonError(o.body)) << describe(o);
    }
    if (o.sentIn == Phase::Recovered) EXPECT_EQ(o.status, 200) << describe(o);
  }
  // Recovered completely: ready again, and the rate limiter counts again (its prepared
  // per-thread connections were re-opened too).
  EXPECT_EQ(host.get("/readyz").status, 200);
  auto me = host.get("/api/auth/me", token);
  EXPECT_EQ(me.status, 200);
  EXPECT_FALSE(me.header("X-RateLimit-Remaining").empty()) << "requests are not being counted after the outage";
  std::string counted = scalar(host.databaseUrl(), "SELECT \"requestsToday\" FROM \"RateLimitTracker\"");
  EXPECT_EQ(host.get("/api/auth/me", token).status, 200);
  EXPECT_EQ(std::stoi(scalar(host.databaseUrl(), "SELECT \"requestsToday\" FROM \"RateLimitTracker\"")),
            std::stoi(counted) + 1);
  EXPECT_LT(recoverySeconds, 10.0);
  EXPECT_EQ(host.stop(), 0) << host.output();
}

INSTANTIATE_TEST_SUITE_P(FailOpen, PostgresOutage, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "FailOpen" : "FailClosed"; });

}  // namespace
