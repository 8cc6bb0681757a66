#include "promotion_codes.hpp"

#include "stripe_call.hpp"
#include "stripe_objects.hpp"

#include <Poco/JSON/Array.h>

#include <cctype>

namespace cc::billing {
namespace {

std::string foldedPromotionCode(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Why a promotion code Stripe knows cannot be redeemed now; "" when it can.
std::string whyNotRedeemable(const json::ObjectPtr& promo, std::int64_t nowUnix) {
  // Stripe clears `active` itself when the code or its coupon stops being valid; the other
  // checks say more precisely why, for the caller.
  std::int64_t expiresAt = field::integer(promo, "expires_at");
  if (expiresAt > 0 && expiresAt <= nowUnix) return "has expired";
  std::int64_t maxRedemptions = field::integer(promo, "max_redemptions");
  if (maxRedemptions > 0 && field::integer(promo, "times_redeemed") >= maxRedemptions) return "has been used up";
  auto coupon = field::object(promo, "coupon");
  if (!coupon) coupon = field::object(field::object(promo, "promotion"), "coupon");  // newer API layout
  if (coupon && coupon->has("valid") && !field::boolean(coupon, "valid")) return "is no longer valid";
  if (!field::boolean(promo, "active")) return "is not active";
  return "";
}

}  // namespace

bool isWellFormedPromotionCode(const std::string& code) {
  if (code.empty() || code.size() > kMaxPromotionCodeLength) return false;
  for (char c : code) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> promotionCodeParam(const json::ObjectPtr& body) {
  auto code = json::optionalString(body, "promotionCode");
  if (!code) return std::nullopt;
  if (!isWellFormedPromotionCode(*code))
    throw HttpError(400, "promotionCode must be 1-" + std::to_string(kMaxPromotionCodeLength) +
                             " characters of letters, digits, '-' and '_'");
  return code;
}

std::string resolvePromotionCode(StripeClient& client, Poco::Logger& log, const std::string& code,
                                 std::int64_t nowUnix) {
  // Not filtered by active=true: an inactive match is told apart from an unknown code.
  auto page = stripeCall(log, "look up promotion code", [&] {
    return client.get("/v1/promotion_codes", FormBody().add("code", code).add("limit", "100"));
  });
  auto data = page->getArray("data");
  if (!data) throw HttpError(502, "payment provider returned a promotion code list without data");
  std::string reason;
  for (std::size_t i = 0; i < data->size(); ++i) {
    auto promo = data->getObject(static_cast<unsigned>(i));
    // Stripe filters by code; this is the backstop that another code is never applied.
    if (!promo || foldedPromotionCode(field::str(promo, "code")) != foldedPromotionCode(code)) continue;
    std::string id = field::str(promo, "id");
    if (id.rfind("promo_", 0) != 0) continue;
    std::string why = whyNotRedeemable(promo, nowUnix);
    if (why.empty()) return id;
    if (reason.empty()) reason = why;
  }
  if (reason.empty()) throw HttpError(400, "promotion code '" + code + "' does not exist");
  throw HttpError(400, "promotion code '" + code + "' " + reason);
}

}  // namespace cc::billing
