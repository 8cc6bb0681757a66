#pragma once
// Which event becomes which audit entry. Audit knows no other plugin's topics: each topic's
// declaration (cc::TopicSpec::audit, carried by every delivery) gives its severity, resource
// type and resource id field; the plugin config overrides them per topic
// (events: { payment_failed: { severity: critical } }); a topic declared without a hint is
// recorded as `unknown_topics` says (info / system by default).
#include <codecouncil/sdk/config.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/services/audit.hpp>

#include <map>
#include <optional>
#include <string>

namespace cc::audit {

struct TopicRule {
  std::string severity;
  std::string resourceType;
  std::string resourceIdField;  ///< payload field holding the resource id ("" = none)
  bool record = true;           ///< false: the topic is not audited
};

/// A config override: only the keys it gives replace the declared (or default) rule's.
struct RuleOverride {
  std::optional<std::string> severity, resourceType, resourceIdField;
  std::optional<bool> record;
};

/// The rule a declaration's audit hint gives (nullopt: the declaration has none).
std::optional<TopicRule> declaredRule(const Event& event);

class EventMapping {
 public:
  /// overrides: the config's partial rules per topic, applied over the declared hint;
  /// unknownTopics: how to record a topic declared without a hint (nullopt: ignore it).
  EventMapping(std::map<std::string, RuleOverride> overrides, std::optional<TopicRule> unknownTopics);

  /// Checks the `events:` and `unknown_topics:` config nodes; reports every problem.
  static void validate(const ConfigNode& config, ConfigErrors& errors);
  /// The config's overrides and unknown-topic rule (config already validated).
  static EventMapping fromConfig(const ConfigNode& config);

  /// The rule for an event (its declaration's hint, then the config), or nullopt when it is
  /// not recorded.
  std::optional<TopicRule> ruleFor(const Event& event) const;
  /// The audit entry an event becomes (nullopt when the topic is not recorded).
  std::optional<AuditEntry> toEntry(const Event& event) const;

 private:
  std::map<std::string, RuleOverride> overrides_;
  std::optional<TopicRule> unknown_;
};

}  // namespace cc::audit
