#pragma once
// The topic ratelimit publishes, declared at start (only ratelimit may publish it).
#include <codecouncil/sdk/events.hpp>

namespace cc::ratelimit::topics {

inline const TopicSpec kRateLimitExceeded{
    "rate_limit_exceeded",
    {{"userId", FieldType::String, true}, {"tier", FieldType::String, true},
     {"limitType", FieldType::String, true}, {"limit", FieldType::Integer, true}},
    "a request was refused with 429 (limitType: daily_requests, monthly_requests, daily_analysis, monthly_analysis)",
    Severity::Warning, EventResource{"analysis", ""}};

}  // namespace cc::ratelimit::topics
