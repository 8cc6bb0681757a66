// Test-only plugin that uses billing the way other plugins do: it debits credits through
// the CreditLedger service inside its own transaction (as analysis will), reads
// BillingService figures (as admin and metrics will) and logs every billing event it hears
// ("probe event <topic> <payload>"), so tests can see what was published.
#include <codecouncil/sdk/sdk.hpp>
#include <codecouncil/billing/contract.hpp>
#include <codecouncil/billing/events.hpp>

#include <stdexcept>

namespace {

class BillingProbe : public cc::Plugin {
 public:
  std::string name() const override { return "billing_probe"; }
  std::string version() const override { return "0.0.1"; }
  std::vector<std::string> dependencies() const override { return {"billing"}; }

  void declare(cc::Declarations& d) override {
    d.http().add("POST", "/api/test/billing/debit", [this](cc::Request& req, cc::Response& res) {
      const cc::User& user = req.requireUser();
      auto body = req.jsonBody();
      std::int64_t amount = body->getValue<Poco::Int64>("amount");
      std::string reference = cc::json::requireString(body, "reference");
      bool ok = db_->transaction([&](Poco::Data::Session& s) {
        return ledger_->debit(s, user.id, amount, reference, "probe debit");
      });
      auto out = cc::json::object();
      out->set("debited", ok);
      out->set("balance", ledger_->balance(user.id));
      res.json(ok ? 200 : 402, out);
    });

    d.http().add("POST", "/api/test/billing/refund", [this](cc::Request& req, cc::Response& res) {
      const cc::User& user = req.requireUser();
      auto body = req.jsonBody();
      std::int64_t amount = body->getValue<Poco::Int64>("amount");
      std::string reference = cc::json::requireString(body, "reference");
      db_->transaction([&](Poco::Data::Session& s) { ledger_->refund(s, user.id, amount, reference, "probe refund"); });
      auto out = cc::json::object();
      out->set("balance", ledger_->balance(user.id));
      res.json(200, out);
    });

    // A referral-style grant through the contract: {"amount", "key"} -> {"granted", "balance"};
    // the ledger's argument errors are this route's 400s.
    d.http().add("POST", "/api/test/billing/grant", [this](cc::Request& req, cc::Response& res) {
      const cc::User& user = req.requireUser();
      auto body = req.jsonBody();
      std::int64_t amount = body->getValue<Poco::Int64>("amount");
      std::string key = cc::json::requireString(body, "key");
      bool granted = false;
      try {
        granted = db_->transaction([&](Poco::Data::Session& s) {
          return ledger_->grant(s, user.id, amount, key, "probe grant");
        });
      } catch (const std::invalid_argument& e) {
        res.error(400, e.what());
        return;
      }
      auto out = cc::json::object();
      out->set("granted", granted);
      out->set("balance", ledger_->balance(user.id));
      res.json(200, out);
    });

    d.http().add("GET", "/api/test/billing/stats", [this](cc::Request&, cc::Response& res) {
      auto stats = billing_->stats();
      auto out = cc::json::object();
      out->set("active", stats.active);
      out->set("mrrCents", stats.mrrCents);
      auto byPlan = cc::json::object();
      for (auto& [plan, n] : stats.byPlan) byPlan->set(plan, n);
      out->set("byPlan", byPlan);
      out->set("plans", static_cast<int>(billing_->plans().size()));
      res.json(200, out);
    }, {cc::Access::Public});

    namespace topics = cc::billing::topics;
    for (const cc::TopicSpec* topic : {&topics::kSubscriptionCreated, &topics::kSubscriptionUpdated,
                                       &topics::kSubscriptionCanceled, &topics::kPaymentSucceeded,
                                       &topics::kPaymentFailed, &topics::kCreditsGranted})
      d.subscribe(topic->name, [this](const cc::Event& e) {
        log_->information("probe event %s %s", e.topic, cc::json::stringify(e.payload));
      });
  }

  void start(cc::Context& ctx) override {
    ledger_ = ctx.services().get<cc::billing::CreditLedger>();
    billing_ = ctx.services().get<cc::billing::BillingService>();
    if (!ledger_ || !billing_) throw std::runtime_error("billing services are missing");
    db_ = &ctx.db();
    log_ = &ctx.logger();
  }

 private:
  // Set in start(), before the host installs the routes and subscriptions that read them.
  std::shared_ptr<cc::billing::CreditLedger> ledger_;
  std::shared_ptr<cc::billing::BillingService> billing_;
  cc::Database* db_ = nullptr;
  Poco::Logger* log_ = nullptr;
};

}  // namespace

CODECOUNCIL_PLUGIN(BillingProbe)
