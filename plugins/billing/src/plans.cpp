#include "plans.hpp"

#include <map>
#include <memory>
#include <set>

namespace cc::billing {

std::vector<Plan> defaultPlans() {
  auto price = [](const char* variable, const char* fallback) {
    return expandEnv(std::string("${") + variable + ":-" + fallback + "}");
  };
  return {
      {"startup_monthly", "Startup Audit - Monthly", price("STRIPE_PRICE_STARTUP_MONTHLY", "price_startup_monthly"),
       "startup", 4900, "usd", "month", 300},
      {"startup_annual", "Startup Audit - Annual", price("STRIPE_PRICE_STARTUP_ANNUAL", "price_startup_annual"),
       "startup", 49900, "usd", "year", 350},
      {"enterprise_monthly", "Enterprise Deep Dive - Monthly",
       price("STRIPE_PRICE_ENTERPRISE_MONTHLY", "price_enterprise_monthly"), "enterprise", 14900, "usd", "month", 1000},
      {"enterprise_annual", "Enterprise Deep Dive - Annual",
       price("STRIPE_PRICE_ENTERPRISE_ANNUAL", "price_enterprise_annual"), "enterprise", 149900, "usd", "year", 1200},
  };
}

const Plan* PlanCatalog::byId(const std::string& id) const {
  for (auto& p : plans_)
    if (p.id == id) return &p;
  return nullptr;
}

std::int64_t PlanCatalog::trialDays(const std::string& planId) const {
  auto it = trialDays_.find(planId);
  return it == trialDays_.end() ? 0 : it->second;
}

const Plan* PlanCatalog::byPriceId(const std::string& priceId) const {
  if (priceId.empty()) return nullptr;
  for (auto& p : plans_)
    if (p.priceId == priceId) return &p;
  return nullptr;
}

void PlanCatalog::describe(ConfigReader& r, PlanCatalog& catalog) {
  catalog = PlanCatalog(defaultPlans());  // STRIPE_PRICE_* are read now, at bind time
  // The entries by id while the config is read; shared with the check that copies them back.
  auto byId = std::make_shared<std::map<std::string, Plan>>();
  for (const auto& p : catalog.plans_) (*byId)[p.id] = p;
  auto trialDays = std::make_shared<std::map<std::string, std::int64_t>>();
  r.mapOf<Plan>("plans", *byId, [trialDays](ConfigReader& entry, const std::string& id, Plan& plan) {
    entry.value("price_id", [&plan](const ConfigNode& n, ConfigErrors&) {
      if (std::string priceId = n.asString(); !priceId.empty()) plan.priceId = priceId;  // empty: the default
    });
    entry.string("name", plan.name)
        .integer("amount_cents", 0, 100000000, plan.amountCents)
        .integer("credits_per_month", 0, 100000000, plan.creditsPerMonth)
        .integer("trial_days", 0, 730, (*trialDays)[id]);  // 730: Stripe's longest trial
    if (plan.id.empty())  // not one of defaultPlans()
      entry.check([id](const ConfigNode& node, ConfigErrors& errors) {
        errors.add(node, "unknown plan '" + id +
                             "' (plans are startup_monthly, startup_annual, enterprise_monthly, enterprise_annual)");
      });
  });
  r.check([byId, trialDays, &catalog](const ConfigNode& config, ConfigErrors& errors) {
    for (auto& p : catalog.plans_) p = byId->at(p.id);
    catalog.trialDays_ = *trialDays;
    // Two plans on one Stripe price would make webhooks ambiguous.
    std::set<std::string> seen;
    for (const auto& p : catalog.plans_)
      if (!seen.insert(p.priceId).second)
        errors.add(config["plans"], "price id '" + p.priceId + "' is used by more than one plan");
  });
}

json::ObjectPtr planJson(const Plan& plan) {
  auto o = json::object();
  o->set("id", plan.id);
  o->set("name", plan.name);
  o->set("priceId", plan.priceId);
  o->set("creditsPerMonth", plan.creditsPerMonth);
  o->set("price", static_cast<double>(plan.amountCents) / 100.0);
  o->set("amountCents", plan.amountCents);
  o->set("currency", plan.currency);
  o->set("interval", plan.interval);
  o->set("tier", plan.tier);
  return o;
}

std::string tierFor(const std::vector<const Plan*>& plans) {
  std::string tier = "free";
  for (auto* p : plans) {
    if (!p) continue;
    if (p->tier == "enterprise") return "enterprise";
    tier = p->tier;
  }
  return tier;
}

}  // namespace cc::billing
