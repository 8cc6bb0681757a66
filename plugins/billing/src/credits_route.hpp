#pragma once
// GET /api/credits: the caller's balance and credit ledger, newest first, paged with an opaque
// cursor (credit_history.hpp says why pages are keyed on the row id).
#include "credit_history.hpp"

#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cc::billing {

/// The cursor of the page after the row `lastId`: 28 base64url characters. Opaque to
/// clients, so the key can change without breaking them.
std::string encodeCreditCursor(std::int64_t lastId);
/// The row id inside a cursor encodeCreditCursor made; nullopt for anything else.
std::optional<std::int64_t> decodeCreditCursor(const std::string& cursor);

class CreditsRoute {
 public:
  /// `stripeConfigured`: without a Stripe secret key every billing route but the plan list
  /// answers 503, this one too.
  CreditsRoute(Database& db, bool stripeConfigured, Events& events)
      : history_(db), stripeConfigured_(stripeConfigured), events_(events) {}

  void handle(Request& req, Response& res);

 private:
  CreditHistory history_;
  bool stripeConfigured_;
  Events& events_;  ///< audited: billing.credits_listed
};

}  // namespace cc::billing
