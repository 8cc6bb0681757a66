// The analysis plugin: the metered feature. POST /api/gemini/analyze debits credits from the
// billing ledger in the transaction that records the run, runs the configured analyzer
// (builtin rules offline, or Gemini), stores the result, refunds failures, and publishes
// analysis_completed / analysis_failed (which metrics and audit pick up).
#include "analysis_config.hpp"
#include "analysis_routes.hpp"
#include "analysis_service.hpp"
#include "builtin_analyzer.hpp"
#include "gemini_analyzer.hpp"

#include <codecouncil/analysis/events.hpp>
#include <codecouncil/sdk/sdk.hpp>
#include <codecouncil/billing/contract.hpp>

#include <memory>
#include <stdexcept>

namespace {

class AnalysisPlugin : public cc::ConfiguredPlugin<cc::analysis::AnalysisConfig> {
 public:
  std::string name() const override { return "analysis"; }
  std::string version() const override { return "1.0.0"; }
  std::vector<std::string> dependencies() const override { return {"billing"}; }

  // Handlers capture `this` (or the member service_): they run only between start() and
  // stop() (context.hpp).
  void declare(cc::Declarations& d, const cc::analysis::AnalysisConfig& config) override {
    d.topic(cc::analysis::topics::kAnalysisCompleted);
    d.topic(cc::analysis::topics::kAnalysisFailed);
    cc::analysis::addRoutes(d.http(), service_, config);
    d.scheduler().every("recover_stale_runs", std::chrono::seconds(config.recoveryIntervalSeconds),
                        [this](const cc::JobRun&) { service_->recoverStale(); });
  }

  void start(cc::Context& ctx, const cc::analysis::AnalysisConfig& config) override {
    auto ledger = ctx.services().get<cc::billing::CreditLedger>();
    if (!ledger) throw std::runtime_error("the billing.credits service is not available (is the billing plugin started?)");

    std::shared_ptr<cc::analysis::Analyzer> analyzer;
    if (config.analyzer == "gemini")
      analyzer = std::make_shared<cc::analysis::GeminiAnalyzer>(config.gemini, ctx.logger());
    else
      analyzer = std::make_shared<cc::analysis::BuiltinAnalyzer>(config.builtin);

    service_ = std::make_shared<cc::analysis::AnalysisService>(ctx.db(), ledger, analyzer, ctx.events(), ctx.logger(),
                                                               config);
    ctx.logger().information("analyzer %s (model %s); %d credit(s) per run, %d above %d bytes", analyzer->name(),
                             analyzer->model(), static_cast<int>(config.creditsPerRun),
                             static_cast<int>(config.creditsPerLargeRun), static_cast<int>(config.largeCodeBytes));
  }

  void stop() override { service_.reset(); }

 private:
  std::shared_ptr<cc::analysis::AnalysisService> service_;
};

}  // namespace

CODECOUNCIL_PLUGIN(AnalysisPlugin)
