#include "event_mapping.hpp"

#include "entry_rules.hpp"

#include <codecouncil/sdk/event_fields.hpp>

namespace cc::audit {

namespace {

const std::set<std::string> kSeveritySet(kSeverities.begin(), kSeverities.end());
const std::set<std::string> kResourceTypeSet(kResourceTypes.begin(), kResourceTypes.end());

}  // namespace

void TopicRule::describe(ConfigReader& r, TopicRule& rule) {
  r.oneOf("severity", kSeveritySet, rule.severity)
      .oneOf("resourceType", kResourceTypeSet, rule.resourceType)
      .string("resourceIdField", rule.resourceIdField)
      .boolean("record", rule.record);
}

void RuleOverride::describe(ConfigReader& r, RuleOverride& o) {
  TopicRule::describe(r, o.values);
  r.check([&o](const ConfigNode& node, ConfigErrors&) {
    for (const char* key : {"severity", "resourceType", "resourceIdField", "record"})
      if (node.has(key)) o.given.insert(key);
  });
}

TopicRule RuleOverride::over(TopicRule base) const {
  if (given.count("severity")) base.severity = values.severity;
  if (given.count("resourceType")) base.resourceType = values.resourceType;
  if (given.count("resourceIdField")) base.resourceIdField = values.resourceIdField;
  if (given.count("record")) base.record = values.record;
  return base;
}

std::optional<TopicRule> declaredRule(const Event& event) {
  if (!event.spec || (!event.spec->severity && !event.spec->resource)) return std::nullopt;
  // What the declaration leaves out comes from the unknown-topic default, as for a partial
  // config override.
  TopicRule rule = kUnknownTopicDefault;
  if (event.spec->severity) rule.severity = severityName(*event.spec->severity);
  if (event.spec->resource) {
    rule.resourceType = event.spec->resource->type;
    rule.resourceIdField = event.spec->resource->idField;
  }
  return rule;
}

EventMapping::EventMapping(std::map<std::string, RuleOverride> overrides, std::optional<TopicRule> unknownTopics)
    : overrides_(std::move(overrides)), unknown_(std::move(unknownTopics)) {}

void EventMapping::describe(ConfigReader& r, std::map<std::string, RuleOverride>& overrides, TopicRule& unknownTopics) {
  // Topics are checked against declarations only once plugins start, so a partial rule for a
  // topic declared without severity or resource completes the unknown-topic rule rather than
  // being refused.
  r.mapOf<RuleOverride>("events", overrides,
                        [](ConfigReader& entry, const std::string&, RuleOverride& o) { RuleOverride::describe(entry, o); });
  r.section("unknown_topics", unknownTopics);
}

std::optional<TopicRule> EventMapping::ruleFor(const Event& event) const {
  std::optional<TopicRule> rule = declaredRule(event);
  auto it = overrides_.find(event.topic);
  if (it != overrides_.end()) {
    // A partial override keeps the declaration's other keys (or the unknown-topic default's).
    rule = it->second.over(rule ? *rule : kUnknownTopicDefault);
  } else if (!rule) {
    rule = unknown_;
  }
  if (!rule || !rule->record) return std::nullopt;
  return rule;
}

namespace {

std::string textField(const json::ObjectPtr& payload, const std::string& key) {
  return key.empty() ? std::string() : EventFields(payload).string(key);
}

}  // namespace

std::optional<AuditEntry> EventMapping::toEntry(const Event& event) const {
  auto rule = ruleFor(event);
  if (!rule) return std::nullopt;
  AuditEntry entry;
  entry.action = event.topic;
  entry.severity = rule->severity;
  entry.resourceType = rule->resourceType;
  entry.resourceId = textField(event.payload, rule->resourceIdField);
  entry.userId = textField(event.payload, "userId");
  entry.ip = textField(event.payload, "ip");
  entry.userAgent = textField(event.payload, "userAgent");
  entry.requestId = textField(event.payload, "requestId");
  entry.metadata = metadataFromPayload(event.payload, event.publisher);
  return entry;
}

}  // namespace cc::audit
