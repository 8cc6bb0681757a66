#pragma once
// Credit packs for the signed-in user:
//   GET  /api/credits/packs     the packs on sale, [{id, credits, priceId}]
//   POST /api/credits/purchase  {"pack"} -> 201 {checkoutSessionId, checkoutUrl}
//
// The purchase only opens a Stripe Checkout session (mode=payment). The credits come with
// the session's payment, through the webhook (pack_grants.hpp): never from this answer.
#include "billing_config.hpp"
#include "stripe_client.hpp"

#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>

#include <Poco/Logger.h>

#include <functional>
#include <memory>
#include <string>

namespace cc::billing {

class PackRoutes {
 public:
  /// `client` is null when no secret key is configured: then both routes answer 503.
  /// `ensureCustomer` is the subscription routes' own (SubscriptionRoutes::ensureCustomer):
  /// the user's Stripe customer, created and linked on first use.
  PackRoutes(const BillingConfig& config, std::shared_ptr<StripeClient> client, Events& events, Poco::Logger& log,
             std::function<std::string(const User&)> ensureCustomer)
      : config_(config), client_(std::move(client)), events_(events), log_(log),
        ensureCustomer_(std::move(ensureCustomer)) {}

  void list(Request& req, Response& res);
  void purchase(Request& req, Response& res);

 private:
  StripeClient& requireClient();

  const BillingConfig& config_;
  std::shared_ptr<StripeClient> client_;
  Events& events_;
  Poco::Logger& log_;
  std::function<std::string(const User&)> ensureCustomer_;
};

}  // namespace cc::billing
