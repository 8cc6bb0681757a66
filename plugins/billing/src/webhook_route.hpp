#pragma once
// POST /api/billing/stripe/webhook: signature on the raw bytes first, then the processor.
#include "billing_config.hpp"
#include "billing_metrics.hpp"
#include "webhook_processor.hpp"

#include <codecouncil/sdk/http.hpp>

#include <Poco/Logger.h>

namespace cc::billing {

class WebhookRoute {
 public:
  /// `metrics`, when given, observes each handled delivery's lag (stripe_webhook_lag_seconds).
  WebhookRoute(const BillingConfig& config, WebhookProcessor& processor, Poco::Logger& log,
               BillingMetrics* metrics = nullptr)
      : config_(config), processor_(processor), log_(log), metrics_(metrics) {}

  /// 400 for a bad signature or body (nothing written), 200 once handled or when already
  /// handled, 503 + Retry-After when the database is unavailable and 500 on another failure,
  /// so Stripe retries.
  void handle(Request& req, Response& res);

 private:
  const BillingConfig& config_;
  WebhookProcessor& processor_;
  Poco::Logger& log_;
  BillingMetrics* metrics_;
};

}  // namespace cc::billing
