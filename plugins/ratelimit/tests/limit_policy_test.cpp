// Header window choice, refusal explanation and messages.
#include "limit_policy.hpp"

#include <gtest/gtest.h>

using namespace cc::ratelimit;

namespace {
const TierLimits kStartup{1000, 20000, 20, 200};

WindowUsage usage(std::int64_t reqDay, std::int64_t reqMonth, std::int64_t runDay, std::int64_t runMonth) {
  return WindowUsage{reqDay, reqMonth, runDay, runMonth, "2025-01-15T00:00:00.000Z", "2025-01-01T00:00:00.000Z",
                     "2025-01-15T00:00:00.000Z"};
}
}  // namespace

TEST(LimitPolicy, MessagesFollowTheGuide) {
  EXPECT_EQ(refusalMessage(LimitType::DailyAnalysis, 20),
            "Daily analysis limit exceeded: 20/day. Upgrade your plan for more.");
  EXPECT_EQ(refusalMessage(LimitType::MonthlyAnalysis, 200),
            "Monthly analysis limit exceeded: 200/month. Upgrade your plan for more.");
  EXPECT_EQ(refusalMessage(LimitType::DailyRequests, 1000),
            "Daily request limit exceeded: 1000/day. Upgrade your plan for more.");
  EXPECT_EQ(refusalMessage(LimitType::MonthlyRequests, 20000),
            "Monthly request limit exceeded: 20000/month. Upgrade your plan for more.");
}

TEST(LimitPolicy, HeadersDescribeTheTightestWindow) {
  // The guide's example: an analysis run with 18 runs left today.
  auto w = tightestWindow(usage(13, 13, 2, 2), kStartup, true);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->type, LimitType::DailyAnalysis);
  EXPECT_EQ(w->limit, 20);
  EXPECT_EQ(w->remaining, 18);
  EXPECT_EQ(w->reset, "2025-01-16T00:00:00Z");
  // A plain request only looks at the request windows, however few runs are left.
  w = tightestWindow(usage(13, 13, 20, 20), kStartup, false);
  EXPECT_EQ(w->type, LimitType::DailyRequests);
  EXPECT_EQ(w->remaining, 987);
  // When the month has less room than the day, the month is what the client must see.
  w = tightestWindow(usage(10, 19995, 0, 0), kStartup, false);
  EXPECT_EQ(w->type, LimitType::MonthlyRequests);
  EXPECT_EQ(w->remaining, 5);
  EXPECT_EQ(w->reset, "2025-02-01T00:00:00Z");
}

TEST(LimitPolicy, NoHeadersWithoutAnyLimit) {
  EXPECT_FALSE(tightestWindow(usage(5, 5, 5, 5), TierLimits{}, true));
}

TEST(LimitPolicy, RefusalNamesTheWindowThatFreesUpLast) {
  auto r = explainRefusal(usage(100, 100, 20, 50), kStartup, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, LimitType::DailyAnalysis);
  EXPECT_EQ(r->retryAfterSeconds, 86400);
  EXPECT_EQ(r->reset, "2025-01-16T00:00:00Z");
  EXPECT_EQ(r->message, "Daily analysis limit exceeded: 20/day. Upgrade your plan for more.");
  // Day and month both exhausted: retrying tomorrow would fail, so the month is reported.
  r = explainRefusal(usage(100, 100, 20, 200), kStartup, true);
  EXPECT_EQ(r->type, LimitType::MonthlyAnalysis);
  EXPECT_EQ(r->retryAfterSeconds, 17 * 86400);
  // A plain request is not refused for analysis runs.
  EXPECT_FALSE(explainRefusal(usage(100, 100, 20, 200), kStartup, false));
  r = explainRefusal(usage(1000, 1000, 0, 0), kStartup, false);
  EXPECT_EQ(r->type, LimitType::DailyRequests);
}

TEST(LimitPolicy, NothingToExplainWhenThereIsRoom) {
  EXPECT_FALSE(explainRefusal(usage(999, 19999, 19, 199), kStartup, true));
  TierLimits zero{0, 0, 0, 0};
  auto r = explainRefusal(usage(0, 0, 0, 0), zero, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->limit, 0);
}
