// Per-user, per-tier rate limiting backed by the "RateLimitTracker" table, so every host
// instance sharing the database enforces the same counters (enterprise guide, section 3).
#include "rate_limiter.hpp"
#include "request_classifier.hpp"

#include <codecouncil/ratelimit/events.hpp>
#include <codecouncil/sdk/sdk.hpp>

#include <memory>

namespace {

class RateLimitPlugin : public cc::ConfiguredPlugin<cc::ratelimit::LimiterOptions> {
 public:
  std::string name() const override { return "ratelimit"; }
  std::string version() const override { return "1.0.0"; }

  // Handlers capture `this`: they run only between start() and stop() (context.hpp).
  void declare(cc::Declarations& d, const cc::ratelimit::LimiterOptions&) override {
    d.topic(cc::ratelimit::topics::kRateLimitExceeded);
    d.http().use("ratelimit.limiter", cc::phase::kAdmission,
                 [this](cc::Request& req, cc::Response& res, const cc::Next& next) {
                   limiter_->middleware(req, res, next);
                 });
    d.http().add("GET", cc::ratelimit::kUsagePath,
                 [this](cc::Request& req, cc::Response& res) { limiter_->usage(req, res); }, {cc::Access::User});
  }

  void start(cc::Context& ctx, const cc::ratelimit::LimiterOptions& options) override {
    limiter_ = std::make_unique<cc::ratelimit::RateLimiter>(ctx.db(), ctx.waiting(), ctx.events(), ctx.logger(), options);

    for (const auto& [tier, limits] : options.tiers.all())
      ctx.logger().information("tier %s: %s requests/day, %s/month, %s analysis runs/day, %s/month", tier,
                               show(limits.requestsPerDay), show(limits.requestsPerMonth),
                               show(limits.analysisRunsPerDay), show(limits.analysisRunsPerMonth));
    ctx.logger().information("when the tracker fails: %s",
                             std::string(options.failOpen ? "serve uncounted (fail_open)" : "answer 503"));
  }

  void stop() override { limiter_.reset(); }

 private:
  static std::string show(const std::optional<std::int64_t>& limit) {
    return limit ? std::to_string(*limit) : std::string("unlimited");
  }

  std::unique_ptr<cc::ratelimit::RateLimiter> limiter_;
};

}  // namespace

CODECOUNCIL_PLUGIN(RateLimitPlugin)
