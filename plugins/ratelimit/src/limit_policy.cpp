#include "limit_policy.hpp"

#include "calendar_window.hpp"


namespace cc::ratelimit {

std::span<const LimitType> windowsFor(bool analysisRun) {
  // Constant lists: every counted request asks twice, and a vector allocated each time.
  static constexpr LimitType kAnalysis[] = {LimitType::DailyAnalysis, LimitType::MonthlyAnalysis,
                                            LimitType::DailyRequests, LimitType::MonthlyRequests};
  static constexpr LimitType kRequests[] = {LimitType::DailyRequests, LimitType::MonthlyRequests};
  if (analysisRun) return kAnalysis;
  return kRequests;
}

std::string resetOf(LimitType type, const WindowUsage& usage) {
  return isDaily(type) ? nextDayStart(usage.dayStart) : nextMonthStart(usage.monthStart);
}

std::optional<WindowStatus> tightestWindow(const WindowUsage& afterCount, const TierLimits& limits, bool analysisRun) {
  std::optional<WindowStatus> best;
  for (LimitType type : windowsFor(analysisRun)) {
    auto limit = limits.of(type);
    if (!limit) continue;
    std::int64_t remaining = *limit - afterCount.count(type);
    if (remaining < 0) remaining = 0;
    // windowsFor() lists daily before monthly and analysis before requests, so "strictly fewer"
    // keeps the preferred window on ties.
    if (!best || remaining < best->remaining) best = WindowStatus{type, *limit, remaining, ""};
  }
  if (best) best->reset = resetOf(best->type, afterCount);
  return best;
}

std::optional<Refusal> explainRefusal(const WindowUsage& current, const TierLimits& limits, bool analysisRun) {
  std::optional<Refusal> worst;
  for (LimitType type : windowsFor(analysisRun)) {
    auto limit = limits.of(type);
    if (!limit || current.count(type) + 1 <= *limit) continue;
    std::string reset = resetOf(type, current);
    // ISO timestamps of one form compare as strings; later reset wins, earlier listed wins ties.
    if (!worst || reset > worst->reset) worst = Refusal{type, *limit, reset, 0, ""};
  }
  if (worst) {
    worst->retryAfterSeconds = secondsUntil(worst->reset, current.now);
    worst->message = refusalMessage(worst->type, worst->limit);
  }
  return worst;
}

std::string refusalMessage(LimitType type, std::int64_t limit) {
  std::string period = isDaily(type) ? "Daily" : "Monthly";
  std::string what = isAnalysis(type) ? "analysis" : "request";
  std::string per = isDaily(type) ? "/day" : "/month";
  return period + " " + what + " limit exceeded: " + std::to_string(limit) + per + ". Upgrade your plan for more.";
}

}  // namespace cc::ratelimit
