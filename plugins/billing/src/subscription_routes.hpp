#pragma once
// /api/subscriptions/*: plans, the caller's subscription, create, cancel, change plan.
//
// State changes come back through webhooks, the single source of truth; the API answers of
// create, cancel and change-plan are written too, so the caller sees the result at once,
// but never over a row a webhook has already written newer state into.
#include "billing_config.hpp"
#include "billing_store.hpp"
#include "credit_ledger.hpp"
#include "stripe_client.hpp"

#include <codecouncil/sdk/http.hpp>

#include <Poco/Logger.h>

#include <functional>
#include <memory>

namespace cc::billing {

class SubscriptionRoutes {
 public:
  /// `client` is null when no secret key is configured: then everything but the plan list
  /// answers 503.
  /// `customerLinked` runs after a Stripe customer was stored for a user here, to apply the
  /// webhook events that arrived for it before the link (WebhookProcessor::applyParkedEventsOf).
  SubscriptionRoutes(const BillingConfig& config, Database& db, BillingStore& store, SqlCreditLedger& ledger,
                     std::shared_ptr<StripeClient> client, Poco::Logger& log,
                     std::function<void(const std::string& customerId)> customerLinked = {})
      : config_(config), db_(db), store_(store), ledger_(ledger), client_(std::move(client)), log_(log),
        customerLinked_(std::move(customerLinked)), plansBody_(plansJsonText(config)) {}

  void plans(Request& req, Response& res);
  void current(Request& req, Response& res);
  void create(Request& req, Response& res);
  void cancel(Request& req, Response& res);
  void changePlan(Request& req, Response& res);

  /// What a plan change of the caller would change, with change-plan's checks and errors:
  /// 503 without Stripe, 400 for a missing or unknown plan id in body field `planField`, 404
  /// without an active subscription, 409 for the current plan. Shared with the preview
  /// (change_preview_route.hpp) so both answer alike.
  struct PlanChange {
    SubscriptionRow subscription;
    const Plan* plan = nullptr;
    std::string itemId;  ///< the subscription item to reprice (read from Stripe when not stored)
  };
  PlanChange planChange(const User& user, const json::ObjectPtr& body, const std::string& planField);

  /// The user's Stripe customer id, created at Stripe and linked on first use (then the
  /// events parked for it are applied). Also used by the credit pack purchase.
  std::string ensureCustomer(const User& user);

 private:
  StripeClient& requireClient();
  void applyParkedEvents(const std::string& customerId);
  json::ObjectPtr currentJson(const std::string& userId);
  std::optional<SubscriptionRow> currentSubscription(const std::string& userId);

  const BillingConfig& config_;
  Database& db_;
  BillingStore& store_;
  SqlCreditLedger& ledger_;
  std::shared_ptr<StripeClient> client_;
  Poco::Logger& log_;
  std::function<void(const std::string& customerId)> customerLinked_;
  // The plan list comes from config and never changes while the plugin runs; it is written
  // once instead of on every request of the busiest public endpoint.
  const std::string plansBody_;

  static std::string plansJsonText(const BillingConfig& config);
};

}  // namespace cc::billing
