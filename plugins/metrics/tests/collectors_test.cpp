// The in-process collectors: request metrics, event counters, /proc parsing, subscription
// figures and the text exposition, without a running host.
#include "business_counters.hpp"
#include "backup_status.hpp"
#include "exposition.hpp"
#include "process_stats.hpp"
#include "request_metrics.hpp"
#include "scrape_gauges.hpp"
#include "subscription_figures.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

using namespace cc::metrics;

namespace {

// The value of one series in a text exposition ("name{labels} value"), or NaN when absent.
double valueOf(const std::string& text, const std::string& series) {
  std::size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      std::size_t start = at + series.size() + 1;
      return std::stod(text.substr(start, text.find('\n', start) - start));
    }
    at += series.size();
  }
  return std::nan("");
}

std::size_t seriesCount(const std::string& text, const std::string& name) {
  std::size_t n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) ++n;
  return n;
}

cc::Event event(const std::string& topic, const std::string& payloadJson) {
  return cc::Event{topic, cc::json::parseObject(payloadJson), "test"};
}

KnownLabels defaults() {
  return {{"startup_monthly", "enterprise_annual"}, {"free", "startup", "enterprise"}, {"card_declined"}};
}

}  // namespace

TEST(RequestMetrics, CountsByTemplateAndKeepsRawPathsOut) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry, {0.1, 1});
  metrics.observe("GET", "/api/users/:id", 200, 0.05);
  metrics.observe("GET", "/api/users/:id", 200, 2.0);
  for (int i = 0; i < 10000; ++i) metrics.observe("GET", "", 404, 0.001);  // 10,000 distinct raw paths
  metrics.observe("BREW", "", 405, 0.001);
  std::string text = renderExposition(registry, {});
  EXPECT_EQ(valueOf(text, R"(http_requests_total{method="GET",route="/api/users/:id",status="200"})"), 2);
  EXPECT_EQ(valueOf(text, R"(http_requests_total{method="GET",route="unmatched",status="404"})"), 10000);
  EXPECT_EQ(valueOf(text, R"(http_requests_total{method="OTHER",route="unmatched",status="405"})"), 1);
  EXPECT_EQ(seriesCount(text, "http_requests_total"), 3u);
  EXPECT_EQ(valueOf(text, R"(http_request_duration_seconds_bucket{method="GET",route="/api/users/:id",status="200",le="0.1"})"), 1);
  EXPECT_EQ(valueOf(text, R"(http_request_duration_seconds_bucket{method="GET",route="/api/users/:id",status="200",le="+Inf"})"), 2);
}

TEST(RequestMetrics, ExactUnderConcurrency) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) metrics.observe("GET", "/r/" + std::to_string(i % 4), 200 + t % 2, 0.01);
    });
  for (auto& t : threads) t.join();
  std::string text = renderExposition(registry, {});
  double total = 0;
  for (int r = 0; r < 4; ++r)
    for (int s : {200, 201})
      total += valueOf(text, "http_requests_total{method=\"GET\",route=\"/r/" + std::to_string(r) + "\",status=\"" +
                                 std::to_string(s) + "\"}");
  EXPECT_EQ(total, 8 * 5000);
}

TEST(BusinessCounters, KnownLabelSetsStartAtZero) {
  prometheus::Registry registry;
  BusinessCounters counters(registry, defaults());
  std::string text = renderExposition(registry, {});
  EXPECT_EQ(valueOf(text, R"(subscription_created_total{plan="startup_monthly"})"), 0);
  EXPECT_EQ(valueOf(text, "subscription_canceled_total"), 0);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_succeeded_total{amount_tier="1000_plus"})"), 0);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_failed_total{error_code="card_declined"})"), 0);
  EXPECT_EQ(valueOf(text, R"(analysis_run_total{tier="enterprise"})"), 0);
  EXPECT_EQ(valueOf(text, R"(rate_limit_exceeded_total{limit_type="monthly_analysis",tier="free"})"), 0);
  EXPECT_EQ(seriesCount(text, "rate_limit_exceeded_total"), 3u * 4u);
  EXPECT_EQ(valueOf(text, "user_signup_total"), 0);
}

TEST(BusinessCounters, EventsLandOnTheirLabels) {
  prometheus::Registry registry;
  BusinessCounters counters(registry, defaults());
  counters.handle(event("subscription_created", R"({"plan":"startup_monthly","userId":"u"})"));
  counters.handle(event("subscription_created", R"({"plan":"weird plan"})"));
  counters.handle(event("subscription_canceled", R"({"plan":"startup_monthly"})"));
  counters.handle(event("payment_succeeded", R"({"amount":149900,"currency":"usd"})"));
  counters.handle(event("payment_succeeded", R"({"amount":"4900"})"));
  counters.handle(event("payment_succeeded", R"({"amount":"lots"})"));
  counters.handle(event("payment_failed", R"({"errorCode":"card_declined"})"));
  counters.handle(event("payment_failed", R"({"errorCode":"do_not_honor"})"));
  counters.handle(event("payment_failed", R"({})"));
  counters.handle(event("analysis_completed", R"({"tier":"startup"})"));
  counters.handle(event("analysis_failed", R"({"tier":"startup"})"));
  counters.handle(event("rate_limit_exceeded", R"({"tier":"free","limitType":"daily_requests"})"));
  // A number where text belongs is read as its text ("7"): an unknown tier, so "other".
  counters.handle(event("rate_limit_exceeded", R"({"tier":7,"limitType":"hourly"})"));
  counters.handle(event("user_signup", R"({"userId":"u"})"));
  counters.handle(event("something_else", R"({"tier":"x"})"));
  std::string text = renderExposition(registry, {});
  EXPECT_EQ(valueOf(text, R"(subscription_created_total{plan="startup_monthly"})"), 1);
  EXPECT_EQ(valueOf(text, R"(subscription_created_total{plan="other"})"), 1);
  EXPECT_EQ(valueOf(text, "subscription_canceled_total"), 1);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_succeeded_total{amount_tier="1000_plus"})"), 1);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_succeeded_total{amount_tier="under_100"})"), 1);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_succeeded_total{amount_tier="unknown"})"), 1);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_failed_total{error_code="card_declined"})"), 1);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_failed_total{error_code="other"})"), 1);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_failed_total{error_code="unknown"})"), 1);
  EXPECT_EQ(valueOf(text, R"(analysis_run_total{tier="startup"})"), 2);
  EXPECT_EQ(valueOf(text, R"(analysis_failed_total{tier="startup"})"), 1);
  EXPECT_EQ(valueOf(text, R"(rate_limit_exceeded_total{limit_type="daily_requests",tier="free"})"), 1);
  EXPECT_EQ(valueOf(text, R"(rate_limit_exceeded_total{limit_type="other",tier="other"})"), 1);
  EXPECT_EQ(valueOf(text, "user_signup_total"), 1);
}

TEST(BusinessCounters, ReconcileStopsAreCountedByKnownReason) {
  prometheus::Registry registry;
  BusinessCounters counters(registry, defaults());
  std::string before = renderExposition(registry, {});
  for (auto reason : {"wrong_mode", "wrong_account", "account_unverified", "too_many_missing"})
    EXPECT_EQ(valueOf(before, std::string("billing_reconcile_stopped_total{reason=\"") + reason + "\"}"), 0) << reason;
  counters.handle(event("billing_reconcile_stopped", R"({"reason":"wrong_account","accountId":"acct_1"})"));
  counters.handle(event("billing_reconcile_stopped", R"({"reason":"too_many_missing","missing":3})"));
  counters.handle(event("billing_reconcile_stopped", R"({"reason":"sk_live_pasted_here"})"));
  std::string text = renderExposition(registry, {});
  EXPECT_EQ(valueOf(text, R"(billing_reconcile_stopped_total{reason="wrong_account"})"), 1);
  EXPECT_EQ(valueOf(text, R"(billing_reconcile_stopped_total{reason="too_many_missing"})"), 1);
  EXPECT_EQ(valueOf(text, R"(billing_reconcile_stopped_total{reason="other"})"), 1) << "no series per value";
  EXPECT_EQ(text.find("sk_live_pasted_here"), std::string::npos);
}

TEST(BusinessCounters, ExactUnderConcurrency) {
  prometheus::Registry registry;
  BusinessCounters counters(registry, defaults());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        counters.handle(event("payment_failed", R"({"errorCode":"card_declined"})"));
        counters.handle(event("payment_failed", R"({"errorCode":"never_seen_before"})"));
      }
    });
  for (auto& t : threads) t.join();
  std::string text = renderExposition(registry, {});
  EXPECT_EQ(valueOf(text, R"(stripe_payment_failed_total{error_code="card_declined"})"), 16000);
  EXPECT_EQ(valueOf(text, R"(stripe_payment_failed_total{error_code="other"})"), 16000);
}

TEST(ProcessStats, ParsesProcSelfStat) {
  // A comm with a space and a parenthesis, as the kernel allows.
  std::string stat =
      "4242 (code (council) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 12345 104857600 2560 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  auto s = parseProcSelfStat(stat, 100, 4096, 1700000000);
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->cpuSeconds, 3.0);                  // (250 + 50) / 100
  EXPECT_DOUBLE_EQ(s->startTimeSeconds, 1700000123.45);  // btime + 12345 / 100
  EXPECT_DOUBLE_EQ(s->virtualBytes, 104857600);
  EXPECT_DOUBLE_EQ(s->residentBytes, 2560.0 * 4096);
  EXPECT_FALSE(parseProcSelfStat("garbage", 100, 4096, 0).has_value());
  EXPECT_FALSE(parseProcSelfStat("1 (x) S 1 2", 100, 4096, 0).has_value());
}

TEST(ProcessStats, ParsesBootTimeAndFdLimit) {
  EXPECT_EQ(parseBootTime("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n"), 1700000000);
  EXPECT_FALSE(parseBootTime("cpu 1\n").has_value());
  std::string limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max open files            1024                 524288               files     \n";
  EXPECT_EQ(parseMaxOpenFiles(limits), 1024);
  EXPECT_FALSE(parseMaxOpenFiles("Max open files            unlimited            unlimited            files\n"));
}

TEST(ProcessStats, ReadsThisProcess) {
  auto s = readProcessStats();
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->residentBytes, 1024 * 1024);
  EXPECT_GT(s->openFds, 2);
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(s->startTimeSeconds, now + 1);
  EXPECT_GT(s->startTimeSeconds, now - 3600);
}

TEST(SubscriptionFigures, MrrIsSplitByAmountTierAndAddsUpToBillingsTotal) {
  std::vector<cc::billing::Plan> plans{{"startup_monthly", "", "", "startup", 4900, "usd", "month", 300},
                                       {"startup_annual", "", "", "startup", 49900, "usd", "year", 350},
                                       {"enterprise_annual", "", "", "enterprise", 149900, "usd", "year", 1200}};
  cc::billing::SubscriptionStats stats;
  stats.active = 4;
  stats.byPlan = {{"startup_monthly", 2}, {"startup_annual", 1}, {"enterprise_annual", 1}};
  stats.mrrCents = 2 * 4900 + 49900 / 12 + 149900 / 12;  // what billing reports (integer cents)
  auto s = snapshotFrom(plans, stats);
  EXPECT_EQ(s.active, 4);
  double sum = 0;
  for (auto& [tier, cents] : s.mrrCentsByAmountTier) sum += cents;
  EXPECT_NEAR(sum, static_cast<double>(stats.mrrCents), 1e-6);
  EXPECT_EQ(s.mrrCentsByAmountTier.count("under_100"), 1u);
  EXPECT_EQ(s.mrrCentsByAmountTier.count("100_to_999"), 1u);
  EXPECT_NEAR(s.mrrCentsByAmountTier["under_100"], 9800, 1);
  EXPECT_NEAR(s.mrrCentsByAmountTier["100_to_999"], 49900 / 12.0, 1);
  EXPECT_NEAR(s.mrrCentsByAmountTier["1000_plus"], 149900 / 12.0, 1);
}

TEST(SubscriptionFigures, MrrNoPlanExplainsIsUnknownAndEveryTierIsPresent) {
  cc::billing::SubscriptionStats stats;
  stats.active = 1;
  stats.mrrCents = 1234;
  stats.byPlan = {{"legacy_plan", 1}};
  auto s = snapshotFrom({}, stats);
  EXPECT_EQ(s.mrrCentsByAmountTier["unknown"], 1234);
  for (auto& tier : kAmountTiers) EXPECT_EQ(s.mrrCentsByAmountTier.count(tier), 1u) << tier;
  auto empty = snapshotFrom({}, {});
  EXPECT_EQ(empty.mrrCentsByAmountTier.size(), kAmountTiers.size());
}

TEST(BackupTime, IsoRoundTrip) {
  EXPECT_EQ(isoOf(1736906400.123), "2025-01-15T02:00:00.123Z");
  EXPECT_NEAR(*unixSecondsOf("2025-01-15T02:00:00.123Z"), 1736906400.123, 1e-6);
  EXPECT_NEAR(*unixSecondsOf("2025-01-15T02:00:00Z"), 1736906400, 1e-6);
  EXPECT_FALSE(unixSecondsOf("yesterday").has_value());
  EXPECT_FALSE(unixSecondsOf("2025-02-30T02:00:00.000Z").has_value());
  EXPECT_FALSE(unixSecondsOf("2025-01-15T02:00:00.000").has_value());
}

TEST(ScrapeGauges, BuildInfoProcessAndOptionalFamilies) {
  SubscriptionFigures subs;
  ScrapeSources sources{nullptr, "9.9.9", &subs, nullptr, {}};
  prometheus::Registry empty;
  std::string text = renderExposition(empty, collectScrapeGauges(sources));
  EXPECT_EQ(valueOf(text, R"(build_info{version="9.9.9"})"), 1);
  EXPECT_GT(valueOf(text, "process_resident_memory_bytes"), 0);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos) << text;
  EXPECT_EQ(text.find("subscriptions_active"), std::string::npos) << "no billing, no figure";
  EXPECT_EQ(text.find("event_handler_failures_total"), std::string::npos) << "no source, no figure";
  sources.eventHandlerFailures = [] { return std::uint64_t{7}; };
  text = renderExposition(empty, collectScrapeGauges(sources));
  EXPECT_EQ(valueOf(text, "event_handler_failures_total"), 7);
  EXPECT_NE(text.find("# TYPE event_handler_failures_total counter"), std::string::npos) << text;
  subs.set(SubscriptionSnapshot{3, {{"under_100", 4900}}});
  text = renderExposition(empty, collectScrapeGauges(sources));
  EXPECT_EQ(valueOf(text, "subscriptions_active"), 3);
  EXPECT_EQ(valueOf(text, R"(subscription_mrr_amount{amount_tier="under_100"})"), 4900);
}

TEST(Exposition, BearerCheck) {
  EXPECT_TRUE(bearerMatches("Bearer abc", "abc"));
  EXPECT_TRUE(bearerMatches("bearer abc", "abc"));
  EXPECT_FALSE(bearerMatches("Bearer abd", "abc"));
  EXPECT_FALSE(bearerMatches("Bearer ab", "abc"));
  EXPECT_FALSE(bearerMatches("Bearer abcd", "abc"));
  EXPECT_FALSE(bearerMatches("Basic abc", "abc"));
  EXPECT_FALSE(bearerMatches("", "abc"));
  EXPECT_FALSE(bearerMatches("Bearer ", ""));
}
