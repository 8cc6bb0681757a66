#pragma once
// The topics the host itself publishes. Core declares them at start-up, so no plugin can
// declare or publish them; subscribers name them through these constants.
#include <codecouncil/sdk/events.hpp>

namespace cc::topics {

inline const TopicSpec kUserSignup{
    "user_signup",
    {{"userId", FieldType::String, true}, {"email", FieldType::String, true}},
    "an account was created (after its row committed); carries the signup request's context",
    Severity::Info, EventResource{"user", "userId"}};

inline const TopicSpec kLoginFailed{
    "login_failed",
    {{"email", FieldType::String, true}, {"userId", FieldType::String, false}},
    "a login was refused for a wrong email or password; userId when the email exists",
    Severity::Warning, EventResource{"user", "userId"}};

inline const TopicSpec kLoginThrottled{
    "login_throttled",
    {{"email", FieldType::String, true},
     {"userId", FieldType::String, false},
     {"throttle", FieldType::String, true},
     {"retryAfter", FieldType::Integer, true}},
    "a login was refused by the account or address throttle (throttle: account | address)",
    Severity::Warning, EventResource{"user", "userId"}};

inline const TopicSpec kSignupThrottled{
    "signup_throttled",
    {{"email", FieldType::String, true},
     {"throttle", FieldType::String, true},
     {"retryAfter", FieldType::Integer, true}},
    "a signup was refused by the address throttle (throttle: address); no account exists, so no resource id",
    Severity::Warning, EventResource{"user", ""}};

inline const TopicSpec kPluginFailed{
    "plugin_failed",
    {{"plugin", FieldType::String, true}, {"error", FieldType::String, true}},
    "a plugin's start() failed",
    Severity::Critical, EventResource{"system", "plugin"}};

/// Every topic core declares.
inline const std::vector<TopicSpec>& coreTopics() {
  static const std::vector<TopicSpec> all{kUserSignup, kLoginFailed, kLoginThrottled, kSignupThrottled, kPluginFailed};
  return all;
}

}  // namespace cc::topics
