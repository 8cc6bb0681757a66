// The billing plugin: Stripe subscriptions, signed webhooks, the credit ledger and billing
// mail. This file only wires the parts in src/ to the host.
#include "annual_grants.hpp"
#include "billing_metrics.hpp"
#include "billing_config.hpp"
#include "billing_service.hpp"
#include "billing_store.hpp"
#include "change_preview_route.hpp"
#include "stripe_objects.hpp"
#include "credit_ledger.hpp"
#include "credits_route.hpp"
#include "pack_routes.hpp"
#include "self_service_routes.hpp"
#include "stripe_account_check.hpp"
#include "stripe_client.hpp"
#include "subscription_reconciler.hpp"
#include "subscription_routes.hpp"
#include "webhook_processor.hpp"
#include "webhook_route.hpp"

#include <codecouncil/billing/events.hpp>
#include <codecouncil/sdk/sdk.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>

namespace {

using namespace cc::billing;

// Everything the handlers use: created in start(), released in stop(). Shared only so the
// CreditLedger handed to dependents keeps it alive while a dependent still holds it.
struct Runtime {
  Runtime(cc::Context& ctx, BillingConfig cfg)
      : config(std::move(cfg)),
        store(ctx.db(), ctx.users(), config.plans),
        ledger(std::make_shared<SqlCreditLedger>(ctx.db())),
        processor(ctx.db(), store, *ledger, ctx.mailer(), ctx.events(), config.plans, config.livemode,
                  ctx.logger(), config.packs),
        metrics(ctx.metrics()),
        webhook(config, processor, ctx.logger(), &metrics),
        grants(ctx.db(), store, *ledger, config.plans, &ctx.events(), ctx.logger()) {
    processor.setBillingPageUrl(config.portalReturnUrl);  // dunning mails link the app's billing page
    if (config.apiConfigured()) {
      StripeClientOptions options;
      options.apiBase = config.apiBase;
      options.secretKey = config.secretKey;
      options.apiVersion = config.apiVersion;
      options.timeoutSeconds = config.timeoutSeconds;
      options.maxRetries = config.maxRetries;
      options.retryBaseMs = config.retryBaseMs;
      options.retryMaxMs = config.retryMaxMs;
      client = std::make_shared<StripeClient>(options, ctx.logger());
    }
    routes = std::make_unique<SubscriptionRoutes>(config, ctx.db(), store, *ledger, client, ctx.logger(),
                                                  [this](const std::string& customerId) {
                                                    processor.applyParkedEventsOf(customerId);
                                                  });
    changePreview = std::make_unique<ChangePreviewRoute>(config, *routes, client, ctx.events(), ctx.logger());
    selfService = std::make_unique<SelfServiceRoutes>(config, ctx.db(), store, client, ctx.events(), ctx.logger());
    credits = std::make_unique<CreditsRoute>(ctx.db(), client != nullptr, ctx.events());
    packs = std::make_unique<PackRoutes>(config, client, ctx.events(), ctx.logger(),
                                         [this](const cc::User& user) { return routes->ensureCustomer(user); });
    if (client) {
      ReconcileOptions reconcile;
      reconcile.graceSeconds = config.reconcileGraceSeconds;
      reconcile.batchSize = config.reconcileBatchSize;
      reconcile.intervalSeconds = config.reconcileIntervalSeconds;
      reconcile.missingLimit = config.reconcileMissingLimit;
      StripeAccountCheck accountCheck(ctx.db(), client, config.accountId, livemodeOfKey(config.secretKey),
                                      config.livemode, ctx.logger());
      reconciler = std::make_unique<SubscriptionReconciler>(ctx.db(), store, processor, client,
                                                            std::move(accountCheck), ctx.events(), reconcile,
                                                            ctx.logger());
    }
  }

  BillingConfig config;
  BillingStore store;
  std::shared_ptr<SqlCreditLedger> ledger;
  std::shared_ptr<StripeClient> client;
  WebhookProcessor processor;
  BillingMetrics metrics;
  WebhookRoute webhook;
  AnnualGrants grants;
  std::unique_ptr<SubscriptionRoutes> routes;
  std::unique_ptr<SelfServiceRoutes> selfService;
  std::unique_ptr<ChangePreviewRoute> changePreview;
  std::unique_ptr<CreditsRoute> credits;
  std::unique_ptr<PackRoutes> packs;
  std::unique_ptr<SubscriptionReconciler> reconciler;  ///< null without a Stripe secret key
};

class BillingPlugin : public cc::ConfiguredPlugin<BillingConfig> {
 public:
  std::string name() const override { return "billing"; }
  std::string version() const override { return "1.0.0"; }

  // Handlers capture `this`: they run only between start() and stop() (context.hpp).
  void declare(cc::Declarations& d, const BillingConfig& config) override {
    d.commands().add("billing-grant-annual", "grant the monthly credits of annual plans that are due now",
                     [](cc::Context& ctx, const std::vector<std::string>&) {
                       // A command's context is not started: declare what the grants publish.
                       for (auto& topic : cc::billing::topics::all()) ctx.events().declare(topic);
                       BillingConfig config = loadBillingConfig(ctx.config());
                       BillingStore store(ctx.db(), ctx.users(), config.plans);
                       SqlCreditLedger ledger(ctx.db());
                       AnnualGrants grants(ctx.db(), store, ledger, config.plans, &ctx.events(), ctx.logger());
                       int n = grants.run(static_cast<std::int64_t>(std::time(nullptr)));
                       std::printf("granted %d monthly credit grants\n", n);
                       return 0;
                     });
    for (auto& topic : cc::billing::topics::all()) d.topic(topic);
    d.provides<cc::billing::BillingService>();
    d.provides<cc::billing::CreditLedger>();

    auto& http = d.http();
    constexpr std::size_t kSmallBody = 16 * 1024;
    http.add("GET", "/api/subscriptions/plans", [this](cc::Request& q, cc::Response& r) { runtime_->routes->plans(q, r); },
             {cc::Access::Public});
    http.add("GET", "/api/subscriptions/current",
             [this](cc::Request& q, cc::Response& r) { runtime_->routes->current(q, r); }, {cc::Access::User});
    http.add("POST", "/api/subscriptions/create",
             [this](cc::Request& q, cc::Response& r) { runtime_->routes->create(q, r); }, {cc::Access::User, kSmallBody});
    http.add("POST", "/api/subscriptions/cancel",
             [this](cc::Request& q, cc::Response& r) { runtime_->routes->cancel(q, r); }, {cc::Access::User, kSmallBody});
    http.add("POST", "/api/subscriptions/change-plan",
             [this](cc::Request& q, cc::Response& r) { runtime_->routes->changePlan(q, r); },
             {cc::Access::User, kSmallBody});
    http.add("POST", "/api/subscriptions/preview-change",
             [this](cc::Request& q, cc::Response& r) { runtime_->changePreview->handle(q, r); },
             {cc::Access::User, kSmallBody});
    http.add("POST", "/api/subscriptions/portal",
             [this](cc::Request& q, cc::Response& r) { runtime_->selfService->portal(q, r); },
             {cc::Access::User, kSmallBody});
    http.add("GET", "/api/subscriptions/invoices",
             [this](cc::Request& q, cc::Response& r) { runtime_->selfService->invoices(q, r); }, {cc::Access::User});
    http.add("GET", "/api/credits", [this](cc::Request& q, cc::Response& r) { runtime_->credits->handle(q, r); },
             {cc::Access::User});
    http.add("GET", "/api/credits/packs", [this](cc::Request& q, cc::Response& r) { runtime_->packs->list(q, r); },
             {cc::Access::User});
    http.add("POST", "/api/credits/purchase",
             [this](cc::Request& q, cc::Response& r) { runtime_->packs->purchase(q, r); },
             {cc::Access::User, kSmallBody});
    http.add("POST", "/api/billing/stripe/webhook",
             [this](cc::Request& q, cc::Response& r) { runtime_->webhook.handle(q, r); }, {cc::Access::Public});

    d.scheduler().every("annual_credits", std::chrono::seconds(config.annualGrantIntervalSeconds),
                        [this](const cc::JobRun&) {
                          try {
                            runtime_->grants.run(static_cast<std::int64_t>(std::time(nullptr)));
                          } catch (...) {
                            runtime_->metrics.creditGrantRunFailed();  // the scheduler logs the error
                            throw;
                          }
                        });

    // Parked webhook events whose customer never got linked: checked at least hourly, and
    // often enough that none outlives its time by more than the time itself.
    auto ttl = config.pendingEventTtlSeconds;
    d.scheduler().every("expire_parked_events", std::chrono::seconds(std::min<std::int64_t>(ttl, 3600)),
                        [this, ttl](const cc::JobRun&) {
                          runtime_->processor.expireParkedEvents(static_cast<std::int64_t>(std::time(nullptr)) - ttl);
                        });

    // A lost webhook must not leave a paid tier behind forever: check with Stripe's API. The
    // reconciler exists exactly when the API is configured (Runtime).
    if (config.apiConfigured() && config.reconcileIntervalSeconds > 0)
      d.scheduler().every("reconcile_subscriptions", std::chrono::seconds(config.reconcileIntervalSeconds),
                          [this](const cc::JobRun&) { runtime_->metrics.reconcileRun(runtime_->reconciler->run()); });
  }

  void start(cc::Context& ctx, const BillingConfig& config) override {
    auto rt = std::make_shared<Runtime>(ctx, config);
    runtime_ = rt;
    ctx.services().provide<cc::billing::BillingService>(
        std::make_shared<StoreBillingService>(ctx.db(), rt->store, rt->config.plans));
    ctx.services().provide<cc::billing::CreditLedger>(
        std::shared_ptr<cc::billing::CreditLedger>(rt, rt->ledger.get()));

    if (!rt->config.apiConfigured())
      ctx.logger().warning("billing: no Stripe secret key (STRIPE_SECRET_KEY); subscription endpoints answer 503");
    if (rt->config.webhookSecrets.empty())
      ctx.logger().warning("billing: no webhook secret (STRIPE_WEBHOOK_SECRET); the webhook answers 503");
    ctx.logger().information("billing ready: api %s, version %s, %d webhook secret(s), %s flow, %s mode",
                             rt->config.apiBase, rt->config.apiVersion,
                             static_cast<int>(rt->config.webhookSecrets.size()), rt->config.paymentFlow,
                             std::string(modeName(rt->config.livemode)));
  }

  void stop() override { runtime_.reset(); }

 private:
  std::shared_ptr<Runtime> runtime_;
};

}  // namespace

CODECOUNCIL_PLUGIN(BillingPlugin)
