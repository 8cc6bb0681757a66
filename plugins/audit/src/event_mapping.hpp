#pragma once
// Which event becomes which audit entry. Audit knows no other plugin's topics: each topic's
// declaration (cc::TopicSpec::severity and ::resource, carried by every delivery) gives its
// severity, resource type and resource id field; the plugin config overrides them per topic
// (events: { payment_failed: { severity: critical } }); a topic declared with neither is
// recorded as `unknown_topics` says (info / system by default).
#include <codecouncil/sdk/config_reader.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/audit/contract.hpp>

#include <map>
#include <optional>
#include <set>
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

/// How a topic declared with neither severity nor resource is recorded unless unknown_topics
/// says otherwise; also what fills a declaration or override that gives only some of them.
inline const TopicRule kUnknownTopicDefault{"info", "system", "", true};

/// One topic's `events:` entry: the values it gives and which keys it gave, so a partial
/// override keeps the declaration's other keys.
struct RuleOverride {
  TopicRule values;
  std::set<std::string> given;

  static void describe(ConfigReader& r, RuleOverride& o);
  /// `base` with the given keys replaced.
  TopicRule over(TopicRule base) const;
};

/// The rule a delivery's declaration describes (nullopt: it gives neither severity nor resource).
std::optional<TopicRule> declaredRule(const Event& event);

class EventMapping {
 public:
  /// overrides: the config's `events:`; unknownTopics: how to record a topic declared with
  /// neither severity nor resource (nullopt: ignore it).
  EventMapping(std::map<std::string, RuleOverride> overrides, std::optional<TopicRule> unknownTopics);

  /// Declares the plugin config's `events:` (per-topic overrides) and `unknown_topics:`.
  static void describe(ConfigReader& r, std::map<std::string, RuleOverride>& overrides, TopicRule& unknownTopics);

  /// The rule for an event (its declaration's severity and resource, then the config), or
  /// nullopt when it is not recorded.
  std::optional<TopicRule> ruleFor(const Event& event) const;
  /// The audit entry an event becomes (nullopt when the topic is not recorded).
  std::optional<AuditEntry> toEntry(const Event& event) const;

 private:
  std::map<std::string, RuleOverride> overrides_;
  std::optional<TopicRule> unknown_;
};

}  // namespace cc::audit
