#pragma once
// Credit packs: one-time purchases of analysis credits through Stripe Checkout
// (mode=payment). The plugin config's `credit_packs: {<id>: {price_id, credits}}` lists them;
// there are none unless configured (the shipped configs list credits_100 and credits_500).
#include "plans.hpp"

#include <codecouncil/sdk/config_reader.hpp>
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cc::billing {

struct CreditPack {
  std::string id;       ///< [a-z0-9_], at most 64 characters: it travels in Stripe metadata and URLs
  std::string priceId;  ///< a one-time Stripe price (price_...)
  std::int64_t credits = 0;
};

class CreditPackCatalog {
 public:
  CreditPackCatalog() = default;
  explicit CreditPackCatalog(std::vector<CreditPack> packs) : packs_(std::move(packs)) {}

  /// In id order.
  const std::vector<CreditPack>& all() const { return packs_; }
  const CreditPack* byId(const std::string& id) const;
  /// An empty catalog that lives as long as the program (for users that sell no packs).
  static const CreditPackCatalog& none() {
    static const CreditPackCatalog empty;
    return empty;
  }

  /// Declares `credit_packs:`; refuses a bad id, an empty or malformed price id, credits that
  /// are not positive, and a price id shared with another pack or a plan (`plans` is read
  /// before, by the same reader).
  static void describe(ConfigReader& r, CreditPackCatalog& catalog, const PlanCatalog& plans);

 private:
  std::vector<CreditPack> packs_;
};

/// A pack id as config accepts it: 1-64 of [a-z0-9_].
bool isPackId(const std::string& s);

/// [{id, credits, priceId}], the answer of GET /api/credits/packs.
json::ArrayPtr packsJson(const CreditPackCatalog& packs);

}  // namespace cc::billing
