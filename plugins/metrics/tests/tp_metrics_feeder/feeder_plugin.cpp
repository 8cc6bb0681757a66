// Test-only plugin for the metrics tests: publishes any event it is given, and (with
// `fake_billing: true`) provides a BillingService whose figures the test sets over HTTP.
// A subscription to "tp_metrics_feeder.handler_throws" always throws.
// It stands in for billing, rate limiting, analysis and backup, which metrics only knows
// through events and the BillingService interface.
#include <codecouncil/sdk/sdk.hpp>
#include <codecouncil/billing/contract.hpp>

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

  void start(cc::Context& ctx, const FeederSettings& settings) override {
    cc::Events* events = &ctx.events();
    // {"topic": "...", "payload": {...}, "times": n}
    ctx.http().add("POST", "/api/test/metrics/publish", [events](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      std::string topic = cc::json::requireString(body, "topic");
      int times = body->has("times") ? body->getValue<int>("times") : 1;
      // Stands in for the topic's real publisher (not loaded in these tests): the first publish
      // declares the topic, so a topic someone else declared is refused as a forgery would be.
      if (!events->declaration(topic)) events->declare(cc::TopicSpec{topic, {}, "tp_metrics_feeder stand-in"});
      for (int i = 0; i < times; ++i) {
        cc::json::ObjectPtr payload = body->has("payload") ? body->getObject("payload") : cc::json::object();
        // A fresh copy per event: handlers must be able to treat it as their own.
        events->publish(topic, cc::json::parseObject(cc::json::stringify(payload)));
      }
      res.json(200, body);
    }, {cc::Access::Public});

    // A handler that always throws: the bus logs and counts it (event_handler_failures_total).
    ctx.events().subscribe("tp_metrics_feeder.handler_throws",
                           [](const cc::Event&) { throw std::runtime_error("tp_metrics_feeder handler fails on purpose"); });

    if (!settings.fakeBilling) return;
    auto billing = std::make_shared<FakeBilling>();
    ctx.services().provide<cc::billing::BillingService>(billing);
    // {"active": n, "mrrCents": n, "byPlan": {"plan": n}, "failing": bool}
    ctx.http().add("POST", "/api/test/metrics/billing", [billing](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      cc::billing::SubscriptionStats stats;
      stats.active = body->optValue<Poco::Int64>("active", 0);
      stats.mrrCents = body->optValue<Poco::Int64>("mrrCents", 0);
      if (auto byPlan = body->getObject("byPlan"))
        for (auto& [plan, count] : *byPlan) stats.byPlan[plan] = count.convert<Poco::Int64>();
      billing->set(stats, body->optValue<bool>("failing", false));
      res.json(200, body);
    }, {cc::Access::Public});
  }
};

}  // namespace

CODECOUNCIL_PLUGIN(FeederPlugin)
