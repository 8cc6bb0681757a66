#include "credit_packs.hpp"

#include <map>
#include <memory>

namespace cc::billing {
namespace {

constexpr std::size_t kMaxPackIdLength = 64;
constexpr std::size_t kMaxPriceIdLength = 255;

/// Printable ASCII without spaces: what Stripe's ids are made of. Anything else is a typo or
/// an unexpanded variable, and would be form-encoded into every Checkout request.
bool isPriceIdText(const std::string& s) {
  if (s.empty() || s.size() > kMaxPriceIdLength) return false;
  for (unsigned char c : s)
    if (c <= ' ' || c >= 0x7f) return false;
  return true;
}

}  // namespace

bool isPackId(const std::string& s) {
  if (s.empty() || s.size() > kMaxPackIdLength) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

const CreditPack* CreditPackCatalog::byId(const std::string& id) const {
  for (auto& p : packs_)
    if (p.id == id) return &p;
  return nullptr;
}

void CreditPackCatalog::describe(ConfigReader& r, CreditPackCatalog& catalog, const PlanCatalog& plans) {
  catalog = CreditPackCatalog();
  // The entries by id while the config is read; the check below copies the valid ones back.
  auto byId = std::make_shared<std::map<std::string, CreditPack>>();
  r.mapOf<CreditPack>("credit_packs", *byId, [](ConfigReader& entry, const std::string& id, CreditPack& pack) {
    pack.id = id;
    entry.string("price_id", pack.priceId, true).integer("credits", 1, 1000000000, pack.credits, true);
    entry.check([id, &pack](const ConfigNode& node, ConfigErrors& errors) {
      if (!isPackId(id))
        errors.add(node, "pack id '" + id + "' must be 1 to 64 characters of a-z, 0-9 and _");
      if (node.has("price_id") && !isPriceIdText(pack.priceId))
        errors.add(node["price_id"], pack.priceId.empty()
                                         ? "must not be empty (is its STRIPE_PRICE_* variable set?)"
                                         : "must be a Stripe price id (price_..., no spaces)");
    });
  });
  r.check([byId, &catalog, &plans](const ConfigNode& config, ConfigErrors& errors) {
    std::vector<CreditPack> packs;
    for (auto& [id, pack] : *byId) packs.push_back(pack);
    // One price, one meaning: a pack's payment is matched to its pack by price id.
    std::map<std::string, std::string> owner;
    for (const auto& p : plans.all()) owner[p.priceId] = "plan " + p.id;
    for (const auto& p : packs) {
      auto [it, fresh] = owner.emplace(p.priceId, "pack " + p.id);
      if (!fresh)
        errors.add(config["credit_packs"][p.id]["price_id"],
                   "price id '" + p.priceId + "' is already used by " + it->second);
    }
    catalog = CreditPackCatalog(std::move(packs));
  });
}

json::ArrayPtr packsJson(const CreditPackCatalog& packs) {
  auto list = json::array();
  for (const auto& p : packs.all()) {
    auto o = json::object();
    o->set("id", p.id);
    o->set("credits", p.credits);
    o->set("priceId", p.priceId);
    list->add(o);
  }
  return list;
}

}  // namespace cc::billing
