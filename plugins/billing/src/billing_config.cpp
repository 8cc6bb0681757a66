#include "billing_config.hpp"

#include "stripe_account_check.hpp"

namespace cc::billing {
namespace {

/// The secret key as loadBillingConfig reads it: the config key, else the environment.
std::string effectiveSecretKey(const ConfigNode& config) {
  if (config.has("secret_key")) return config.getString("secret_key");
  return expandEnv("${STRIPE_SECRET_KEY:-}");
}

/// Refuses `livemode: auto` when the key does not tell the mode and the mode matters (a
/// webhook secret or a secret key is set, so Stripe data will be processed). The message
/// names the key path, never the key itself.
void checkLivemodeDecidable(const ConfigNode& config, ConfigErrors& errors) {
  if (config.getString("livemode", "auto") != "auto") return;
  const std::string key = effectiveSecretKey(config);
  if (livemodeOfKey(key)) return;
  const std::string source = config.has("secret_key") ? "" : " (read from STRIPE_SECRET_KEY)";
  if (!key.empty()) {
    errors.add(config.child("secret_key"),
               "livemode is auto but the key" + source +
                   " starts with none of sk_live_, rk_live_, sk_test_, rk_test_, so the Stripe mode cannot be told; "
                   "set livemode: true or false");
    return;
  }
  const bool webhookConfigured =
      !splitSecrets(config.has("webhook_secret") ? config.getString("webhook_secret")
                                                 : expandEnv("${STRIPE_WEBHOOK_SECRET:-}"))
           .empty();
  if (webhookConfigured)
    errors.add(config.child("secret_key"),
               "is empty" + source +
                   " but a webhook secret is set: livemode auto cannot tell the Stripe mode of the events; "
                   "set secret_key or livemode: true or false");
}

}  // namespace

std::optional<bool> livemodeOfKey(const std::string& secretKey) {
  for (const char* prefix : {"sk_live_", "rk_live_"})
    if (secretKey.rfind(prefix, 0) == 0) return true;
  for (const char* prefix : {"sk_test_", "rk_test_"})
    if (secretKey.rfind(prefix, 0) == 0) return false;
  return std::nullopt;
}

std::vector<std::string> splitSecrets(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    auto b = current.find_first_not_of(" \t");
    auto e = current.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(current.substr(b, e - b + 1));
    current.clear();
  };
  for (char c : text) {
    if (c == ',') flush();
    else current += c;
  }
  flush();
  return out;
}

void validateBillingConfig(const ConfigNode& config, ConfigErrors& errors) {
  ConfigSchema()
      .string("secret_key")
      .string("webhook_secret")
      .string("api_base")
      .string("api_version")
      .integer("webhook_tolerance_seconds", 1, 86400)
      .integer("timeout_seconds", 1, 300)
      .integer("max_retries", 0, 10)
      .integer("retry_base_ms", 0, 60000)
      .integer("retry_max_ms", 0, 600000)
      .oneOf("payment_flow", {"elements", "checkout"})
      .string("checkout_success_url")
      .string("checkout_cancel_url")
      .oneOf("proration_behavior", {"create_prorations", "always_invoice", "none"})
      .integer("annual_grant_interval_seconds", 1, 86400)
      .integer("pending_event_ttl_seconds", 1, 90 * 86400)
      .integer("reconcile_interval_seconds", 0, 7 * 86400)
      .integer("reconcile_grace_seconds", 0, 30 * 86400)
      .integer("reconcile_batch_size", 1, 1000)
      .integer("reconcile_missing_limit", 1, 1000)
      .string("account_id")
      .map("plans")
      .oneOf("livemode", {"auto", "true", "false"})
      .check(config, errors);
  try {
    checkLivemodeDecidable(config, errors);
  } catch (const ConfigError&) {
    // a key of the wrong type was reported by the schema above
  }
  if (config.has("api_base")) {
    try {
      std::string base = config.child("api_base").asString();
      if (!base.empty() && base.rfind("https://", 0) != 0 && base.rfind("http://", 0) != 0)
        errors.add(config.child("api_base"), "must start with https:// or http://");
    } catch (const ConfigError&) {
    }
  }
  try {
    const bool inConfig = config.has("account_id");
    std::string account = inConfig ? config.child("account_id").asString() : expandEnv("${STRIPE_ACCOUNT_ID:-}");
    if (!account.empty() && !isStripeAccountId(account))
      errors.add(config.child("account_id"), std::string("must be a Stripe account id (acct_ followed by letters and "
                                                         "digits)") + (inConfig ? "" : "; read from STRIPE_ACCOUNT_ID"));
  } catch (const ConfigError&) {
    // a value of the wrong type was reported by the schema above
  }
  PlanCatalog::validate(config.child("plans"), errors);
}

BillingConfig loadBillingConfig(const ConfigNode& config) {
  BillingConfig c;
  // An absent key reads the environment, so a bare `- name: billing` entry works with the
  // usual STRIPE_* variables; a key present but empty means "not configured".
  auto str = [&](const char* key, const std::string& variable, const std::string& fallback) {
    if (config.has(key)) return config.getString(key);
    return expandEnv("${" + variable + ":-" + fallback + "}");
  };
  c.secretKey = str("secret_key", "STRIPE_SECRET_KEY", "");
  c.webhookSecrets = splitSecrets(str("webhook_secret", "STRIPE_WEBHOOK_SECRET", ""));
  c.apiBase = str("api_base", "STRIPE_API_BASE", c.apiBase);
  if (c.apiBase.empty()) c.apiBase = "https://api.stripe.com";
  while (c.apiBase.size() > 1 && c.apiBase.back() == '/') c.apiBase.pop_back();
  c.apiVersion = config.getString("api_version", c.apiVersion);
  c.webhookToleranceSeconds = config.getInt("webhook_tolerance_seconds", c.webhookToleranceSeconds);
  c.timeoutSeconds = config.getInt("timeout_seconds", c.timeoutSeconds);
  c.maxRetries = static_cast<int>(config.getInt("max_retries", c.maxRetries));
  c.retryBaseMs = config.getInt("retry_base_ms", c.retryBaseMs);
  c.retryMaxMs = config.getInt("retry_max_ms", c.retryMaxMs);
  c.paymentFlow = config.getString("payment_flow", c.paymentFlow);
  c.checkoutSuccessUrl = config.getString("checkout_success_url", c.checkoutSuccessUrl);
  c.checkoutCancelUrl = config.getString("checkout_cancel_url", c.checkoutCancelUrl);
  c.prorationBehavior = config.getString("proration_behavior", c.prorationBehavior);
  c.annualGrantIntervalSeconds = config.getInt("annual_grant_interval_seconds", c.annualGrantIntervalSeconds);
  c.pendingEventTtlSeconds = config.getInt("pending_event_ttl_seconds", c.pendingEventTtlSeconds);
  c.reconcileIntervalSeconds = config.getInt("reconcile_interval_seconds", c.reconcileIntervalSeconds);
  c.reconcileGraceSeconds = config.getInt("reconcile_grace_seconds", c.reconcileGraceSeconds);
  c.reconcileBatchSize = static_cast<int>(config.getInt("reconcile_batch_size", c.reconcileBatchSize));
  c.reconcileMissingLimit = static_cast<int>(config.getInt("reconcile_missing_limit", c.reconcileMissingLimit));
  c.accountId = str("account_id", "STRIPE_ACCOUNT_ID", "");
  c.plans = PlanCatalog::fromConfig(config.child("plans"));
  const std::string mode = config.getString("livemode", "auto");
  c.livemode = mode == "auto" ? livemodeOfKey(c.secretKey).value_or(false) : mode == "true";
  return c;
}

}  // namespace cc::billing
