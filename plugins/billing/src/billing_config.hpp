#pragma once
// The billing plugin's settings (docs/billing.md lists every key with its default).
#include "credit_packs.hpp"
#include "plans.hpp"

#include <codecouncil/sdk/config_reader.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::billing {

struct BillingConfig {
  std::string secretKey;                    ///< sk_...; empty: billing endpoints answer 503
  std::vector<std::string> webhookSecrets;  ///< whsec_...; several during a rotation
  std::string apiBase = "https://api.stripe.com";
  std::string apiVersion = "2025-03-31.basil";
  std::int64_t webhookToleranceSeconds = 300;
  std::int64_t timeoutSeconds = 30;
  int maxRetries = 3;
  std::int64_t retryBaseMs = 500;
  std::int64_t retryMaxMs = 5000;
  std::string paymentFlow = "elements";     ///< "elements" (client secret) or "checkout" (hosted page URL)
  std::string checkoutSuccessUrl = "http://localhost:5000/billing/success?session_id={CHECKOUT_SESSION_ID}";
  std::string checkoutCancelUrl = "http://localhost:5000/billing/cancel";
  /// Where Stripe's Billing Portal sends the user back (POST /api/subscriptions/portal).
  std::string portalReturnUrl = "http://localhost:5000/billing";
  std::string prorationBehavior = "create_prorations";
  std::int64_t annualGrantIntervalSeconds = 3600;
  /// How long a webhook event waits for its Stripe customer to be linked before it is dropped.
  std::int64_t pendingEventTtlSeconds = 7 * 24 * 3600;
  /// Reconciliation with Stripe's API (subscription_reconciler.hpp); interval 0 disables it.
  std::int64_t reconcileIntervalSeconds = 3600;
  std::int64_t reconcileGraceSeconds = 86400;
  int reconcileBatchSize = 100;
  /// A run that gets this many 404 resource_missing answers stops without applying any of
  /// them: so many subscriptions gone at once looks like a wrong key, not like deletions.
  int reconcileMissingLimit = 3;
  /// The Stripe account (acct_...) the secret key must belong to; empty: the account pinned
  /// by the first reconciliation (stripe_account_check.hpp).
  std::string accountId;
  PlanCatalog plans;
  /// One-time credit purchases (credit_packs.hpp); none unless configured.
  CreditPackCatalog packs;
  /// The Stripe mode this deployment serves (true: live). Events and fetched objects of the
  /// other mode are refused (outcome "wrong_mode"): they mean a misconfigured endpoint or a
  /// leaked test secret. From `livemode`, or with `auto` from the secret key's prefix.
  bool livemode = false;
  std::string livemodeSetting = "auto";  ///< `livemode` as configured: auto, true or false

  bool apiConfigured() const { return !secretKey.empty(); }

  /// Every key once. Absent keys fall back to the STRIPE_* environment variables, then to the
  /// defaults above; a key present but empty means "not configured".
  static void describe(ConfigReader& r, BillingConfig& c);
  static void finish(BillingConfig& c);
  static void check(const BillingConfig& c, const ConfigNode& config, ConfigErrors& errors);
};

void validateBillingConfig(const ConfigNode& config, ConfigErrors& errors);
/// Reads a config that validateBillingConfig accepted.
BillingConfig loadBillingConfig(const ConfigNode& config);

/// The mode a Stripe secret or restricted key belongs to: sk_live_/rk_live_ -> true,
/// sk_test_/rk_test_ -> false, anything else (empty included) -> nullopt.
std::optional<bool> livemodeOfKey(const std::string& secretKey);

/// "a, b,,c" -> {"a", "b", "c"}
std::vector<std::string> splitSecrets(const std::string& text);

}  // namespace cc::billing
