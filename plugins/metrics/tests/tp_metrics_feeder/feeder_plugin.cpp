// Test-only plugin for the metrics tests: publishes the events it is given, and (with
// `fake_billing: true`) provides a BillingService whose figures the test sets over HTTP.
// A subscription to "tp_metrics_feeder.handler_throws" always throws.
// It stands in for billing, rate limiting, analysis and backup, which metrics only knows
// through events and the BillingService interface: it declares their topics (none of them is
// loaded in these tests), so a topic someone else declared is refused as a forgery would be.
#include <codecouncil/sdk/sdk.hpp>
#include <codecouncil/billing/contract.hpp>
#include <codecouncil/billing/events.hpp>

#include <mutex>
#include <stdexcept>

namespace {

class FakeBilling : public cc::billing::BillingService {
 public:
  std::vector<cc::billing::Plan> plans() const override {
    // The guide's four plans and prices.
    return {{"startup_monthly", "Startup Audit - Monthly", "price_startup_monthly", "startup", 4900, "usd", "month", 300},
            {"startup_annual", "Startup Audit - Annual", "price_startup_annual", "startup", 49900, "usd", "year", 350},
            {"enterprise_monthly", "Enterprise Deep Dive - Monthly", "price_enterprise_monthly", "enterprise", 14900,
             "usd", "month", 1000},
            {"enterprise_annual", "Enterprise Deep Dive - Annual", "price_enterprise_annual", "enterprise", 149900,
             "usd", "year", 1200}};
  }
  cc::billing::SubscriptionStats stats() override {
    std::lock_guard lock(mutex_);
    if (failing_) throw std::runtime_error("fake billing is failing");
    return stats_;
  }
  // Not used by metrics; present because the interface requires them.
  std::optional<cc::billing::SubscriptionInfo> subscriptionOf(const std::string&) override { return std::nullopt; }
  std::map<std::string, std::int64_t> subscriptionsCreatedPerDay(int) override { return {}; }
  void set(cc::billing::SubscriptionStats stats, bool failing) {
    std::lock_guard lock(mutex_);
    stats_ = std::move(stats);
    failing_ = failing;
  }

 private:
  std::mutex mutex_;
  cc::billing::SubscriptionStats stats_;
  bool failing_ = false;
};

struct FeederSettings {
  bool fakeBilling = false;
  static void describe(cc::ConfigReader& r, FeederSettings& s) { r.boolean("fake_billing", s.fakeBilling); }
};

class FeederPlugin : public cc::ConfiguredPlugin<FeederSettings> {
 public:
  std::string name() const override { return "tp_metrics_feeder"; }
  std::string version() const override { return "0.0.1"; }

  void declare(cc::Declarations& d, const FeederSettings& settings) override {
    for (auto& topic : standInTopics()) d.topic(cc::TopicSpec{topic, {}, "tp_metrics_feeder stand-in"});
    // {"topic": "...", "payload": {...}, "times": n}
    d.http().add("POST", "/api/test/metrics/publish", [this](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      std::string topic = cc::json::requireString(body, "topic");
      int times = body->has("times") ? body->getValue<int>("times") : 1;
      for (int i = 0; i < times; ++i) {
        cc::json::ObjectPtr payload = body->has("payload") ? body->getObject("payload") : cc::json::object();
        // A fresh copy per event: handlers must be able to treat it as their own.
        events_->publish(topic, cc::json::parseObject(cc::json::stringify(payload)));
      }
      res.json(200, body);
    }, {cc::Access::Public});

    // A handler that always throws: the bus logs and counts it (event_handler_failures_total).
    d.subscribe(kHandlerThrows,
                [](const cc::Event&) { throw std::runtime_error("tp_metrics_feeder handler fails on purpose"); });

    if (!settings.fakeBilling) return;
    d.provides<cc::billing::BillingService>();
    // {"active": n, "mrrCents": n, "byPlan": {"plan": n}, "failing": bool}
    d.http().add("POST", "/api/test/metrics/billing", [this](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      cc::billing::SubscriptionStats stats;
      stats.active = body->optValue<Poco::Int64>("active", 0);
      stats.mrrCents = body->optValue<Poco::Int64>("mrrCents", 0);
      if (auto byPlan = body->getObject("byPlan"))
        for (auto& [plan, count] : *byPlan) stats.byPlan[plan] = count.convert<Poco::Int64>();
      billing_->set(stats, body->optValue<bool>("failing", false));
      res.json(200, body);
    }, {cc::Access::Public});
  }

  void start(cc::Context& ctx, const FeederSettings& settings) override {
    events_ = &ctx.events();
    if (!settings.fakeBilling) return;
    billing_ = std::make_shared<FakeBilling>();
    ctx.services().provide<cc::billing::BillingService>(billing_);
  }

 private:
  static constexpr const char* kHandlerThrows = "tp_metrics_feeder.handler_throws";

  /// The topics of the plugins it stands in for that metrics counts, and its own.
  static std::vector<std::string> standInTopics() {
    namespace billing = cc::billing::topics;
    return {billing::kSubscriptionCreated.name, billing::kSubscriptionCanceled.name, billing::kPaymentSucceeded.name,
            billing::kPaymentFailed.name,       billing::kReconcileStopped.name,     "analysis_completed",
            "analysis_failed",                  "rate_limit_exceeded",              "backup_succeeded",
            kHandlerThrows};
  }

  // Set in start(), before the host installs the routes that read them.
  cc::Events* events_ = nullptr;
  std::shared_ptr<FakeBilling> billing_;
};

}  // namespace

CODECOUNCIL_PLUGIN(FeederPlugin)
