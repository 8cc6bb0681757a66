#pragma once
// Promotion codes a user types when subscribing (`promotionCode` of POST
// /api/subscriptions/create, in both payment flows): the shape is checked here before
// anything goes to Stripe, then Stripe is asked which promotion code (promo_...) it is and
// whether it can still be redeemed, so a bad code is the caller's 400, not Stripe's refusal
// of our subscription request.
#include "stripe_client.hpp"

#include <codecouncil/sdk/json.hpp>

#include <Poco/Logger.h>

#include <optional>
#include <string>

namespace cc::billing {

/// Stripe's own limit for a promotion code's `code`.
constexpr std::size_t kMaxPromotionCodeLength = 500;

/// 1-500 characters of A-Z a-z 0-9 - _ (what Stripe allows in a code, and nothing that could
/// change the meaning of the query string it is sent in).
bool isWellFormedPromotionCode(const std::string& code);

/// `promotionCode` of a request body: nullopt when absent or null; 400 when it is not a
/// string or not well-formed (no Stripe call is made then).
std::optional<std::string> promotionCodeParam(const json::ObjectPtr& body);

/// The id (promo_...) of the redeemable promotion code `code` (case-insensitive, as at
/// Stripe): GET /v1/promotion_codes?code=. 400 naming the code when Stripe knows no such code,
/// or when it is inactive, expired or used up (saying which).
std::string resolvePromotionCode(StripeClient& client, Poco::Logger& log, const std::string& code,
                                 std::int64_t nowUnix);

}  // namespace cc::billing
