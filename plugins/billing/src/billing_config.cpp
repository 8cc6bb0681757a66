#include "billing_config.hpp"

#include "stripe_account_check.hpp"

namespace cc::billing {
namespace {

/// Refuses `livemode: auto` when the key does not tell the mode and the mode matters (a
/// webhook secret or a secret key is set, so Stripe data will be processed). The message
/// names the key path, never the key itself.
void checkLivemodeDecidable(const BillingConfig& c, const ConfigNode& config, ConfigErrors& errors) {
  if (c.livemodeSetting != "auto") return;
  if (livemodeOfKey(c.secretKey)) return;
  const std::string source = config.has("secret_key") ? "" : " (read from STRIPE_SECRET_KEY)";
  if (!c.secretKey.empty()) {
    errors.add(config["secret_key"],
               "livemode is auto but the key" + source +
                   " starts with none of sk_live_, rk_live_, sk_test_, rk_test_, so the Stripe mode cannot be told; "
                   "set livemode: true or false");
    return;
  }
  if (!c.webhookSecrets.empty())
    errors.add(config["secret_key"],
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

void BillingConfig::describe(ConfigReader& r, BillingConfig& c) {
  auto env = [](const std::string& variable) { return expandEnv("${" + variable + ":-}"); };
  c.secretKey = env("STRIPE_SECRET_KEY");
  c.webhookSecrets = splitSecrets(env("STRIPE_WEBHOOK_SECRET"));
  if (std::string base = env("STRIPE_API_BASE"); !base.empty()) c.apiBase = base;
  c.accountId = env("STRIPE_ACCOUNT_ID");
  r.string("secret_key", c.secretKey)
      .value("webhook_secret",
             [&c](const ConfigNode& n, ConfigErrors&) { c.webhookSecrets = splitSecrets(n.asString()); })
      .string("api_base", c.apiBase)
      .string("api_version", c.apiVersion)
      .integer("webhook_tolerance_seconds", 1, 86400, c.webhookToleranceSeconds)
      .integer("timeout_seconds", 1, 300, c.timeoutSeconds)
      .integer("max_retries", 0, 10, c.maxRetries)
      .integer("retry_base_ms", 0, 60000, c.retryBaseMs)
      .integer("retry_max_ms", 0, 600000, c.retryMaxMs)
      .oneOf("payment_flow", {"elements", "checkout"}, c.paymentFlow)
      .string("checkout_success_url", c.checkoutSuccessUrl)
      .string("checkout_cancel_url", c.checkoutCancelUrl)
      .string("portal_return_url", c.portalReturnUrl)
      .oneOf("proration_behavior", {"create_prorations", "always_invoice", "none"}, c.prorationBehavior)
      .integer("annual_grant_interval_seconds", 1, 86400, c.annualGrantIntervalSeconds)
      .integer("pending_event_ttl_seconds", 1, 90 * 86400, c.pendingEventTtlSeconds)
      .integer("reconcile_interval_seconds", 0, 7 * 86400, c.reconcileIntervalSeconds)
      .integer("reconcile_grace_seconds", 0, 30 * 86400, c.reconcileGraceSeconds)
      .integer("reconcile_batch_size", 1, 1000, c.reconcileBatchSize)
      .integer("reconcile_missing_limit", 1, 1000, c.reconcileMissingLimit)
      .string("account_id", c.accountId)
      .oneOf("livemode", {"auto", "true", "false"}, c.livemodeSetting);
  PlanCatalog::describe(r, c.plans);
  CreditPackCatalog::describe(r, c.packs, c.plans);
}

void BillingConfig::finish(BillingConfig& c) {
  if (c.apiBase.empty()) c.apiBase = BillingConfig{}.apiBase;
  while (c.apiBase.size() > 1 && c.apiBase.back() == '/') c.apiBase.pop_back();
  c.livemode = c.livemodeSetting == "auto" ? livemodeOfKey(c.secretKey).value_or(false) : c.livemodeSetting == "true";
}

void BillingConfig::check(const BillingConfig& c, const ConfigNode& config, ConfigErrors& errors) {
  checkLivemodeDecidable(c, config, errors);
  const std::string& base = c.apiBase;
  if (config.has("api_base") && base.rfind("https://", 0) != 0 && base.rfind("http://", 0) != 0)
    errors.add(config["api_base"], "must start with https:// or http://");
  // Stripe refuses a portal session without an absolute return URL: say so at start-up, not
  // on the first user's click.
  const std::string& portalUrl = c.portalReturnUrl;
  if (config.has("portal_return_url") && portalUrl.rfind("https://", 0) != 0 && portalUrl.rfind("http://", 0) != 0)
    errors.add(config["portal_return_url"], "must be an absolute URL starting with https:// or http://");
  if (!c.accountId.empty() && !isStripeAccountId(c.accountId))
    errors.add(config["account_id"],
               std::string("must be a Stripe account id (acct_ followed by letters and digits)") +
                   (config.has("account_id") ? "" : "; read from STRIPE_ACCOUNT_ID"));
}

void validateBillingConfig(const ConfigNode& config, ConfigErrors& errors) { loadConfig<BillingConfig>(config, errors); }

BillingConfig loadBillingConfig(const ConfigNode& config) {
  ConfigErrors checkedByValidate;  // the host refused a config with errors before any command or start()
  return loadConfig<BillingConfig>(config, checkedByValidate);
}

}  // namespace cc::billing
