#include "billing_metrics.hpp"

#include <algorithm>

namespace cc::billing {
namespace {

// Stripe delivers within seconds; its retries after failed deliveries back off to about an
// hour, and it gives up after three days.
const prometheus::Histogram::BucketBoundaries kLagBuckets{1, 5, 30, 60, 300, 900, 1800, 3600, 21600, 86400, 259200};

}  // namespace

BillingMetrics::BillingMetrics(prometheus::Registry& registry)
    : webhookLag_(prometheus::BuildHistogram()
                      .Name("stripe_webhook_lag_seconds")
                      .Help("Seconds from Stripe creating an event to its webhook delivery being handled (200)")
                      .Register(registry)
                      .Add({}, kLagBuckets)),
      reconcileDrift_(prometheus::BuildCounter()
                          .Name("billing_reconcile_drift_total")
                          .Help("Subscriptions whose Stripe state differed from ours and that reconciliation applied "
                                "(a webhook was lost or never sent)")
                          .Register(registry)
                          .Add({})),
      creditGrantFailures_(prometheus::BuildCounter()
                               .Name("billing_credit_grant_failures_total")
                               .Help("Runs of billing.annual_credits that failed (the due monthly credit grants wait "
                                     "for the next run)")
                               .Register(registry)
                               .Add({})) {}

void BillingMetrics::webhookHandled(std::int64_t createdUnix, std::int64_t nowUnix) {
  if (createdUnix <= 0) return;
  webhookLag_.Observe(static_cast<double>(std::max<std::int64_t>(0, nowUnix - createdUnix)));
}

void BillingMetrics::creditGrantRunFailed() { creditGrantFailures_.Increment(); }

void BillingMetrics::reconcileRun(const ReconcileReport& report) {
  if (report.applied > 0) reconcileDrift_.Increment(report.applied);
}

}  // namespace cc::billing
