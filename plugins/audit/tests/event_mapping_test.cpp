// The topic table (docs/events.md), its config overrides and how an event becomes an entry.
#include "audit_config.hpp"
#include "event_mapping.hpp"

#include <gtest/gtest.h>

using namespace cc::audit;

namespace {

cc::ConfigNode yaml(const std::string& text) {
  return cc::ConfigNode(YAML::Load(text), "plugins[0].config", std::make_shared<const std::string>("test.yaml"));
}

EventMapping mappingOf(const cc::ConfigNode& config) { return readSettings(config).mapping(); }

std::vector<std::string> errorsOf(const std::string& text) {
  cc::ConfigErrors errors;
  validateConfig(yaml(text), errors);
  return errors.list();
}

cc::Event event(const std::string& topic, const std::string& payloadJson, const std::string& source = "billing") {
  return cc::Event{topic, cc::json::parseObject(payloadJson), source};
}

}  // namespace

TEST(EventMapping, DefaultTableMatchesTheEventCatalogue) {
  // docs/events.md, column "audit severity / resource".
  std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"user_signup", {"info", "user"}},
      {"login_failed", {"warning", "user"}},
      {"login_throttled", {"warning", "user"}},
      {"plugin_failed", {"critical", "system"}},
      {"subscription_created", {"info", "subscription"}},
      {"subscription_updated", {"info", "subscription"}},
      {"subscription_canceled", {"info", "subscription"}},
      {"payment_succeeded", {"info", "payment"}},
      {"payment_failed", {"error", "payment"}},
      {"credits_granted", {"info", "payment"}},
      {"rate_limit_exceeded", {"warning", "analysis"}},
      {"analysis_completed", {"info", "analysis"}},
      {"analysis_failed", {"error", "analysis"}},
      {"user_suspended", {"warning", "admin"}},
      {"user_reactivated", {"info", "admin"}},
      {"backup_succeeded", {"info", "backup"}},
      {"backup_failed", {"critical", "backup"}},
      {"billing_reconcile_stopped", {"critical", "system"}},
  };
  auto rules = defaultTopicRules();
  EXPECT_EQ(rules.size(), expected.size());
  for (auto& [topic, want] : expected) {
    ASSERT_TRUE(rules.count(topic)) << topic;
    EXPECT_EQ(rules[topic].severity, want.first) << topic;
    EXPECT_EQ(rules[topic].resourceType, want.second) << topic;
  }
}

TEST(EventMapping, EventBecomesEntryWithContextColumnsAndMetadata) {
  auto mapping = mappingOf(yaml("{}"));
  auto e = mapping.toEntry(event("payment_failed",
                                 R"({"userId":"u1","invoiceId":"in_9","amount":4900,"error_code":"card_declined",
                                     "ip":"10.1.1.1","userAgent":"ua","requestId":"rq"})"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->action, "payment_failed");
  EXPECT_EQ(e->severity, "error");
  EXPECT_EQ(e->resourceType, "payment");
  EXPECT_EQ(e->resourceId, "in_9");
  EXPECT_EQ(e->userId, "u1");
  EXPECT_EQ(e->ip, "10.1.1.1");
  EXPECT_EQ(e->userAgent, "ua");
  EXPECT_EQ(e->requestId, "rq");
  auto meta = cc::json::parseObject(e->metadata);
  EXPECT_EQ(meta->getValue<int>("amount"), 4900);
  EXPECT_EQ(meta->getValue<std::string>("source"), "billing");
  EXPECT_FALSE(meta->has("ip"));
  EXPECT_FALSE(meta->has("requestId"));
}

TEST(EventMapping, SecretsInPayloadsAreRedactedWithoutTouchingThePayload) {
  auto mapping = mappingOf(yaml("{}"));
  auto ev = event("login_failed", R"({"email":"a@b.co","password":"hunter2","nested":{"apiToken":"t0k"}})", "core");
  auto e = mapping.toEntry(ev);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->metadata.find("hunter2"), std::string::npos) << e->metadata;
  EXPECT_EQ(e->metadata.find("t0k"), std::string::npos) << e->metadata;
  EXPECT_NE(e->metadata.find("a@b.co"), std::string::npos);
  EXPECT_EQ(ev.payload->getValue<std::string>("password"), "hunter2") << "the shared payload was modified";
}

TEST(EventMapping, RateLimitHasNoResourceId) {
  auto mapping = mappingOf(yaml("{}"));
  auto e = mapping.toEntry(event("rate_limit_exceeded", R"({"userId":"u1","tier":"startup","limit_type":"daily_requests","limit":1000})"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->resourceId, "");
  EXPECT_EQ(e->severity, "warning");
}

TEST(EventMapping, ConfigOverridesAndUnknownTopics) {
  auto mapping = mappingOf(yaml(R"(
events:
  payment_failed: { severity: critical }
  backup_succeeded: { record: false }
  invoice_voided: { severity: warning, resourceType: payment, resourceIdField: invoiceId }
unknown_topics: { severity: warning }
)"));
  auto failed = mapping.ruleFor("payment_failed");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->severity, "critical");
  EXPECT_EQ(failed->resourceType, "payment");  // untouched keys keep the default
  EXPECT_FALSE(mapping.ruleFor("backup_succeeded"));
  auto voided = mapping.toEntry(event("invoice_voided", R"({"invoiceId":"in_1"})"));
  ASSERT_TRUE(voided);
  EXPECT_EQ(voided->resourceId, "in_1");
  auto other = mapping.ruleFor("hello_greeted");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->severity, "warning");
  EXPECT_EQ(other->resourceType, "system");

  auto quiet = mappingOf(yaml("unknown_topics: { record: false }"));
  EXPECT_FALSE(quiet.ruleFor("hello_greeted"));
  EXPECT_TRUE(quiet.ruleFor("user_signup"));
}

TEST(AuditConfig, ValidConfigsPass) {
  EXPECT_TRUE(errorsOf("{}").empty());
  EXPECT_TRUE(errorsOf("retention_days: 90\nmax_page_size: 100\nevents: { payment_failed: { severity: critical } }").empty());
  auto s = readSettings(yaml("retention_days: 30"));
  EXPECT_EQ(s.retentionDays, 30);
  EXPECT_EQ(readSettings(yaml("{}")).retentionDays, 0);
  EXPECT_EQ(readSettings(yaml("{}")).maxPageSize, 500);
}

TEST(AuditConfig, EveryProblemIsReportedWithItsPath) {
  auto errors = errorsOf(R"(
retention_days: -1
bogus: 1
events:
  payment_failed: { severity: fatal, resourceType: money }
  new_topic: { severity: info }
  user_signup: nope
unknown_topics: { record: maybe }
)");
  std::string all;
  for (auto& e : errors) all += e + "\n";
  EXPECT_NE(all.find("retention_days"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown key 'bogus'"), std::string::npos) << all;
  EXPECT_NE(all.find("events.payment_failed.severity"), std::string::npos) << all;
  EXPECT_NE(all.find("events.payment_failed.resourceType"), std::string::npos) << all;
  EXPECT_NE(all.find("new_topic"), std::string::npos) << all;
  EXPECT_NE(all.find("events.user_signup"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown_topics.record"), std::string::npos) << all;
}
