#pragma once
// Billing's own Prometheus series, registered on the host's registry (ctx.metrics()) as the
// audit and backup plugins do theirs, and served by the metrics plugin's /metrics. They watch
// what fails quietly: Stripe's deliveries arriving late, reconciliation finding state our
// webhooks missed, and monthly credit grants of annual plans failing. Each is created at 0 at start, so rate() and the alerts work at once.
#include "subscription_reconciler.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>

namespace cc::billing {

class BillingMetrics {
 public:
  explicit BillingMetrics(prometheus::Registry& registry);

  /// A webhook delivery was handled (answered 200): how long after Stripe created the event.
  /// `createdUnix` <= 0 (no `created` field) is not observed; a clock ahead of ours counts as 0.
  void webhookHandled(std::int64_t createdUnix, std::int64_t nowUnix);
  /// A reconciliation run ended: the subscriptions whose Stripe state it had to apply are drift.
  void reconcileRun(const ReconcileReport& report);
  /// A run of billing.annual_credits failed: the grants due wait for the next run.
  void creditGrantRunFailed();

 private:
  prometheus::Histogram& webhookLag_;
  prometheus::Counter& reconcileDrift_;
  prometheus::Counter& creditGrantFailures_;
};

}  // namespace cc::billing
