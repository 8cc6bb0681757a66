#include "plans.hpp"

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

const Plan* PlanCatalog::byPriceId(const std::string& priceId) const {
  if (priceId.empty()) return nullptr;
  for (auto& p : plans_)
    if (p.priceId == priceId) return &p;
  return nullptr;
}

void PlanCatalog::validate(const ConfigNode& plansNode, ConfigErrors& errors) {
  if (!plansNode.defined()) return;
  if (!plansNode.isMap()) {
    errors.add(plansNode, "expected a map of plan ids");
    return;
  }
  std::set<std::string> known;
  for (auto& p : defaultPlans()) known.insert(p.id);
  for (auto& id : plansNode.keys()) {
    ConfigNode entry = plansNode.child(id);
    if (!known.count(id)) {
      errors.add(entry, "unknown plan '" + id + "' (plans are startup_monthly, startup_annual, enterprise_monthly, enterprise_annual)");
      continue;
    }
    ConfigSchema()
        .string("price_id")
        .string("name")
        .integer("amount_cents", 0, 100000000)
        .integer("credits_per_month", 0, 100000000)
        .check(entry, errors);
  }
  // Two plans on one Stripe price would make webhooks ambiguous.
  try {
    std::set<std::string> seen;
    PlanCatalog catalog = fromConfig(plansNode);  // a named copy: all() refers into it
    for (auto& p : catalog.all())
      if (!seen.insert(p.priceId).second)
        errors.add(plansNode, "price id '" + p.priceId + "' is used by more than one plan");
  } catch (const ConfigError&) {
    // already reported by the schema above
  }
}

PlanCatalog PlanCatalog::fromConfig(const ConfigNode& plansNode) {
  std::vector<Plan> plans = defaultPlans();
  for (auto& p : plans) {
    ConfigNode entry = plansNode.child(p.id);
    if (!entry.isMap()) continue;
    std::string priceId = entry.getString("price_id", p.priceId);
    if (!priceId.empty()) p.priceId = priceId;
    p.name = entry.getString("name", p.name);
    p.amountCents = entry.getInt("amount_cents", p.amountCents);
    p.creditsPerMonth = entry.getInt("credits_per_month", p.creditsPerMonth);
  }
  return PlanCatalog(std::move(plans));
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
