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
#include <utility>

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

/// Runs the Stripe call that redeems `code` (empty: no code, `call` runs as it is). Stripe's
/// 400 refusal of the discount itself (its `param` names the discount: a restriction Stripe checks only
/// when redeeming, such as first-time customers only, a minimum amount or a code of another
/// customer) becomes the caller's 400 naming the code, with Stripe's message; every other
/// failure is left to stripeCall().
template <class F>
auto redeemingPromotionCode(Poco::Logger& log, const std::string& code, F&& call) {
  try {
    return std::forward<F>(call)();
  } catch (const StripeError& e) {
    // discounts[0][promotion_code] as sent; older API versions named promotion_code or coupon.
    const std::string& param = e.param();
    bool aboutTheDiscount = param.rfind("discounts", 0) == 0 || param.find("promotion_code") != std::string::npos ||
                            param.find("coupon") != std::string::npos;
    if (code.empty() || e.httpStatus() != 400 || !aboutTheDiscount) throw;
    log.information("stripe refused promotion code '%s': code=%s request-id=%s", code, e.code(),
                    e.requestId().empty() ? std::string("-") : e.requestId());
    std::string why = e.stripeMessage().empty() ? std::string("it cannot be applied") : e.stripeMessage();
    throw HttpError(400, "promotion code '" + code + "' cannot be used: " + why);
  }
}

}  // namespace cc::billing
