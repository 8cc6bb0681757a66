#pragma once
// Business counters fed from the event bus (docs/events.md), so billing, rate limiting and
// analysis know nothing of Prometheus. Every known label set is created at 0 at start-up, so
// rate() and the alerts work from the first scrape. Values outside the known sets are
// counted as "other" (or "unknown" when missing), never as a new series per value.
#include "label_bounds.hpp"

#include <codecouncil/sdk/events.hpp>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <string>
#include <vector>

namespace cc::metrics {

struct KnownLabels {
  std::vector<std::string> plans;
  std::vector<std::string> tiers;
  std::vector<std::string> paymentErrorCodes;
};

/// The rate limiter's window names (docs/events.md).
inline const std::vector<std::string> kLimitTypes{"daily_requests", "monthly_requests", "daily_analysis",
                                                  "monthly_analysis"};

/// Why billing's reconciliation stopped a run (billing_reconcile_stopped, docs/events.md).
inline const std::vector<std::string> kReconcileStopReasons{"wrong_mode", "wrong_account", "account_unverified",
                                                            "too_many_missing"};

/// Which throttle refused a login or signup (login_throttled / signup_throttled, docs/events.md).
inline const std::vector<std::string> kLoginThrottles{"account", "address"};
inline const std::vector<std::string> kSignupThrottles{"address"};

class BusinessCounters {
 public:
  BusinessCounters(prometheus::Registry& registry, const KnownLabels& known);

  /// The topics handle() counts.
  static const std::vector<std::string>& topics();
  /// Counts one event; ignores topics it does not know. Thread-safe.
  void handle(const cc::Event& event);

 private:
  KnownValues plans_, tiers_, errorCodes_, limitTypes_, amountTiers_, stopReasons_, loginThrottles_, signupThrottles_;
  prometheus::Family<prometheus::Counter>& signups_;
  prometheus::Family<prometheus::Counter>& loginFailures_;
  prometheus::Family<prometheus::Counter>& loginsThrottled_;
  prometheus::Family<prometheus::Counter>& signupsThrottled_;
  prometheus::Family<prometheus::Counter>& subscriptionsCreated_;
  prometheus::Family<prometheus::Counter>& subscriptionsCanceled_;
  prometheus::Family<prometheus::Counter>& paymentsSucceeded_;
  prometheus::Family<prometheus::Counter>& paymentsFailed_;
  prometheus::Family<prometheus::Counter>& analysisRuns_;
  prometheus::Family<prometheus::Counter>& analysisFailures_;
  prometheus::Family<prometheus::Counter>& rateLimitsExceeded_;
  prometheus::Family<prometheus::Counter>& reconcileStopped_;
};

}  // namespace cc::metrics
