#pragma once
// POST /api/subscriptions/preview-change {"planId"}: what changing the caller's plan now would
// cost and the upgrade credits it would grant, from Stripe's invoice preview
// (POST /v1/invoices/create_preview). Nothing is stored and nothing changes at Stripe.
//
// The checks and errors are change-plan's (SubscriptionRoutes::planChange). The credits come
// from the preview's proration lines through upgrade_credits.hpp, the computation the paid
// invoice's grant uses, so the preview shows what the grant will give. Its effectiveAt is the
// proration date Stripe priced; sent back with change-plan, Stripe prorates as of that second.
#include "billing_config.hpp"
#include "stripe_client.hpp"
#include "subscription_routes.hpp"

#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>

#include <Poco/Logger.h>

#include <memory>

namespace cc::billing {

class ChangePreviewRoute {
 public:
  /// `client` is null when no secret key is configured (then `routes` answers 503 first).
  ChangePreviewRoute(const BillingConfig& config, SubscriptionRoutes& routes, std::shared_ptr<StripeClient> client,
                     Events& events, Poco::Logger& log)
      : config_(config), routes_(routes), client_(std::move(client)), events_(events), log_(log) {}

  void handle(Request& req, Response& res);

 private:
  const BillingConfig& config_;
  SubscriptionRoutes& routes_;
  std::shared_ptr<StripeClient> client_;
  Events& events_;
  Poco::Logger& log_;
};

}  // namespace cc::billing
