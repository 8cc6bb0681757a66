#pragma once
// The topics admin publishes, declared at start (only admin may publish them), each after the
// user's change has committed.
#include <codecouncil/sdk/events.hpp>

namespace cc::admin::topics {

inline const TopicSpec kUserSuspended{
    "user_suspended",
    {{"userId", FieldType::String, true}, {"adminId", FieldType::String, true}, {"reason", FieldType::String, true}},
    "an admin suspended a user",
    Severity::Warning, EventResource{"admin", "userId"}};

inline const TopicSpec kUserReactivated{
    "user_reactivated",
    {{"userId", FieldType::String, true}, {"adminId", FieldType::String, true}},
    "an admin reactivated a suspended user",
    Severity::Info, EventResource{"admin", "userId"}};

}  // namespace cc::admin::topics
