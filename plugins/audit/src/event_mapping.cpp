#include "event_mapping.hpp"

#include "entry_rules.hpp"

#include <codecouncil/sdk/event_fields.hpp>

namespace cc::audit {

std::optional<TopicRule> declaredRule(const Event& event) {
  if (!event.spec || !event.spec->audit) return std::nullopt;
  const AuditHint& hint = *event.spec->audit;
  return TopicRule{hint.severity, hint.resourceType, hint.resourceIdField, true};
}

EventMapping::EventMapping(std::map<std::string, RuleOverride> overrides, std::optional<TopicRule> unknownTopics)
    : overrides_(std::move(overrides)), unknown_(std::move(unknownTopics)) {}

namespace {

const std::set<std::string> kSeveritySet(kSeverities.begin(), kSeverities.end());
const std::set<std::string> kResourceTypeSet(kResourceTypes.begin(), kResourceTypes.end());

ConfigSchema ruleSchema() {
  return ConfigSchema()
      .oneOf("severity", kSeveritySet)
      .oneOf("resourceType", kResourceTypeSet)
      .string("resourceIdField")
      .boolean("record");
}

// Applies the keys present in `node` on top of `rule`.
TopicRule overlay(TopicRule rule, const ConfigNode& node) {
  rule.severity = node.getString("severity", rule.severity);
  rule.resourceType = node.getString("resourceType", rule.resourceType);
  rule.resourceIdField = node.getString("resourceIdField", rule.resourceIdField);
  rule.record = node.getBool("record", rule.record);
  return rule;
}

RuleOverride overrideOf(const ConfigNode& node) {
  RuleOverride o;
  if (node.has("severity")) o.severity = node.getString("severity");
  if (node.has("resourceType")) o.resourceType = node.getString("resourceType");
  if (node.has("resourceIdField")) o.resourceIdField = node.getString("resourceIdField");
  if (node.has("record")) o.record = node.getBool("record", true);
  return o;
}

TopicRule overlay(TopicRule rule, const RuleOverride& o) {
  if (o.severity) rule.severity = *o.severity;
  if (o.resourceType) rule.resourceType = *o.resourceType;
  if (o.resourceIdField) rule.resourceIdField = *o.resourceIdField;
  if (o.record) rule.record = *o.record;
  return rule;
}

const TopicRule kUnknownDefault{"info", "system", "", true};

}  // namespace

void EventMapping::validate(const ConfigNode& config, ConfigErrors& errors) {
  ConfigNode events = config.child("events");
  if (events.isMap()) {  // not a map: the plugin's schema already said so
    for (auto& topic : events.keys()) {
      ConfigNode rule = events.child(topic);
      ruleSchema().check(rule, errors);
      if (!rule.defined()) errors.add(rule, "expected a map (severity, resourceType, resourceIdField, record)");
    }
  }
  ConfigNode unknown = config.child("unknown_topics");
  if (unknown.isMap()) ruleSchema().check(unknown, errors);
}

EventMapping EventMapping::fromConfig(const ConfigNode& config) {
  std::map<std::string, RuleOverride> overrides;
  ConfigNode events = config.child("events");
  for (auto& topic : events.keys()) overrides.emplace(topic, overrideOf(events.child(topic)));
  std::optional<TopicRule> unknown = overlay(kUnknownDefault, config.child("unknown_topics"));
  if (!unknown->record) unknown.reset();
  return EventMapping(std::move(overrides), std::move(unknown));
}

std::optional<TopicRule> EventMapping::ruleFor(const Event& event) const {
  std::optional<TopicRule> rule = declaredRule(event);
  auto it = overrides_.find(event.topic);
  if (it != overrides_.end()) {
    // A partial override keeps the declaration's other keys (or the unknown-topic default's).
    rule = overlay(rule ? *rule : kUnknownDefault, it->second);
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
