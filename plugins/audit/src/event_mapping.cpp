#include "event_mapping.hpp"

#include "entry_rules.hpp"

namespace cc::audit {

std::map<std::string, TopicRule> defaultTopicRules() {
  // topic                      severity    resourceType    resource id field
  return {
      {"user_signup",           {"info",     "user",         "userId"}},
      {"login_failed",          {"warning",  "user",         "userId"}},
      {"login_throttled",       {"warning",  "user",         "userId"}},
      {"plugin_failed",         {"critical", "system",       "plugin"}},
      {"subscription_created",  {"info",     "subscription", "subscriptionId"}},
      {"subscription_updated",  {"info",     "subscription", "subscriptionId"}},
      {"subscription_canceled", {"info",     "subscription", "subscriptionId"}},
      {"payment_succeeded",     {"info",     "payment",      "invoiceId"}},
      {"payment_failed",        {"error",    "payment",      "invoiceId"}},
      {"credits_granted",       {"info",     "payment",      "reference"}},
      {"rate_limit_exceeded",   {"warning",  "analysis",     ""}},
      {"analysis_completed",    {"info",     "analysis",     "analysisId"}},
      {"analysis_failed",       {"error",    "analysis",     "analysisId"}},
      {"user_suspended",        {"warning",  "admin",        "userId"}},
      {"user_reactivated",      {"info",     "admin",        "userId"}},
      {"backup_succeeded",      {"info",     "backup",       "file"}},
      {"backup_failed",         {"critical", "backup",       ""}},
      // The reconciler refused a Stripe key that looks like another account's or mode's.
      {"billing_reconcile_stopped", {"critical", "system",   ""}},
  };
}

EventMapping::EventMapping(std::map<std::string, TopicRule> rules, std::optional<TopicRule> unknownTopics)
    : rules_(std::move(rules)), unknown_(std::move(unknownTopics)) {}

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

void EventMapping::describe(ConfigReader& r, std::map<std::string, TopicRule>& rules, TopicRule& unknownTopics) {
  r.mapOf<TopicRule>("events", rules, [](ConfigReader& entry, const std::string& topic, TopicRule& rule) {
    TopicRule::describe(entry, rule);
    entry.check([topic, &rule](const ConfigNode& node, ConfigErrors& errors) {
      if (!defaultTopicRules().count(topic) && rule.record && (!node.has("severity") || !node.has("resourceType")))
        errors.add(node, "topic '" + topic + "' is not in the default table: give severity and resourceType");
    });
  });
  r.section("unknown_topics", unknownTopics);
}

std::optional<TopicRule> EventMapping::ruleFor(const std::string& topic) const {
  auto it = rules_.find(topic);
  if (it == rules_.end()) return unknown_;
  if (!it->second.record) return std::nullopt;
  return it->second;
}

namespace {

std::string textField(const json::ObjectPtr& payload, const std::string& key) {
  if (!payload || key.empty() || !payload->has(key) || payload->isNull(key)) return {};
  try {
    return payload->get(key).toString();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

std::optional<AuditEntry> EventMapping::toEntry(const Event& event) const {
  auto rule = ruleFor(event.topic);
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
  entry.metadata = metadataFromPayload(event.payload, event.source);
  return entry;
}

}  // namespace cc::audit
