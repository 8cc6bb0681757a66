// The metrics plugin: serves /metrics from the host's shared prometheus-cpp registry, records
// every request in a middleware at cc::phase::kObserve, and counts business events from the
// event bus. See docs/monitoring.md.
#include "backup_status.hpp"
#include "business_counters.hpp"
#include "exposition.hpp"
#include "metrics_config.hpp"
#include "request_metrics.hpp"
#include "scrape_gauges.hpp"
#include "subscription_figures.hpp"

#include <codecouncil/sdk/sdk.hpp>
#include <codecouncil/backup/events.hpp>
#include <codecouncil/billing/contract.hpp>

#include <chrono>
#include <memory>
#include <set>

namespace cc::metrics {
namespace {

double unixNow() {
  using namespace std::chrono;
  return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

class MetricsPlugin : public cc::ConfiguredPlugin<MetricsConfig> {
 public:
  std::string name() const override { return "metrics"; }
  std::string version() const override { return "1.0.0"; }
  // Started after these when they run: billing's plan list labels subscription_created_total,
  // and the backup plugin's presence turns "no backup yet" into an alert.
  std::vector<std::string> optionalDependencies() const override { return {"billing", "backup"}; }

  // Handlers capture `this`: they run only between start() and stop() (context.hpp).
  void declare(cc::Declarations& d, const MetricsConfig& config) override {
    declareMiddleware(d);
    declareSubscriptions(d);
    declareRoute(d);
    d.scheduler().every("refresh", std::chrono::seconds(config.refreshSeconds), [this](const cc::JobRun&) { refresh(); },
                        {.exclusive = false});
  }

  void start(cc::Context& ctx, const MetricsConfig& config) override {
    ctx_ = &ctx;
    log_ = &ctx.logger();
    config_ = config;
    requireTokenOutsideDevelopment(ctx.config(), config_, ctx.host().environment);
    if (config_.bearerToken.empty())
      log_->information("/metrics is open to anyone who can reach the port (allowed in %s only); set bearer_token "
                        "to require a token",
                        ctx.host().environment);

    requests_ = std::make_unique<RequestMetrics>(ctx.metrics(), config_.latencyBuckets);
    counters_ = std::make_unique<BusinessCounters>(ctx.metrics(), knownLabels(ctx));
    refreshFailures_ = &prometheus::BuildCounter()
                            .Name("metrics_refresh_failures_total")
                            .Help("Failed reads of subscription figures or the last backup time, by source")
                            .Register(ctx.metrics());
    for (const char* source : {"billing", "backup"}) refreshFailures_->Add({{"source", source}});
    backups_ = std::make_unique<BackupStatus>(ctx.db());
    refresh();  // figures from the first scrape on
  }

  void stop() override {
    backups_.reset();
    counters_.reset();
    requests_.reset();
    ctx_ = nullptr;
  }

 private:
  KnownLabels knownLabels(cc::Context& ctx) const {
    KnownLabels known{config_.plans, config_.tiers, config_.paymentErrorCodes};
    if (auto billing = ctx.services().get<cc::billing::BillingService>()) {
      std::set<std::string> have(known.plans.begin(), known.plans.end());
      try {
        for (auto& plan : billing->plans())
          if (isPlainLabelValue(plan.id) && have.insert(plan.id).second) known.plans.push_back(plan.id);
      } catch (const std::exception& e) {
        log_->warning("cannot read the billing plans, using the configured plan list: %s", std::string(e.what()));
      }
    }
    return known;
  }

  void declareMiddleware(cc::Declarations& d) {
    d.http().use("metrics.requests", cc::phase::kObserve,
                 [this](cc::Request& req, cc::Response& res, const cc::Next& next) {
                     RequestMetrics* requests = requests_.get();
                     auto started = std::chrono::steady_clock::now();
                     auto seconds = [&] {
                       return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                     };
                     try {
                       next();
                     } catch (...) {
                       // The host turns it into a 500 outside this layer; count it as one.
                       requests->observe(req.method, req.routeTemplate, 500, seconds());
                       throw;
                     }
                     requests->observe(req.method, req.routeTemplate, res.status, seconds());
                   });
  }

  void declareSubscriptions(cc::Declarations& d) {
    for (auto& topic : BusinessCounters::topics())
      d.subscribe(topic, [this](const cc::Event& e) { counters_->handle(e); });
    d.subscribe(cc::backup::topics::kBackupSucceeded.name, [this](const cc::Event&) {
      try {
        backups_->recordSuccess(unixNow());
      } catch (const std::exception& e) {
        // The gauge already moved on this instance; others catch up after the next success.
        refreshFailures_->Add({{"source", "backup"}}).Increment();
        log_->warning("cannot store the last backup time: %s", std::string(e.what()));
      }
    });
  }

  void declareRoute(cc::Declarations& d) {
    d.http().add("GET", "/metrics", [this](cc::Request& req, cc::Response& res) {
      if (!config_.bearerToken.empty() && !bearerMatches(req.header("authorization"), config_.bearerToken))
        throw cc::HttpError(401, "a valid metrics bearer token is required").header("WWW-Authenticate", "Bearer");
      ScrapeSources sources{&ctx_->db(), ctx_->host().version, &subscriptions_, backups_.get(),
                            [this] { return ctx_->pluginActive("backup"); },
                            [this] { return ctx_->events().handlerFailures(); }};
      res.text(200, renderExposition(ctx_->metrics(), collectScrapeGauges(sources)), kExpositionContentType);
    }, {cc::Access::Public});
  }

  // Reads what the scrape must not: subscription figures (billing queries its tables) and the
  // last backup written by another instance.
  void refresh() {
    auto billing = ctx_->services().get<cc::billing::BillingService>();
    if (!billing) {
      subscriptions_.set(std::nullopt);
    } else {
      try {
        subscriptions_.set(snapshotFrom(billing->plans(), billing->stats()));
      } catch (const std::exception& e) {
        subscriptions_.set(std::nullopt);  // a gap on the dashboard, not a stale figure
        refreshFailures_->Add({{"source", "billing"}}).Increment();
        log_->warning("cannot read subscription figures from billing: %s", std::string(e.what()));
      }
    }
    try {
      backups_->refreshFromDatabase();
    } catch (const std::exception& e) {
      refreshFailures_->Add({{"source", "backup"}}).Increment();
      log_->warning("cannot read the last backup time: %s", std::string(e.what()));
    }
  }

  cc::Context* ctx_ = nullptr;
  Poco::Logger* log_ = nullptr;
  MetricsConfig config_;
  std::unique_ptr<RequestMetrics> requests_;
  std::unique_ptr<BusinessCounters> counters_;
  std::unique_ptr<BackupStatus> backups_;
  SubscriptionFigures subscriptions_;
  prometheus::Family<prometheus::Counter>* refreshFailures_ = nullptr;
};

}  // namespace
}  // namespace cc::metrics

CODECOUNCIL_PLUGIN(cc::metrics::MetricsPlugin)
