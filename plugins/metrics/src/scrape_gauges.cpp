#include "scrape_gauges.hpp"

#include "process_stats.hpp"

#include <prometheus/client_metric.h>

#include <limits>

namespace cc::metrics {
namespace {

prometheus::MetricFamily family(const std::string& name, const std::string& help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

prometheus::ClientMetric sample(double value, prometheus::MetricType type,
                                std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (type == prometheus::MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  return m;
}

void addSingle(std::vector<prometheus::MetricFamily>& out, const std::string& name, const std::string& help,
               prometheus::MetricType type, double value) {
  auto f = family(name, help, type);
  f.metric.push_back(sample(value, type));
  out.push_back(std::move(f));
}

// The pool's waits for a connection: a histogram of how long they took (_bucket, _sum, _count
// as Prometheus' histograms) and the ones that gave up after database.pool_timeout_ms.
void addPoolWaits(std::vector<prometheus::MetricFamily>& out, const cc::Database& db) {
  using T = prometheus::MetricType;
  const cc::PoolWaits waits = db.poolWaits();
  auto histogram = family("db_connection_pool_wait_seconds",
                          "Time requests queued for a pooled database connection (only those that found every "
                          "connection lent out; timed-out waits included)",
                          T::Histogram);
  prometheus::ClientMetric m;
  m.histogram.sample_count = waits.count;
  m.histogram.sample_sum = waits.sumSeconds;
  for (auto& [bound, within] : waits.buckets) m.histogram.bucket.push_back({within, bound});
  m.histogram.bucket.push_back({waits.count, std::numeric_limits<double>::infinity()});
  histogram.metric.push_back(std::move(m));
  out.push_back(std::move(histogram));
  addSingle(out, "db_connection_pool_wait_timeouts_total",
            "Waits for a pooled database connection that gave up after database.pool_timeout_ms (answered 503)",
            T::Counter, static_cast<double>(waits.timeouts));
}

void addProcess(std::vector<prometheus::MetricFamily>& out) {
  auto stats = readProcessStats();
  if (!stats) return;
  using T = prometheus::MetricType;
  addSingle(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds", T::Counter,
            stats->cpuSeconds);
  addSingle(out, "process_resident_memory_bytes", "Resident memory size in bytes", T::Gauge, stats->residentBytes);
  addSingle(out, "process_virtual_memory_bytes", "Virtual memory size in bytes", T::Gauge, stats->virtualBytes);
  addSingle(out, "process_start_time_seconds", "Start time of the process since unix epoch in seconds", T::Gauge,
            stats->startTimeSeconds);
  addSingle(out, "process_open_fds", "Number of open file descriptors", T::Gauge, stats->openFds);
  if (stats->maxFds > 0)
    addSingle(out, "process_max_fds", "Maximum number of open file descriptors", T::Gauge, stats->maxFds);
}

void addSubscriptions(std::vector<prometheus::MetricFamily>& out, const SubscriptionFigures& figures) {
  auto snapshot = figures.get();
  if (!snapshot) return;  // billing is not running: no figure is better than a false zero
  using T = prometheus::MetricType;
  // Not `subscription_count`, the name the guide's churn query uses: a gauge must not end in
  // _count (promtool check metrics reserves it for histograms and summaries). Prometheus
  // records the guide's name from this one (monitoring/alert_rules.yml).
  addSingle(out, "subscriptions_active", "Subscriptions giving access (active or trialing)", T::Gauge,
            snapshot->active);
  auto mrr = family("subscription_mrr_amount",
                    "Monthly recurring revenue in cents (annual plans count 1/12), by the amount tier of the plan price",
                    T::Gauge);
  for (auto& [tier, cents] : snapshot->mrrCentsByAmountTier)
    mrr.metric.push_back(sample(cents, T::Gauge, {{"amount_tier", tier}}));
  out.push_back(std::move(mrr));
}

void addBackup(std::vector<prometheus::MetricFamily>& out, const ScrapeSources& sources) {
  auto last = sources.backups->lastSuccess();
  if (!last && !(sources.backupExpected && sources.backupExpected())) return;
  addSingle(out, "backup_last_success_timestamp_seconds",
            "Unix time of the last successful database backup (0: none yet)", prometheus::MetricType::Gauge,
            last.value_or(0));
}

}  // namespace

std::vector<prometheus::MetricFamily> collectScrapeGauges(const ScrapeSources& sources) {
  using T = prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  if (sources.db) {
    addSingle(out, "db_connection_pool_used", "Database connections lent out of the pool", T::Gauge,
              sources.db->poolUsed());
    addSingle(out, "db_connection_pool_available", "Database connections the pool can still lend", T::Gauge,
              sources.db->poolAvailable());
    addPoolWaits(out, *sources.db);
  }
  addProcess(out);
  auto build = family("build_info", "Build of the running host (value is always 1)", T::Gauge);
  build.metric.push_back(sample(1, T::Gauge, {{"version", sources.version}}));
  out.push_back(std::move(build));
  if (sources.subscriptions) addSubscriptions(out, *sources.subscriptions);
  if (sources.backups) addBackup(out, sources);
  if (sources.eventHandlerFailures)
    addSingle(out, "event_handler_failures_total",
              "Event handler calls that threw (logged; the publisher and other handlers went on)", T::Counter,
              static_cast<double>(sources.eventHandlerFailures()));
  return out;
}

}  // namespace cc::metrics
