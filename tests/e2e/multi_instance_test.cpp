// Several instances, no load balancer: two real host processes share one database
// (PostgreSQL, and the same scenario on one SQLite file). Requests alternate between them
// (request i goes to host i % 2) and the test shows that rate limits, credits, scheduled
// jobs and Stripe webhooks behave as if there were one host: shared counters, single
// execution of each job slot, each webhook event applied and published exactly once.
#include "support/billing_host.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

using namespace cc::billing::test;
using cc::test::HostProcess;
using cc::test::HttpResult;
using cc::test::jsonField;

namespace {

/// A startup_monthly subscription of `user` and its first invoice, ids derived from `tag`.
std::pair<SubscriptionFixture, InvoiceFixture> firstSubscriptionOf(const std::string& user, const std::string& tag) {
  SubscriptionFixture sub;
  sub.id = "sub_" + tag;
  sub.customer = "cus_" + tag;
  sub.itemId = "si_" + tag;
  sub.userId = user;
  InvoiceFixture invoice;
  invoice.id = "in_" + tag;
  invoice.customer = sub.customer;
  invoice.subscription = sub.id;
  invoice.billingReason = "subscription_create";
  return {sub, invoice};
}

constexpr int kDailyRequests = 30;      // the free tier's requests/day in this cluster
constexpr int kCreditsPerMonth = 12;    // what a startup_monthly invoice grants here

// Free users get few requests a day (the shared limit under test) but unlimited analysis
// runs, so the credit test is decided by credits alone; startup users are practically unlimited.
std::string ratelimitConfig() {
  std::string big = "100000";
  return "{ fail_open: false, tiers: { free: { requests_per_day: " + std::to_string(kDailyRequests) +
         ", requests_per_month: " + big + ", analysis_runs_per_day: " + big + ", analysis_runs_per_month: " + big +
         " }, startup: { requests_per_day: " + big + ", requests_per_month: " + big +
         ", analysis_runs_per_day: " + big + ", analysis_runs_per_month: " + big + " } } }";
}

// tp_echo's job writes one row per run into tp_job_effects: the observable side effect.
std::string echoJobPlugin() {
  return "  - name: tp_echo\n    path: " + cc::test::testPluginDir() + "/libcc_tp_echo.so\n    migrations: " +
         cc::test::sourceDir() + "/tests/plugins/tp_echo/migrations\n    config: { job_seconds: 1 }\n";
}

std::string clusterPlugins(const FakeStripeServer& stripe) {
  using cc::test::bundledPlugin;
  return bundledPlugin("billing", billingConfig(stripe, ", plans: { startup_monthly: { credits_per_month: " +
                                                            std::to_string(kCreditsPerMonth) + " } }")) +
         bundledPlugin("ratelimit", ratelimitConfig()) + bundledPlugin("audit", "{}") +
         bundledPlugin("analysis", "{ analyzer: builtin, credits_per_run: 1, recovery_interval_seconds: 1 }") +
         echoJobPlugin();
}

// Two hosts on one database, plus the fake Stripe and the SMTP server both talk to.
struct Cluster {
  FakeStripeServer stripe;
  cc::test::FakeSmtpServer smtp;
  std::string url;
  std::vector<std::unique_ptr<HostProcess>> hosts;
};

// Runs `call(i, host i % 2)` for i in [0, n) on n threads released at the same moment, so the
// requests really overlap on both hosts.
template <typename Result>
std::vector<Result> concurrently(const std::vector<HostProcess*>& hosts, int n,
                                 const std::function<Result(int, const HostProcess&)>& call) {
  std::vector<Result> results(static_cast<std::size_t>(n));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[static_cast<std::size_t>(i)] = call(i, *hosts[static_cast<std::size_t>(i) % hosts.size()]);
    });
  go = true;
  for (auto& t : threads) t.join();
  return results;
}

int headerInt(const HttpResult& r, const std::string& name) {
  std::string v = r.header(name);
  return v.empty() ? -1 : std::stoi(v);
}

class MultiInstance : public ::testing::TestWithParam<std::string> {
 protected:
  static std::map<std::string, std::unique_ptr<Cluster>>& clusters() {
    static std::map<std::string, std::unique_ptr<Cluster>> m;
    return m;
  }
  // All hosts stop at once (each waits out its own shutdown), and each must stop cleanly.
  static void TearDownTestSuite() {
    std::vector<std::thread> stoppers;
    for (auto& [backend, c] : clusters())
      if (c)
        for (auto& h : c->hosts)
          stoppers.emplace_back([host = h.get()] { EXPECT_EQ(host->stop(), 0) << host->output(); });
    for (auto& t : stoppers) t.join();
    clusters().clear();
  }

  // One cluster per backend, shared by the tests of that backend in this process (each test
  // uses its own users, subscriptions and events; ctest runs each test in its own process).
  void SetUp() override {
    backend = GetParam();
    auto& cluster = clusters()[backend];
    if (!cluster) {
      auto c = std::make_unique<Cluster>();
      if (backend == "postgresql") {
        if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
        c->url = cc::test::createPostgresDatabase("cc_multi");
      } else {
        sqliteDir = std::make_unique<cc::test::TempDir>();
        c->url = "sqlite://" + (sqliteDir->path() / "shared.db").string();
      }
      for (int i = 0; i < 2; ++i) {
        c->hosts.push_back(std::make_unique<HostProcess>(clusterPlugins(c->stripe), mailYaml(&c->smtp), c->url));
        // Started one after the other: the second finds the migrations already applied.
        ASSERT_TRUE(c->hosts.back()->start()) << c->hosts.back()->output();
      }
      cluster = std::move(c);
    }
    url = cluster->url;
    for (auto& h : cluster->hosts) hosts.push_back(h.get());
    smtp = &cluster->smtp;
  }

  /// Host for the i-th request: the alternation is the point of these tests.
  HostProcess& host(int i) const { return *hosts[static_cast<std::size_t>(i) % 2]; }

  std::string value(const std::string& sql) const {
    auto rows = cc::test::queryStrings(url, sql);
    return rows.empty() ? "" : rows.front();
  }
  int count(const std::string& sql) const { return std::stoi(value("SELECT COUNT(*) FROM (" + sql + ") AS q")); }
  std::string email(const std::string& who) const { return who + "-" + backend + "@example.com"; }
  /// The user's id read from the database: asking /api/auth/me would count as a request.
  std::string userIdOf(const std::string& mail) const {
    return value("SELECT id FROM \"User\" WHERE email = '" + mail + "'");
  }
  int mailsTo(const std::string& recipient) const {
    int n = 0;
    for (auto& m : smtp->messages()) n += std::count(m.recipients.begin(), m.recipients.end(), recipient) > 0;
    return n;
  }
  HttpResult webhook(const HostProcess& h, const std::string& payload) const {
    return cc::test::http(h.port(), "POST", "/api/billing/stripe/webhook", payload,
                          {{"Stripe-Signature", signatureHeader(payload, kWebhookSecret, nowUnix())}});
  }

  /// An active startup_monthly subscription and its paid first invoice, delivered to host 0.
  void subscribeToStartup(const std::string& user, const std::string& tag) {
    auto [sub, invoice] = firstSubscriptionOf(user, tag);
    std::int64_t t = nowUnix();
    auto created = webhook(host(0), subscriptionEvent("evt_sub_" + tag, "customer.subscription.created", t, sub));
    ASSERT_EQ(created.status, 200) << created.body;
    auto paid = webhook(host(0), invoiceEvent("evt_paid_" + tag, "invoice.paid", t + 1, invoice));
    ASSERT_EQ(paid.status, 200) << paid.body;
  }

  static inline std::unique_ptr<cc::test::TempDir> sqliteDir;  // holds the shared SQLite file
  std::string backend, url;
  std::vector<HostProcess*> hosts;
  const cc::test::FakeSmtpServer* smtp = nullptr;
};

// A small, valid C++ file: the builtin analyzer completes it in microseconds.
HttpResult analyze(const HostProcess& h, const std::string& token) {
  return cc::test::http(h.port(), "POST", "/api/gemini/analyze",
                        R"({"code":"int main() {\n  return 0;\n}\n","language":"cpp"})",
                        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
}

}  // namespace

TEST_P(MultiInstance, RateLimitIsSharedAcrossHosts) {
  std::string mail = email("limited");
  std::string token = host(0).signup(mail);
  std::string user = userIdOf(mail);
  ASSERT_FALSE(user.empty());

  // Sequential, alternating: every answer continues the other host's count.
  const int sequential = 20;
  for (int i = 0; i < sequential; ++i) {
    auto r = host(i).get("/api/auth/me", token);
    ASSERT_EQ(r.status, 200) << "request " << i << " on host " << i % 2 << ": " << r.body;
    EXPECT_EQ(headerInt(r, "X-RateLimit-Limit"), kDailyRequests);
    EXPECT_EQ(headerInt(r, "X-RateLimit-Remaining"), kDailyRequests - 1 - i) << "request " << i << " on host " << i % 2;
  }

  // Concurrent, split over both hosts: exactly the rest of the quota gets through, and each
  // admitted request saw a different remaining count (one shared counter, no lost update).
  auto results = concurrently<HttpResult>(hosts, 40, [&](int, const HostProcess& h) {
    try {
      return h.get("/api/auth/me", token);
    } catch (const std::exception& e) {
      return HttpResult{-1, e.what(), {}};
    }
  });
  int admitted = 0, refused = 0;
  std::vector<int> remainingSeen;
  for (auto& r : results) {
    if (r.status == 200) {
      ++admitted;
      remainingSeen.push_back(headerInt(r, "X-RateLimit-Remaining"));
    } else if (r.status == 429) {
      ++refused;
      EXPECT_EQ(headerInt(r, "X-RateLimit-Remaining"), 0);
      EXPECT_GT(headerInt(r, "Retry-After"), 0);
    } else {
      ADD_FAILURE() << "unexpected answer " << r.status << ": " << r.body;
    }
  }
  EXPECT_EQ(admitted, kDailyRequests - sequential);
  EXPECT_EQ(refused, 40 - (kDailyRequests - sequential));
  std::sort(remainingSeen.begin(), remainingSeen.end());
  std::vector<int> expected;
  for (int left = 0; left < kDailyRequests - sequential; ++left) expected.push_back(left);
  EXPECT_EQ(remainingSeen, expected);

  EXPECT_EQ(value("SELECT \"requestsToday\" FROM \"RateLimitTracker\" WHERE \"userId\" = '" + user + "'"),
            std::to_string(kDailyRequests));
  // Both hosts refuse the next request and report the same usage.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(host(i).get("/api/auth/me", token).status, 429) << "host " << i;
    auto usage = host(i).get("/api/rate-limit/usage", token);
    ASSERT_EQ(usage.status, 200) << usage.body;
    EXPECT_EQ(jsonField(usage.body, "tier"), "free");
    EXPECT_EQ(jsonField(usage.body, "requests"), std::to_string(kDailyRequests)) << "host " << i;
    EXPECT_EQ(jsonField(usage.body, "requestsRemaining"), "0") << "host " << i;
    EXPECT_EQ(jsonField(usage.body, "used.requestsToday"), std::to_string(kDailyRequests)) << "host " << i;
  }
  // The refused requests above counted nowhere.
  EXPECT_EQ(value("SELECT \"requestsToday\" FROM \"RateLimitTracker\" WHERE \"userId\" = '" + user + "'"),
            std::to_string(kDailyRequests));
}

TEST_P(MultiInstance, CreditsAreSpentExactlyOnceAcrossHosts) {
  std::string mail = email("spender");
  std::string token = host(0).signup(mail);
  std::string user = userIdOf(mail);
  ASSERT_NO_FATAL_FAILURE(subscribeToStartup(user, "spend_" + backend));
  ASSERT_EQ(value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + user + "'"),
            std::to_string(kCreditsPerMonth));

  // Twice as many runs as credits, at once, on both hosts.
  auto statuses = concurrently<int>(hosts, 2 * kCreditsPerMonth, [&](int, const HostProcess& h) {
    try {
      return analyze(h, token).status;
    } catch (const std::exception&) {
      return -1;
    }
  });
  std::map<int, int> byStatus;
  for (int s : statuses) ++byStatus[s];
  EXPECT_EQ(byStatus[201], kCreditsPerMonth);
  EXPECT_EQ(byStatus[402], kCreditsPerMonth);
  EXPECT_EQ(byStatus.size(), 2u) << "only 201 and 402 expected";

  std::string who = "\"userId\" = '" + user + "'";
  EXPECT_EQ(value("SELECT balance FROM \"CreditBalance\" WHERE " + who), "0");
  EXPECT_EQ(value("SELECT SUM(amount) FROM \"Transaction\" WHERE " + who), "0");
  EXPECT_EQ(count("SELECT 1 FROM \"Transaction\" WHERE type = 'debit' AND " + who), kCreditsPerMonth);
  EXPECT_EQ(count("SELECT 1 FROM \"Transaction\" WHERE \"balanceAfter\" < 0 AND " + who), 0);
  EXPECT_EQ(count("SELECT 1 FROM \"Analysis\" WHERE status = 'completed' AND " + who), kCreditsPerMonth);
  EXPECT_EQ(count("SELECT 1 FROM \"Analysis\" WHERE " + who), kCreditsPerMonth) << "a refused run left a row";
  for (int i = 0; i < 2; ++i) {
    auto current = host(i).get("/api/subscriptions/current", token);
    ASSERT_EQ(current.status, 200) << current.body;
    EXPECT_EQ(jsonField(current.body, "credits"), "0") << "host " << i;
  }
}

TEST_P(MultiInstance, WebhooksDeliveredToBothHostsApplyOnce) {
  std::string mail = email("subscriber");
  std::string token = host(0).signup(mail);
  std::string user = userIdOf(mail);
  std::string tag = "hook_" + backend;
  auto [sub, invoice] = firstSubscriptionOf(user, tag);
  std::int64_t t = nowUnix();
  std::vector<std::string> events = {
      rawEvent("evt_checkout_" + tag, "checkout.session.completed", t,
               R"({"id":"cs_)" + tag + R"(","object":"checkout.session","mode":"subscription","customer":")" +
                   sub.customer + R"(","subscription":")" + sub.id + R"(","client_reference_id":")" + user + "\"}"),
      subscriptionEvent("evt_sub_" + tag, "customer.subscription.created", t + 1, sub),
      invoiceEvent("evt_paid_" + tag, "invoice.paid", t + 2, invoice),
  };

  // Each event in Stripe's order, but eight copies at once, four to each host: one applies.
  for (auto& payload : events) {
    auto answers = concurrently<HttpResult>(hosts, 8, [&](int, const HostProcess& h) { return webhook(h, payload); });
    int applied = 0;
    for (auto& r : answers) {
      ASSERT_EQ(r.status, 200) << r.body;
      std::string outcome = jsonField(r.body, "outcome");
      if (outcome == "applied") ++applied;
      else EXPECT_EQ(outcome, "duplicate");
    }
    EXPECT_EQ(applied, 1) << payload;
  }
  // Then all three again, mixed and alternating: nothing applies any more.
  auto again = concurrently<HttpResult>(hosts, 12, [&](int i, const HostProcess& h) {
    return webhook(h, events[static_cast<std::size_t>(i / 2) % events.size()]);
  });
  for (auto& r : again) {
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(jsonField(r.body, "outcome"), "duplicate");
  }

  std::string who = "\"userId\" = '" + user + "'";
  EXPECT_EQ(count("SELECT 1 FROM stripe_events WHERE id LIKE 'evt_%" + tag + "' AND outcome = 'applied'"), 3);
  EXPECT_EQ(count("SELECT 1 FROM \"StripeCustomer\" WHERE " + who), 1);
  EXPECT_EQ(count("SELECT 1 FROM \"Subscription\" WHERE " + who), 1);
  EXPECT_EQ(value("SELECT status FROM \"Subscription\" WHERE id = '" + sub.id + "'"), "active");
  EXPECT_EQ(value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"), "startup");
  EXPECT_EQ(count("SELECT 1 FROM \"Transaction\" WHERE " + who), 1);
  EXPECT_EQ(value("SELECT amount FROM \"Transaction\" WHERE reference = 'invoice:" + invoice.id + "'"),
            std::to_string(kCreditsPerMonth));
  EXPECT_EQ(value("SELECT balance FROM \"CreditBalance\" WHERE " + who), std::to_string(kCreditsPerMonth));
  EXPECT_EQ(count("SELECT 1 FROM mail_outbox WHERE \"dedupeKey\" = 'stripe:evt_sub_" + tag + "'"), 1);
  EXPECT_EQ(count("SELECT 1 FROM mail_outbox WHERE \"dedupeKey\" = 'stripe:evt_paid_" + tag + "'"), 1);

  // Published once: each host's audit writer appends in queue order, so once a signup made on
  // each host after the deliveries is in the log, every event those hosts published is too.
  for (int i = 0; i < 2; ++i) {
    std::string sentinel = email("audit-sentinel-" + std::to_string(i) + "-" + tag);
    host(i).signup(sentinel);
    std::string sentinelId = userIdOf(sentinel);
    EXPECT_TRUE(waitUntil([&] {
      return count("SELECT 1 FROM \"AuditLog\" WHERE action = 'user_signup' AND \"userId\" = '" + sentinelId + "'") == 1;
    })) << "host " << i << " never wrote its audit entries";
  }
  auto audited = [&](const std::string& action, const std::string& resourceId) {
    return count("SELECT 1 FROM \"AuditLog\" WHERE action = '" + action + "' AND \"resourceId\" = '" + resourceId + "'");
  };
  EXPECT_EQ(audited("subscription_created", sub.id), 1);
  EXPECT_EQ(audited("payment_succeeded", invoice.id), 1);
  EXPECT_EQ(audited("credits_granted", "invoice:" + invoice.id), 1);
  // Two writers appended to one hash chain; it still verifies.
  auto verify = cc::test::runHost({"--config", host(0).configPath(), "audit", "verify"});
  EXPECT_EQ(verify.exitCode, 0) << verify.output;
  EXPECT_NE(verify.output.find("the chain is intact"), std::string::npos) << verify.output;

  // Both hosts run the mail outbox on the shared table: each of the two mails is sent once.
  EXPECT_TRUE(waitUntil([&] {
    return count("SELECT 1 FROM mail_outbox WHERE status = 'sent' AND recipient = '" + mail + "'") == 2;
  })) << "the subscriber's mails were not sent";
  EXPECT_EQ(mailsTo(mail), 2);
}

TEST_P(MultiInstance, RacingEventsOfOneSubscriptionConvergeToTheNewest) {
  std::string mail = email("racer");
  host(0).signup(mail);
  std::string user = userIdOf(mail);
  std::string tag = "race_" + backend;
  SubscriptionFixture sub;
  sub.id = "sub_" + tag;
  sub.customer = "cus_" + tag;
  sub.itemId = "si_" + tag;
  sub.userId = user;
  std::int64_t t = nowUnix();
  sub.status = "incomplete";
  std::string created = subscriptionEvent("evt_created_" + tag, "customer.subscription.created", t, sub);
  sub.status = "active";
  std::string updated = subscriptionEvent("evt_updated_" + tag, "customer.subscription.updated", t + 5, sub);

  // Both events, four copies each, all at once over both hosts: whichever commits first, the
  // row ends with the newer event's state and each event is recorded once.
  auto answers = concurrently<HttpResult>(hosts, 8, [&](int i, const HostProcess& h) {
    return webhook(h, i < 4 ? created : updated);
  });
  std::map<std::string, int> outcomes;
  for (auto& r : answers) {
    ASSERT_EQ(r.status, 200) << r.body;
    ++outcomes[jsonField(r.body, "outcome")];
  }
  EXPECT_EQ(outcomes["duplicate"], 6);
  EXPECT_EQ(outcomes["applied"] + outcomes["stale"], 2);
  EXPECT_EQ(count("SELECT 1 FROM stripe_events WHERE id IN ('evt_created_" + tag + "', 'evt_updated_" + tag + "')"), 2);
  EXPECT_EQ(count("SELECT 1 FROM \"Subscription\" WHERE \"userId\" = '" + user + "'"), 1);
  EXPECT_EQ(value("SELECT status FROM \"Subscription\" WHERE id = '" + sub.id + "'"), "active");
  EXPECT_EQ(value("SELECT \"lastEventAt\" FROM \"Subscription\" WHERE id = '" + sub.id + "'"), std::to_string(t + 5));
  EXPECT_EQ(value("SELECT tier FROM \"User\" WHERE id = '" + user + "'"), "startup");
  EXPECT_EQ(count("SELECT 1 FROM \"StripeCustomer\" WHERE \"userId\" = '" + user + "'"), 1);
}

TEST_P(MultiInstance, EachJobSlotRunsOnceOnOneHost) {
  // The hosts have been up since the first test; wait until a few one-second slots finished.
  const std::string succeeded = "SELECT slot FROM scheduled_job_runs WHERE job = 'tp_echo.tick' AND status = 'succeeded'";
  ASSERT_TRUE(waitUntil([&] { return count(succeeded) >= 4; }, std::chrono::seconds(20)))
      << hosts[0]->output() << hosts[1]->output();

  // A run writes its effect before it records success, and claims before it runs, so for a
  // snapshot of finished slots: exactly one effect each, written by the instance that claimed it.
  auto finished = cc::test::queryStrings(url, succeeded);
  for (auto& slot : finished) {
    auto writers = cc::test::queryStrings(url, "SELECT instance FROM tp_job_effects WHERE slot = '" + slot + "'");
    ASSERT_EQ(writers.size(), 1u) << "slot " << slot << " ran " << writers.size() << " times";
    EXPECT_EQ(writers[0], value("SELECT \"instanceId\" FROM scheduled_job_runs WHERE job = 'tp_echo.tick' AND slot = '" +
                                slot + "'"))
        << "slot " << slot << " ran on a host that had not claimed it";
  }
  // No slot ran twice, finished or not, and every effect belongs to a claimed slot.
  EXPECT_EQ(count("SELECT slot FROM tp_job_effects GROUP BY slot HAVING COUNT(*) > 1"), 0);
  EXPECT_EQ(count("SELECT slot FROM tp_job_effects WHERE slot NOT IN (SELECT slot FROM scheduled_job_runs "
                  "WHERE job = 'tp_echo.tick')"),
            0);
  // The bundled jobs that ran (billing.annual_credits, analysis.recover_stale_runs, every
  // second here) have one run per slot too, by one of the two hosts, and none failed.
  EXPECT_GT(count("SELECT 1 FROM scheduled_job_runs WHERE job = 'billing.annual_credits'"), 0);
  EXPECT_EQ(count("SELECT job, slot FROM scheduled_job_runs GROUP BY job, slot HAVING COUNT(*) > 1"), 0);
  EXPECT_EQ(count("SELECT 1 FROM scheduled_job_runs WHERE status = 'failed'"), 0)
      << value("SELECT job || ' ' || slot || ': ' || error FROM scheduled_job_runs WHERE status = 'failed'");
  EXPECT_LE(count("SELECT DISTINCT \"instanceId\" FROM scheduled_job_runs"), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, MultiInstance, ::testing::Values("postgresql", "sqlite"),
                         [](const auto& info) { return info.param; });
