#pragma once
// Pure decisions on top of the counters: which window the X-RateLimit-* headers describe, and
// which window refused a request (its message, reset time and Retry-After).
#include "tier_limits.hpp"
#include "tracker_store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <vector>

namespace cc::ratelimit {

/// The windows a request is counted in: always the request windows, plus the analysis windows
/// for an analysis run.
std::span<const LimitType> windowsFor(bool analysisRun);

/// When `type`'s current window ends, in the guide's header form ("2025-01-16T00:00:00Z").
std::string resetOf(LimitType type, const WindowUsage& usage);

struct WindowStatus {
  LimitType type;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::string reset;
};

/// The limited window with the fewest requests left (ties: the one that resets first, then the
/// analysis window). nullopt when none of the request's windows has a limit.
std::optional<WindowStatus> tightestWindow(const WindowUsage& afterCount, const TierLimits& limits, bool analysisRun);

struct Refusal {
  LimitType type;
  std::int64_t limit = 0;
  std::string reset;
  std::int64_t retryAfterSeconds = 0;
  std::string message;
};

/// Why a request was refused, given the counters as they stand (with `now`). Among the windows
/// without room, the one that frees up last: retrying before then is refused again. nullopt when
/// every window has room (the counters moved since the refusal, e.g. a manual reset).
std::optional<Refusal> explainRefusal(const WindowUsage& current, const TierLimits& limits, bool analysisRun);

/// "Daily analysis limit exceeded: 20/day. Upgrade your plan for more."
std::string refusalMessage(LimitType type, std::int64_t limit);

}  // namespace cc::ratelimit
