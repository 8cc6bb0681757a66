#include "notifications.hpp"

#include <cctype>
#include <cstdio>

namespace cc::billing::mail {
namespace {

const char* kSignature = "\n\n-- \nCodeCouncil billing\n";

std::string day(const std::string& iso) { return iso.size() >= 10 ? iso.substr(0, 10) : iso; }

}  // namespace

std::string dedupeKey(const std::string& eventId) { return "stripe:" + eventId; }

std::string money(std::int64_t cents, const std::string& currency) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%lld.%02lld", static_cast<long long>(cents / 100),
                static_cast<long long>((cents < 0 ? -cents : cents) % 100));
  std::string code = currency.empty() ? "usd" : currency;
  for (auto& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return std::string(buffer) + " " + code;
}

Mail subscriptionCreated(const std::string& to, const std::string& eventId, const Plan& plan, const std::string& status) {
  std::string text = "Hello,\n\nYour " + plan.name + " subscription has been created.\n";
  if (status == "incomplete")
    text += "It starts as soon as the first payment goes through.\n";
  text += "Each month it adds " + std::to_string(plan.creditsPerMonth) + " analysis credits to your account.";
  return {to, "Your " + plan.name + " subscription", text + kSignature, dedupeKey(eventId)};
}

Mail subscriptionUpdated(const std::string& to, const std::string& eventId, const Plan& plan, const Plan* previousPlan,
                         const std::string& status, bool cancelAtPeriodEnd, const std::string& periodEnd) {
  std::string text = "Hello,\n\n";
  if (previousPlan && previousPlan->id != plan.id)
    text += "Your subscription changed from " + previousPlan->name + " to " + plan.name + ".\n";
  else
    text += "Your " + plan.name + " subscription was updated.\n";
  if (cancelAtPeriodEnd)
    text += "It is set to end on " + (periodEnd.empty() ? std::string("the last day of the paid period") : day(periodEnd)) +
            "; you keep access until then.\n";
  text += "Status: " + status + ".";
  return {to, "Your subscription was updated", text + kSignature, dedupeKey(eventId)};
}

Mail subscriptionCanceled(const std::string& to, const std::string& eventId, const Plan* plan) {
  std::string name = plan ? plan->name : std::string("CodeCouncil");
  std::string text = "Hello,\n\nYour " + name +
                     " subscription has ended. Your account is back on the free tier; credits you have not used stay "
                     "on your account.\n\nYou can subscribe again at any time.";
  return {to, "Your subscription has ended", text + kSignature, dedupeKey(eventId)};
}

Mail paymentSucceeded(const std::string& to, const std::string& eventId, std::int64_t amountCents,
                      const std::string& currency, const Plan* plan, std::int64_t creditsGranted) {
  std::string text = "Hello,\n\nWe received your payment of " + money(amountCents, currency);
  text += plan ? " for " + plan->name + ".\n" : ".\n";
  if (creditsGranted > 0) text += std::to_string(creditsGranted) + " credits were added to your account.\n";
  text += "Thank you.";
  return {to, "Payment received", text + kSignature, dedupeKey(eventId)};
}

Mail paymentFailed(const std::string& to, const std::string& eventId, std::int64_t amountCents,
                   const std::string& currency, const std::string& errorCode, const std::string& billingPageUrl) {
  std::string text = "Hello,\n\nYour payment of " + money(amountCents, currency) + " did not go through";
  text += errorCode.empty() ? ".\n" : " (" + errorCode + ").\n";
  text += "Please update your payment method; Stripe will try again, and your subscription stays paused until a "
          "payment succeeds.\n\nTo update it, open your billing page and choose \"Manage billing\":\n\n  " +
          billingPageUrl;
  return {to, "Payment failed", text + kSignature, dedupeKey(eventId)};
}

}  // namespace cc::billing::mail
