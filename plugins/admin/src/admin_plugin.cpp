// The admin plugin: the admin API under /api/admin and the operator's dashboard at /admin.
// Audit and billing are optional: without them their sections are empty and say why.
#include "admin_api.hpp"
#include "admin_config.hpp"
#include "admin_topics.hpp"
#include "static_files.hpp"

#include <codecouncil/sdk/sdk.hpp>

#include <memory>

namespace cc::admin {
namespace {

class AdminPlugin : public ConfiguredPlugin<AdminSettings> {
 public:
  std::string name() const override { return "admin"; }
  std::string version() const override { return "1.0.0"; }
  std::vector<std::string> optionalDependencies() const override { return {"audit", "billing"}; }

  // Handlers capture `this` (or the member api_): they run only between start() and stop()
  // (context.hpp).
  void declare(Declarations& d, const AdminSettings& settings) override {
    d.topic(topics::kUserSuspended);
    d.topic(topics::kUserReactivated);
    d.topic(topics::kUsersExported);
    d.topic(topics::kAuditLogsExported);
    d.subscribe("*", [this](const Event& e) { counters_->observe(e); });
    d.scheduler().every(
        "flush_counters", std::chrono::seconds(settings.flushSeconds),
        [this](const JobRun&) {
          try {
            counters_->flush();
          } catch (const std::exception& e) {
            log_->warning("cannot write activity counters (kept for the next run): %s", std::string(e.what()));
          }
        },
        {.exclusive = false});  // every instance writes the counts it saw itself
    AdminApi::registerRoutes(d.http(), api_);
    // The page itself is public; everything it shows comes from the admin API, which
    // checks the token on every call.
    d.http().add("GET", "/admin/*path", [this](Request& req, Response& res) { files_->serve(req.param("path"), res); },
                 {Access::Public});
  }

  void start(Context& ctx, const AdminSettings& configured) override {
    AdminSettings settings = configured.resolvedAgainst(ctx.host().configDir);
    log_ = &ctx.logger();
    Providers providers{ctx.services().get<audit::AuditLog>(), ctx.services().get<billing::BillingService>(),
                        ctx.services().get<billing::CreditLedger>()};
    if (!providers.audit) ctx.logger().notice("%s", std::string(kNoAudit));
    if (!providers.billing) ctx.logger().notice("%s", std::string(kNoBilling));
    if (!providers.credits) ctx.logger().notice("%s", std::string(kNoCredits));

    counters_ = std::make_shared<ActivityCounters>(ctx.db(), ctx.users());
    api_ = std::make_shared<AdminApi>(ctx.db(), ctx.users(), ctx.events(), ctx.logger(), providers, settings, counters_);
    files_ = std::make_unique<StaticFiles>(settings.webRoot);
    if (!files_->rootExists())
      ctx.logger().warning("dashboard folder %s does not exist (config key web_root): /admin will answer 404",
                           settings.webRoot);
    ctx.logger().information("admin API at /api/admin, dashboard at /admin (files from %s)", settings.webRoot);
  }

  void stop() override {
    // The last counts seen by this instance are written before the host closes the pool.
    if (!counters_) return;
    try {
      counters_->flush();
    } catch (const std::exception& e) {
      if (log_) log_->warning("activity counters lost at shutdown: %s", std::string(e.what()));
    }
    files_.reset();
    api_.reset();
    counters_.reset();
  }

 private:
  std::shared_ptr<ActivityCounters> counters_;
  std::shared_ptr<AdminApi> api_;
  std::unique_ptr<StaticFiles> files_;
  Poco::Logger* log_ = nullptr;
};

}  // namespace
}  // namespace cc::admin

CODECOUNCIL_PLUGIN(cc::admin::AdminPlugin)
