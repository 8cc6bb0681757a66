#pragma once
// ratelimit's events: the topic the ratelimit plugin declares at start (only ratelimit may
// publish it) and its payload fields. Part of ratelimit's contract
// (CodeCouncil::ratelimit_contract, header-only): subscribers name the topic through this
// constant, not a literal, without depending on the plugin.
#include <codecouncil/sdk/events.hpp>

namespace cc::ratelimit::topics {

inline const TopicSpec kRateLimitExceeded{
    "rate_limit_exceeded",
    {{"userId", FieldType::String, true}, {"tier", FieldType::String, true},
     {"limitType", FieldType::String, true}, {"limit", FieldType::Integer, true}},
    "a request was refused with 429 (limitType: daily_requests, monthly_requests, daily_analysis, monthly_analysis)",
    Severity::Warning, EventResource{"analysis", ""}};

}  // namespace cc::ratelimit::topics
