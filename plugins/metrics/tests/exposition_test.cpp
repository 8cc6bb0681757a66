// The metrics plugin in the real host: /metrics content, request metrics by route template,
// bounded cardinality, event-fed counters (exact under concurrency), billing gauges, the
// last backup time across restarts and instances, the optional bearer token, and
// `promtool check metrics` on a live scrape. The important cases also run on PostgreSQL.
#include "metrics_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <vector>

using namespace cc::test;
using namespace metrics_test;

namespace {

// Runs `body` on SQLite, and on PostgreSQL when the test cluster is available.
void onEachEngine(const std::string& plugins, const std::function<void(HostProcess&)>& body,
                  const std::string& prefix, const std::string& extraYaml = "") {
  {
    SCOPED_TRACE("sqlite");
    HostProcess host(plugins, extraYaml);
    ASSERT_TRUE(host.start()) << host.output();
    body(host);
    EXPECT_EQ(host.stop(), 0) << host.output();
  }
  std::string pg = createPostgresDatabase(prefix);
  if (pg.empty()) return;
  SCOPED_TRACE("postgresql");
  HostProcess host(plugins, extraYaml, pg);
  ASSERT_TRUE(host.start()) << host.output();
  body(host);
  EXPECT_EQ(host.stop(), 0) << host.output();
}

}  // namespace

TEST(MetricsExposition, ServesEveryContractMetricAsPrometheusText) {
  HostProcess host(feederEntry() + metricsEntry());
  ASSERT_TRUE(host.start()) << host.output();
  host.post("/api/test/metrics/billing", R"({"active":2,"mrrCents":9800,"byPlan":{"startup_monthly":2}})");
  ASSERT_TRUE(waitUntil([&] { return valueOf(scrape(host), "subscriptions_active") == 2; }, std::chrono::seconds(5)))
      << scrape(host);
  const std::string healthz = R"(http_requests_total{method="GET",route="/healthz",status="200"})";
  double healthzBefore = valueOf(scrape(host), healthz);  // start() polled /healthz already
  host.get("/healthz");
  auto r = host.get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4");
  for (const char* type : {"http_request_duration_seconds histogram", "http_requests_total counter",
                           "subscription_created_total counter", "subscription_canceled_total counter",
                           "stripe_payment_succeeded_total counter", "stripe_payment_failed_total counter",
                           "analysis_run_total counter", "rate_limit_exceeded_total counter",
                           "db_connection_pool_used gauge", "db_connection_pool_available gauge",
                           "db_connection_pool_wait_seconds histogram", "db_connection_pool_wait_timeouts_total counter",
                           "login_throttled_total counter", "signup_throttled_total counter",
                           "subscriptions_active gauge", "subscription_mrr_amount gauge",
                           "process_cpu_seconds_total counter", "process_resident_memory_bytes gauge",
                           "process_start_time_seconds gauge", "process_open_fds gauge", "build_info gauge"})
    EXPECT_NE(r.body.find(std::string("# TYPE ") + type + "\n"), std::string::npos) << type << "\n" << r.body;
  // The latency SLO counts requests within 300 ms: 0.3 is a default bucket bound.
  EXPECT_NE(r.body.find(R"(route="/healthz",status="200",le="0.3"})"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("subscription_count"), std::string::npos) << "a gauge must not end in _count";
  EXPECT_EQ(valueOf(r.body, R"(build_info{version="0.1.0"})"), 1) << r.body;
  EXPECT_EQ(valueOf(r.body, healthz), healthzBefore + 1) << r.body;
  EXPECT_EQ(valueOf(r.body, R"(subscription_mrr_amount{amount_tier="under_100"})"), 9800) << r.body;
  EXPECT_EQ(valueOf(r.body, R"(subscription_mrr_amount{amount_tier="1000_plus"})"), 0) << r.body;
  EXPECT_GE(valueOf(r.body, "db_connection_pool_available"), 1) << r.body;
  double started = valueOf(r.body, "process_start_time_seconds");
  EXPECT_NEAR(started, static_cast<double>(std::time(nullptr)), 120) << r.body;
  EXPECT_EQ(host.get("/metrics").header("content-type"), "text/plain; version=0.0.4");
  // The route is GET only; HEAD is served by it, other methods are refused with JSON.
  auto post = host.post("/metrics", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(host.stop(), 0);
}

TEST(MetricsExposition, RequestsAreLabelledByRouteTemplateAndFinalStatus) {
  HostProcess host(echoEntry() + metricsEntry());
  ASSERT_TRUE(host.start()) << host.output();
  for (const char* word : {"alpha", "beta", "gamma"}) ASSERT_EQ(host.get(std::string("/api/test/echo/") + word).status, 200);
  EXPECT_EQ(host.get("/api/test/throw").status, 500);
  EXPECT_EQ(host.get("/api/auth/me").status, 401);  // access check runs inside the metrics layer
  EXPECT_EQ(host.get("/api/auth/me", "not-a-token").status, 401);
  EXPECT_EQ(host.get("/no/such/path").status, 404);
  EXPECT_EQ(http(host.port(), "BREW", "/coffee").status / 100, 4);
  std::string text = scrape(host);
  EXPECT_EQ(valueOf(text, R"(http_requests_total{method="GET",route="/api/test/echo/:word",status="200"})"), 3) << text;
  EXPECT_EQ(valueOf(text, R"(http_requests_total{method="GET",route="/api/test/throw",status="500"})"), 1) << text;
  EXPECT_EQ(valueOf(text, R"(http_requests_total{method="GET",route="/api/auth/me",status="401"})"), 2) << text;
  EXPECT_EQ(valueOf(text, R"(http_requests_total{method="GET",route="unmatched",status="404"})"), 1) << text;
  EXPECT_EQ(text.find("alpha"), std::string::npos) << "a raw path leaked into a label";
  EXPECT_EQ(text.find("/no/such/path"), std::string::npos);
  EXPECT_EQ(text.find("BREW"), std::string::npos);
  EXPECT_EQ(valueOf(text, R"(http_request_duration_seconds_count{method="GET",route="/api/test/echo/:word",status="200"})"), 3);
  EXPECT_EQ(host.stop(), 0);
}

TEST(MetricsExposition, TenThousandRandomPathsAddNoSeries) {
  HostProcess host(metricsEntry());
  ASSERT_TRUE(host.start()) << host.output();
  ASSERT_EQ(host.get("/warm/up").status, 404);
  ASSERT_EQ(host.post("/warm/up", "{}").status, 404);
  auto before = seriesKeys(scrape(host));
  std::atomic<int> notFound{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (int i = 0; i < 2500; ++i) {
        std::string path = "/api/x" + std::to_string(rng()) + "/" + std::to_string(i);
        if (http(host.port(), i % 2 ? "GET" : "POST", path, i % 2 ? "" : "{}").status == 404) ++notFound;
      }
    });
  for (auto& th : threads) th.join();
  ASSERT_EQ(notFound.load(), 10000);
  std::string text = scrape(host);
  auto after = seriesKeys(text);
  // /metrics itself was scraped once in between: its own series are the only new ones.
  std::set<std::string> added;
  for (auto& k : after)
    if (!before.count(k) && k.find("route=\"/metrics\"") == std::string::npos) added.insert(k);
  EXPECT_TRUE(added.empty()) << "new series: " << *added.begin();
  EXPECT_EQ(valueOf(text, R"(http_requests_total{method="GET",route="unmatched",status="404"})") +
                valueOf(text, R"(http_requests_total{method="POST",route="unmatched",status="404"})"),
            10002);
  EXPECT_EQ(host.stop(), 0);
}

TEST(MetricsExposition, EventCountersAreExactUnderConcurrency) {
  onEachEngine(feederEntry(false) + metricsEntry(), [](HostProcess& host) {
    // Real core events: concurrent signups, each one user_signup.
    std::vector<std::thread> threads;
    std::atomic<int> created{0};
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 6; ++i) {
          std::string body = R"({"email":"u)" + std::to_string(t) + "_" + std::to_string(i) +
                             R"(@example.com","password":"correct horse battery"})";
          if (host.post("/api/auth/signup", body).status == 201) ++created;
        }
      });
    // Published events from four threads at once.
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] { publish(host, "payment_failed", R"({"errorCode":"card_declined"})", 250); });
    for (auto& th : threads) th.join();
    EXPECT_EQ(created.load(), 24);
    std::string text = scrape(host);
    EXPECT_EQ(valueOf(text, "user_signup_total"), 24) << text;
    EXPECT_EQ(valueOf(text, R"(stripe_payment_failed_total{error_code="card_declined"})"), 1000) << text;
    EXPECT_EQ(host.post("/api/auth/login", R"({"email":"u0_0@example.com","password":"wrong password!"})").status, 401);
    EXPECT_EQ(valueOf(scrape(host), "login_failed_total"), 1);
  }, "metrics_events",
     // Four signups at once beside four busy publishers: enough password-hash slots and wait
     // that none is refused with 503 on a loaded machine (docs/configuration.md, auth).
     "auth:\n  password_hash_concurrency: 4\n  password_hash_wait_ms: 10000\n");
}

TEST(MetricsExposition, BusinessEventsLandOnBoundedLabels) {
  HostProcess host(feederEntry(false) + metricsEntry());
  ASSERT_TRUE(host.start()) << host.output();
  std::string before = scrape(host);
  EXPECT_EQ(valueOf(before, R"(subscription_created_total{plan="enterprise_annual"})"), 0) << before;
  EXPECT_EQ(valueOf(before, R"(rate_limit_exceeded_total{limit_type="daily_analysis",tier="startup"})"), 0);
  EXPECT_EQ(valueOf(before, R"(analysis_run_total{tier="free"})"), 0);
  EXPECT_EQ(valueOf(before, R"(stripe_payment_succeeded_total{amount_tier="100_to_999"})"), 0);
  publish(host, "subscription_created", R"({"plan":"enterprise_annual","subscriptionId":"sub_1","userId":"u"})");
  publish(host, "subscription_created", R"({"plan":"made_up_plan_1"})");
  publish(host, "subscription_created", R"({"plan":"made_up_plan_2"})");
  publish(host, "subscription_canceled", R"({"plan":"enterprise_annual","atPeriodEnd":true})");
  publish(host, "payment_succeeded", R"({"amount":14900,"currency":"usd","plan":"enterprise_monthly"})");
  publish(host, "payment_failed", R"({"amount":4900,"errorCode":"insufficient_funds"})");
  publish(host, "analysis_completed", R"({"tier":"enterprise","credits":5})");
  publish(host, "analysis_failed", R"({"tier":"enterprise","error":"timeout"})");
  publish(host, "rate_limit_exceeded", R"({"tier":"startup","limitType":"daily_analysis","limit":20})");
  std::string text = scrape(host);
  EXPECT_EQ(valueOf(text, R"(subscription_created_total{plan="enterprise_annual"})"), 1) << text;
  EXPECT_EQ(valueOf(text, R"(subscription_created_total{plan="other"})"), 2) << text;
  EXPECT_EQ(text.find("made_up_plan"), std::string::npos);
  EXPECT_EQ(valueOf(text, "subscription_canceled_total"), 1);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_succeeded_total{amount_tier="100_to_999"})"), 1);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_failed_total{error_code="insufficient_funds"})"), 1);
  EXPECT_EQ(valueOf(text, R"(analysis_run_total{tier="enterprise"})"), 2);
  EXPECT_EQ(valueOf(text, R"(analysis_failed_total{tier="enterprise"})"), 1);
  EXPECT_EQ(valueOf(text, R"(rate_limit_exceeded_total{limit_type="daily_analysis",tier="startup"})"), 1);
  EXPECT_EQ(host.stop(), 0);
}

TEST(MetricsExposition, SubscriptionGaugesFollowBillingAndVanishWhenItFails) {
  HostProcess host(feederEntry() + metricsEntry());
  ASSERT_TRUE(host.start()) << host.output();
  ASSERT_EQ(host.post("/api/test/metrics/billing",
                      R"({"active":3,"mrrCents":24291,"byPlan":{"startup_monthly":2,"enterprise_annual":1}})")
                .status,
            200);
  ASSERT_TRUE(waitUntil([&] { return valueOf(scrape(host), "subscriptions_active") == 3; }, std::chrono::seconds(5)));
  std::string text = scrape(host);
  double sum = 0;
  for (const char* tier : {"under_100", "100_to_999", "1000_plus"})
    sum += valueOf(text, std::string("subscription_mrr_amount{amount_tier=\"") + tier + "\"}");
  EXPECT_NEAR(sum, 24291, 1e-6) << text;
  EXPECT_GT(valueOf(text, R"(subscription_mrr_amount{amount_tier="1000_plus"})"), 0);
  EXPECT_EQ(valueOf(text, R"(subscription_mrr_amount{amount_tier="100_to_999"})"), 0);

  host.post("/api/test/metrics/billing", R"({"failing":true})");
  ASSERT_TRUE(waitUntil([&] { return scrape(host).find("subscriptions_active") == std::string::npos; },
                        std::chrono::seconds(5)))
      << scrape(host);
  EXPECT_GE(valueOf(scrape(host), R"(metrics_refresh_failures_total{source="billing"})"), 1);
  EXPECT_EQ(host.stop(), 0);

  HostProcess noBilling(metricsEntry());
  ASSERT_TRUE(noBilling.start()) << noBilling.output();
  text = scrape(noBilling);
  EXPECT_EQ(text.find("subscriptions_active"), std::string::npos) << "no billing plugin, no figure";
  EXPECT_NE(text.find("subscription_created_total"), std::string::npos);
  EXPECT_EQ(noBilling.stop(), 0);
}

TEST(MetricsExposition, LastBackupTimeSurvivesRestartsAndReachesOtherInstances) {
  auto check = [](const std::string& databaseUrl) {
    HostProcess first(feederEntry(false) + metricsEntry(), "", databaseUrl);
    ASSERT_TRUE(first.start()) << first.output();
    EXPECT_EQ(scrape(first).find("backup_last_success_timestamp_seconds"), std::string::npos)
        << "no backup plugin and no backup yet: no series";
    // A second instance on the same database, running at the same time.
    HostProcess second(metricsEntry(), "", first.databaseUrl());
    ASSERT_TRUE(second.start()) << second.output();
    double before = static_cast<double>(std::time(nullptr));
    publish(first, "backup_succeeded", R"({"file":"x.sql.gz","bytes":100,"durationSeconds":1,"engine":"sqlite"})");
    double at = valueOf(scrape(first), "backup_last_success_timestamp_seconds");
    EXPECT_GE(at, before - 1);
    EXPECT_LE(at, static_cast<double>(std::time(nullptr)) + 1);
    EXPECT_TRUE(waitUntil([&] { return valueOf(scrape(second), "backup_last_success_timestamp_seconds") == at; },
                          std::chrono::seconds(5)))
        << scrape(second);
    EXPECT_EQ(first.stop(), 0);
    EXPECT_EQ(second.stop(), 0);
    // A restarted instance reports the stored time from its first scrape.
    HostProcess restarted(metricsEntry(), "", first.databaseUrl());
    ASSERT_TRUE(restarted.start()) << restarted.output();
    EXPECT_EQ(valueOf(scrape(restarted), "backup_last_success_timestamp_seconds"), at);
    EXPECT_EQ(restarted.stop(), 0);
  };
  {
    SCOPED_TRACE("sqlite");
    TempDir dir;
    check("sqlite://" + (dir.path() / "shared.db").string());
  }
  std::string pg = createPostgresDatabase("metrics_backup");
  if (!pg.empty()) {
    SCOPED_TRACE("postgresql");
    check(pg);
  }
}

TEST(MetricsExposition, BearerTokenProtectsTheEndpointAndIsNeverLogged) {
  const std::string token = "metrics-token-0123456789abcdef";
  HostProcess host(metricsEntry("{ bearer_token: " + token + " }"));
  ASSERT_TRUE(host.start()) << host.output();
  auto none = host.get("/metrics");
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(jsonField(none.body, "error").find("token"), std::string::npos);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer");
  EXPECT_EQ(host.get("/metrics", "wrong-token").status, 401);
  auto ok = host.get("/metrics", token);
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("http_requests_total"), std::string::npos);
  EXPECT_EQ(valueOf(ok.body, R"(http_requests_total{method="GET",route="/metrics",status="401"})"), 2) << ok.body;
  EXPECT_EQ(host.stop(), 0);
  EXPECT_EQ(host.output().find(token), std::string::npos) << "the token was logged";
}

TEST(MetricsExposition, BadConfigIsRefusedWithEveryProblem) {
  HostProcess host(metricsEntry("{ latency_buckets: [2, 1], tiers: [Gold], surprise: 1 }"));
  auto r = runHost({"plugins", "--config", host.configPath()});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("latency_buckets[1]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(got 'Gold')"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown key 'surprise'"), std::string::npos) << r.output;
}

TEST(MetricsExposition, PromtoolAcceptsALiveScrape) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool is not installed";
  HostProcess host(echoEntry() + feederEntry() + metricsEntry());
  ASSERT_TRUE(host.start()) << host.output();
  host.post("/api/test/metrics/billing", R"({"active":1,"mrrCents":4900,"byPlan":{"startup_monthly":1}})");
  host.get("/api/test/echo/x");
  host.get("/api/test/throw");
  publish(host, "backup_succeeded", "{}");
  ASSERT_TRUE(waitUntil([&] { return valueOf(scrape(host), "subscriptions_active") == 1; }, std::chrono::seconds(5)));
  std::string file = (host.dir().path() / "scrape.txt").string();
  writeFile(file, scrape(host));
  std::string cmd = "promtool check metrics < " + file + " > " + file + ".out 2>&1";
  int rc = WEXITSTATUS(std::system(cmd.c_str()));
  std::string report = readFile(file + ".out");
  // Clean: no lint finding at all (3 would be findings, 1 a parse error). The guide's
  // subscription_count (a gauge ending in _count) is recorded by Prometheus, not exported.
  EXPECT_EQ(rc, 0) << "exit " << rc << "\n" << report << "\n" << readFile(file);
  EXPECT_EQ(report, "") << readFile(file);
  EXPECT_NE(readFile(file).find("# TYPE subscriptions_active gauge\n"), std::string::npos);
  EXPECT_EQ(readFile(file).find("subscription_count"), std::string::npos);
  EXPECT_EQ(host.stop(), 0);
}

// The bus counts every handler call that threw (docs/events.md); /metrics exports the count,
// exactly, while several threads publish at once.
TEST(MetricsExposition, CountsEventHandlerFailuresExactly) {
  HostProcess host(feederEntry(false) + metricsEntry());
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(valueOf(scrape(host), "event_handler_failures_total"), 0);
  // A handler of another topic does not throw: nothing counted.
  ASSERT_EQ(host.post("/api/test/metrics/publish", R"({"topic":"payment_succeeded","times":3})").status, 200);
  EXPECT_EQ(valueOf(scrape(host), "event_handler_failures_total"), 0);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        if (host.post("/api/test/metrics/publish", R"({"topic":"tp_metrics_feeder.handler_throws","times":3})")
                .status == 200)
          ++ok;
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(ok.load(), 40) << "the publisher never sees a handler's exception";
  std::string text = scrape(host);
  EXPECT_EQ(valueOf(text, "event_handler_failures_total"), 120) << text;
  EXPECT_NE(text.find("# TYPE event_handler_failures_total counter"), std::string::npos);
  EXPECT_TRUE(host.waitForOutput("tp_metrics_feeder handler fails on purpose")) << host.output();
  EXPECT_EQ(host.stop(), 0) << host.output();
}
