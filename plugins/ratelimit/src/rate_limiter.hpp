#pragma once
// The middleware (count, refuse with 429, add X-RateLimit-* headers) and the usage endpoint.
#include "limit_policy.hpp"
#include "tier_limits.hpp"
#include "tracker_store.hpp"

#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>

#include <Poco/Logger.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>

namespace cc::ratelimit {

struct LimiterOptions {
  TierTable tiers = TierTable::defaults();
  /// When the tracker cannot be reached: true serves the request uncounted, false answers 503.
  bool failOpen = true;

  /// The plugin's config keys (docs/rate-limiting.md).
  static void describe(ConfigReader& r, LimiterOptions& o) {
    TierTable::describe(r, o.tiers);
    r.boolean("fail_open", o.failOpen);
  }
};

class RateLimiter {
 public:
  RateLimiter(Database& db, Waiting& waiting, Events& events, Poco::Logger& log, LimiterOptions options);

  void middleware(Request& req, Response& res, const Next& next);
  /// GET /api/rate-limit/usage
  void usage(Request& req, Response& res);

 private:
  void refuse(Request& req, Response& res, const Refusal& refusal, const std::string& tier);
  void onStoreError(const Request& req, const std::string& what);
  const TierLimits& limitsFor(const std::string& tier);

  TrackerStore store_;
  Events& events_;
  Poco::Logger& log_;
  LimiterOptions options_;
  std::atomic<std::int64_t> storeErrors_{0};  ///< tracker failures since start: only thins out the log
  std::mutex unknownTiersMutex_;
  std::set<std::string> unknownTiersLogged_;
};

}  // namespace cc::ratelimit
