#include "business_counters.hpp"

#include <codecouncil/analysis/events.hpp>
#include <codecouncil/billing/events.hpp>
#include <codecouncil/ratelimit/events.hpp>
#include <codecouncil/sdk/core_topics.hpp>
#include <codecouncil/sdk/event_fields.hpp>

#include <optional>

namespace cc::metrics {
namespace {

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& registry, const std::string& name,
                                                 const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

// Payload fields come from other plugins: read through cc::EventFields, which never throws,
// so a malformed event is still counted (under "unknown") inside the publisher's call.
std::string text(const cc::Event& e, const std::string& key) { return cc::EventFields(e).string(key); }

void addKnown(prometheus::Family<prometheus::Counter>& family, const std::string& label,
              const std::vector<std::string>& values) {
  for (auto& v : values) family.Add({{label, v}});
}

}  // namespace

BusinessCounters::BusinessCounters(prometheus::Registry& registry, const KnownLabels& known)
    : plans_(known.plans),
      tiers_(known.tiers),
      errorCodes_(known.paymentErrorCodes),
      limitTypes_(kLimitTypes),
      amountTiers_(kAmountTiers),
      stopReasons_(kReconcileStopReasons),
      loginThrottles_(kLoginThrottles),
      signupThrottles_(kSignupThrottles),
      signups_(counter(registry, "user_signup_total", "User accounts created")),
      loginFailures_(counter(registry, "login_failed_total", "Failed logins")),
      loginsThrottled_(counter(registry, "login_throttled_total",
                               "Logins refused (429) by a password-guessing throttle, by throttle (account, address)")),
      signupsThrottled_(counter(registry, "signup_throttled_total",
                                "Signups refused (429) by the per-address signup throttle, by throttle (address)")),
      subscriptionsCreated_(counter(registry, "subscription_created_total", "Subscriptions created, by plan")),
      subscriptionsCanceled_(counter(registry, "subscription_canceled_total", "Subscriptions canceled")),
      paymentsSucceeded_(counter(registry, "stripe_payment_succeeded_total",
                                 "Successful Stripe payments, by amount tier (under_100, 100_to_999, 1000_plus)")),
      paymentsFailed_(counter(registry, "stripe_payment_failed_total", "Failed Stripe payments, by error code")),
      analysisRuns_(counter(registry, "analysis_run_total", "Analysis runs (completed or failed), by user tier")),
      analysisFailures_(counter(registry, "analysis_failed_total", "Analysis runs that failed, by user tier")),
      rateLimitsExceeded_(counter(registry, "rate_limit_exceeded_total",
                                  "Requests refused by the rate limiter, by user tier and limit type")),
      reconcileStopped_(counter(registry, "billing_reconcile_stopped_total",
                                "Stripe reconciliation runs stopped because the secret key looked wrong, by reason")) {
  signups_.Add({});
  loginFailures_.Add({});
  subscriptionsCanceled_.Add({});
  addKnown(subscriptionsCreated_, "plan", plans_.values());
  addKnown(paymentsSucceeded_, "amount_tier", amountTiers_.values());
  addKnown(paymentsFailed_, "error_code", errorCodes_.values());
  addKnown(analysisRuns_, "tier", tiers_.values());
  addKnown(analysisFailures_, "tier", tiers_.values());
  addKnown(reconcileStopped_, "reason", stopReasons_.values());
  addKnown(loginsThrottled_, "throttle", loginThrottles_.values());
  addKnown(signupsThrottled_, "throttle", signupThrottles_.values());
  for (auto& tier : tiers_.values())
    for (auto& type : limitTypes_.values()) rateLimitsExceeded_.Add({{"tier", tier}, {"limit_type", type}});
}

const std::vector<std::string>& BusinessCounters::topics() {
  // Every topic through its publisher's declaration (core's, and billing's, analysis' and
  // ratelimit's header-only contracts): a renamed topic breaks this build, not the counters.
  // The publishers stay optional: a subscription to a topic nobody declares never fires.
  namespace billing = cc::billing::topics;
  namespace analysis = cc::analysis::topics;
  namespace ratelimit = cc::ratelimit::topics;
  static const std::vector<std::string> t{cc::topics::kUserSignup.name,         cc::topics::kLoginFailed.name,
                                          cc::topics::kLoginThrottled.name,     cc::topics::kSignupThrottled.name,
                                          billing::kSubscriptionCreated.name,    billing::kSubscriptionCanceled.name,
                                          billing::kPaymentSucceeded.name,       billing::kPaymentFailed.name,
                                          analysis::kAnalysisCompleted.name,     analysis::kAnalysisFailed.name,
                                          ratelimit::kRateLimitExceeded.name,    billing::kReconcileStopped.name};
  return t;
}

void BusinessCounters::handle(const cc::Event& e) {
  namespace billing = cc::billing::topics;
  namespace analysis = cc::analysis::topics;
  namespace ratelimit = cc::ratelimit::topics;
  const std::string& t = e.topic;
  if (t == cc::topics::kUserSignup.name) {
    signups_.Add({}).Increment();
  } else if (t == cc::topics::kLoginFailed.name) {
    loginFailures_.Add({}).Increment();
  } else if (t == cc::topics::kLoginThrottled.name) {
    loginsThrottled_.Add({{"throttle", loginThrottles_.label(text(e, "throttle"))}}).Increment();
  } else if (t == cc::topics::kSignupThrottled.name) {
    signupsThrottled_.Add({{"throttle", signupThrottles_.label(text(e, "throttle"))}}).Increment();
  } else if (t == billing::kSubscriptionCreated.name) {
    subscriptionsCreated_.Add({{"plan", plans_.label(text(e, "plan"))}}).Increment();
  } else if (t == billing::kSubscriptionCanceled.name) {
    subscriptionsCanceled_.Add({}).Increment();
  } else if (t == billing::kPaymentSucceeded.name) {
    auto amount = cc::EventFields(e).integer("amount");
    std::string tier = amount ? amountTier(*amount) : kUnknownLabel;
    paymentsSucceeded_.Add({{"amount_tier", tier}}).Increment();
  } else if (t == billing::kPaymentFailed.name) {
    paymentsFailed_.Add({{"error_code", errorCodes_.label(text(e, "errorCode"))}}).Increment();
  } else if (t == analysis::kAnalysisCompleted.name || t == analysis::kAnalysisFailed.name) {
    std::string tier = tiers_.label(text(e, "tier"));
    analysisRuns_.Add({{"tier", tier}}).Increment();
    if (t == analysis::kAnalysisFailed.name) analysisFailures_.Add({{"tier", tier}}).Increment();
  } else if (t == billing::kReconcileStopped.name) {
    reconcileStopped_.Add({{"reason", stopReasons_.label(text(e, "reason"))}}).Increment();
  } else if (t == ratelimit::kRateLimitExceeded.name) {
    rateLimitsExceeded_.Add({{"tier", tiers_.label(text(e, "tier"))},
                             {"limit_type", limitTypes_.label(text(e, "limitType"))}})
        .Increment();
  }
}

}  // namespace cc::metrics
