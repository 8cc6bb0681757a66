// Test-only plugin: a consumer of billing's CreditLedger built against another contract
// version than the billing plugin it runs with (as a third-party plugin left unrebuilt after
// billing's contract changed would be). It asks for the ledger and reports what it got:
//   GET /api/test/stale/ledger -> {"present": true|false}
// With config `required: true` it refuses to start without the ledger, as a real consumer does.
#include <codecouncil/billing/contract.hpp>
#include <codecouncil/sdk/sdk.hpp>

#include <stdexcept>

namespace {

/// The ledger as a consumer compiled against the next contract version sees it.
struct NextVersionCreditLedger : cc::billing::CreditLedger {
  static constexpr int kContractVersion = cc::billing::CreditLedger::kContractVersion + 1;
};

class StaleConsumer : public cc::Plugin {
 public:
  std::string name() const override { return "billing_stale_consumer"; }
  std::string version() const override { return "0.0.1"; }
  std::vector<std::string> dependencies() const override { return {"billing"}; }

  void declare(cc::Declarations& d) override {
    d.http().add("GET", "/api/test/stale/ledger", [this](cc::Request&, cc::Response& res) {
      auto o = cc::json::object();
      o->set("present", present_);
      res.json(200, o);
    }, {cc::Access::Public});
  }

  void start(cc::Context& ctx) override {
    std::shared_ptr<NextVersionCreditLedger> ledger = ctx.services().get<NextVersionCreditLedger>();
    if (!ledger && ctx.config().getBool("required", false))
      throw std::runtime_error("billing's credit ledger is unavailable");
    present_ = ledger != nullptr;
  }

 private:
  bool present_ = false;  ///< set in start(), before the route is installed
};

}  // namespace

CODECOUNCIL_PLUGIN(StaleConsumer)
