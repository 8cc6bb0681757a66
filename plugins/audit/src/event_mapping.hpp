#pragma once
// Which event becomes which audit entry: the readable table of docs/events.md, overridable
// per topic in the plugin config (events: { payment_failed: { severity: critical } }).
#include <codecouncil/sdk/config_reader.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/audit/contract.hpp>

#include <map>
#include <optional>
#include <string>

namespace cc::audit {

struct TopicRule {
  std::string severity;
  std::string resourceType;
  std::string resourceIdField;  ///< payload field holding the resource id ("" = none)
  bool record = true;           ///< false: the topic is not audited

  /// severity, resourceType, resourceIdField, record: each overrides this rule's value.
  static void describe(ConfigReader& r, TopicRule& rule);
};

/// How a topic the table does not list is recorded unless unknown_topics says otherwise.
inline const TopicRule kUnknownTopicDefault{"info", "system", "", true};

/// The default table (docs/events.md). Kept here as code so it is one screen to read.
std::map<std::string, TopicRule> defaultTopicRules();

class EventMapping {
 public:
  /// unknownTopics: how to record a topic the table does not list (nullopt: ignore it).
  EventMapping(std::map<std::string, TopicRule> rules, std::optional<TopicRule> unknownTopics);

  /// Declares the plugin config's `events:` (per-topic overrides of `rules`, which holds the
  /// default table) and `unknown_topics:` (bound into `unknownTopics`).
  static void describe(ConfigReader& r, std::map<std::string, TopicRule>& rules, TopicRule& unknownTopics);

  /// The rule for a topic, or nullopt when it is not recorded.
  std::optional<TopicRule> ruleFor(const std::string& topic) const;
  /// The audit entry an event becomes (nullopt when the topic is not recorded).
  std::optional<AuditEntry> toEntry(const Event& event) const;

 private:
  std::map<std::string, TopicRule> rules_;
  std::optional<TopicRule> unknown_;
};

}  // namespace cc::audit
