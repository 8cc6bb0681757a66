#include "rate_limiter.hpp"

#include "limit_policy.hpp"
#include "request_classifier.hpp"

#include <codecouncil/ratelimit/events.hpp>

#include <stdexcept>
#include <utility>

namespace cc::ratelimit {

namespace {

struct Decision {
  std::optional<WindowUsage> counted;  ///< set when the request was counted
  std::optional<Refusal> refusal;      ///< set when it was refused
};

bool hasZeroLimit(const TierLimits& limits, bool analysisRun) {
  for (LimitType type : windowsFor(analysisRun))
    if (auto limit = limits.of(type); limit && *limit == 0) return true;
  return false;
}

Decision decide(TrackerStore& store, const std::string& userId, bool analysisRun, const TierLimits& limits) {
  // A zero limit refuses everything; the upsert's first INSERT would not check it.
  bool refuseOutright = hasZeroLimit(limits, analysisRun);
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (!refuseOutright)
      if (auto counted = store.tryCount(userId, analysisRun, limits)) return {std::move(counted), std::nullopt};
    // Refused. Read the counters only to explain the refusal; the decision is already made.
    if (auto refusal = explainRefusal(store.current(userId), limits, analysisRun)) return {std::nullopt, refusal};
    // Every window has room again (a manual reset or a new day between the two statements).
  }
  throw std::runtime_error("the counters changed during three attempts to count one request");
}

Poco::Dynamic::Var limitOrNull(const std::optional<std::int64_t>& limit) {
  return limit ? Poco::Dynamic::Var(*limit) : Poco::Dynamic::Var();
}

Poco::Dynamic::Var remainingOrNull(const std::optional<std::int64_t>& limit, std::int64_t used) {
  if (!limit) return {};
  return std::max<std::int64_t>(0, *limit - used);
}

}  // namespace

RateLimiter::RateLimiter(Database& db, Waiting& waiting, Events& events, Poco::Logger& log, LimiterOptions options)
    : store_(db, waiting), events_(events), log_(log), options_(std::move(options)) {}

const TierLimits& RateLimiter::limitsFor(const std::string& tier) {
  if (!options_.tiers.knows(tier)) {
    std::lock_guard<std::mutex> lock(unknownTiersMutex_);
    if (unknownTiersLogged_.insert(tier).second)
      log_.warning("user tier '%s' is not configured; using the '%s' tier's limits", tier, std::string(kFreeTier));
  }
  return options_.tiers.forTier(tier);
}

void RateLimiter::middleware(Request& req, Response& res, const Next& next) {
  Counted kind = classify(req);
  if (kind == Counted::No) return next();
  const bool analysisRun = kind == Counted::AnalysisRun;
  const std::string tier = req.user->tier;
  const TierLimits& limits = limitsFor(tier);

  Decision decision;
  try {
    decision = decide(store_, req.user->id, analysisRun, limits);
  } catch (const std::exception& e) {
    onStoreError(req, e.what());
    if (!options_.failOpen)
      throw HttpError(503, "rate limiting is temporarily unavailable").header("Retry-After", "1");
    return next();
  }
  if (decision.refusal) return refuse(req, res, *decision.refusal, tier);

  next();
  // Set after the handler: an error response replaces the headers set before it.
  if (auto window = tightestWindow(*decision.counted, limits, analysisRun)) {
    res.setHeader("X-RateLimit-Limit", std::to_string(window->limit));
    res.setHeader("X-RateLimit-Remaining", std::to_string(window->remaining));
    res.setHeader("X-RateLimit-Reset", window->reset);
    res.setHeader("X-RateLimit-Resource", limitTypeName(window->type));
  }
}

void RateLimiter::refuse(Request& req, Response& res, const Refusal& refusal, const std::string& tier) {
  auto body = json::object();
  body->set("error", refusal.message);
  body->set("retryAfter", refusal.retryAfterSeconds);
  res.json(429, body);
  res.setHeader("Retry-After", std::to_string(refusal.retryAfterSeconds));
  res.setHeader("X-RateLimit-Limit", std::to_string(refusal.limit));
  res.setHeader("X-RateLimit-Remaining", "0");
  res.setHeader("X-RateLimit-Reset", refusal.reset);
  res.setHeader("X-RateLimit-Resource", limitTypeName(refusal.type));

  auto event = json::object();
  event->set("userId", req.user->id);
  event->set("tier", tier);
  event->set("limitType", std::string(limitTypeName(refusal.type)));
  event->set("limit", refusal.limit);
  events_.publish(topics::kRateLimitExceeded, event, req);
}

void RateLimiter::onStoreError(const Request& req, const std::string& what) {
  std::int64_t n = ++storeErrors_;
  // The first error and then every hundredth: an outage must not flood the log.
  if (n == 1 || n % 100 == 0)
    log_.error("request %s: rate limit tracker failed (%s errors since start), %s: %s", req.requestId,
               std::to_string(n), std::string(options_.failOpen ? "serving uncounted" : "answering 503"), what);
}

void RateLimiter::usage(Request& req, Response& res) {
  const User& user = req.requireUser();
  const TierLimits& limits = limitsFor(user.tier);
  WindowUsage u;
  try {
    u = store_.current(user.id);
  } catch (const std::exception& e) {
    onStoreError(req, e.what());
    throw HttpError(503, "rate limit usage is temporarily unavailable").header("Retry-After", "1");
  }
  auto body = json::object();
  body->set("tier", user.tier);
  body->set("requests", limitOrNull(limits.requestsPerDay));
  body->set("requestsRemaining", remainingOrNull(limits.requestsPerDay, u.requestsToday));
  body->set("analysisRuns", limitOrNull(limits.analysisRunsPerDay));
  body->set("analysisRunsRemaining", remainingOrNull(limits.analysisRunsPerDay, u.analysisRunsToday));
  body->set("monthlyRequests", limitOrNull(limits.requestsPerMonth));
  body->set("monthlyRequestsRemaining", remainingOrNull(limits.requestsPerMonth, u.requestsThisMonth));
  body->set("monthlyAnalysisRuns", limitOrNull(limits.analysisRunsPerMonth));
  body->set("monthlyAnalysisRunsRemaining", remainingOrNull(limits.analysisRunsPerMonth, u.analysisRunsThisMonth));
  body->set("dailyReset", resetOf(LimitType::DailyRequests, u));
  body->set("monthlyReset", resetOf(LimitType::MonthlyRequests, u));
  auto used = json::object();
  used->set("requestsToday", u.requestsToday);
  used->set("requestsThisMonth", u.requestsThisMonth);
  used->set("analysisRunsToday", u.analysisRunsToday);
  used->set("analysisRunsThisMonth", u.analysisRunsThisMonth);
  body->set("used", used);
  res.json(200, body);
}

}  // namespace cc::ratelimit
