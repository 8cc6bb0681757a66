#pragma once
// The caller's own billing in Stripe, read or managed there rather than here:
//   POST /api/subscriptions/portal    a Stripe Billing Portal session to redirect to
//   GET  /api/subscriptions/invoices  the caller's invoices, one Stripe page at a time
//
// Nothing is stored or changed here: what the user does in the portal (card, cancel, plan)
// comes back through the webhook like every other Stripe change.
#include "billing_config.hpp"
#include "billing_store.hpp"
#include "stripe_client.hpp"

#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>

#include <Poco/Logger.h>

#include <memory>
#include <optional>
#include <string>

namespace cc::billing {

class SelfServiceRoutes {
 public:
  /// `client` is null when no secret key is configured: then both routes answer 503.
  SelfServiceRoutes(const BillingConfig& config, Database& db, BillingStore& store,
                    std::shared_ptr<StripeClient> client, Events& events, Poco::Logger& log)
      : config_(config), db_(db), store_(store), client_(std::move(client)), events_(events), log_(log) {}

  void portal(Request& req, Response& res);
  void invoices(Request& req, Response& res);

 private:
  StripeClient& requireClient();
  std::optional<std::string> customerOf(const std::string& userId);
  void auditListed(const Request& req, const User& user, std::int64_t count);

  const BillingConfig& config_;
  Database& db_;
  BillingStore& store_;
  std::shared_ptr<StripeClient> client_;
  Events& events_;  ///< audited: billing.portal_session_created, billing.invoices_listed
  Poco::Logger& log_;
};

}  // namespace cc::billing
