// How an event becomes an entry: its declaration's severity and resource, the config's
// overrides, the unknown-topic rule.
#include "audit_config.hpp"
#include "event_mapping.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

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

/// What a declaration says about its events: TopicSpec's severity and resource.
struct Described {
  std::optional<cc::Severity> severity;
  std::optional<cc::EventResource> resource;
};

/// An event as the bus delivers it: with its declaration, describing the event when given.
cc::Event event(const std::string& topic, const std::string& payloadJson, Described described = {},
                const std::string& publisher = "billing") {
  auto spec = std::make_shared<cc::TopicSpec>();
  spec->name = topic;
  spec->severity = described.severity;
  spec->resource = described.resource;
  return cc::Event{topic, cc::json::parseObject(payloadJson), publisher, spec};
}

const Described kPaymentFailed{cc::Severity::Error, cc::EventResource{"payment", "invoiceId"}};

}  // namespace

TEST(EventMapping, TheDeclarationsSeverityAndResourceGiveTheRule) {
  auto mapping = mappingOf(yaml("{}"));
  auto rule = mapping.ruleFor(event("payment_failed", "{}", kPaymentFailed));
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->severity, "error");
  EXPECT_EQ(rule->resourceType, "payment");
  EXPECT_EQ(rule->resourceIdField, "invoiceId");
  // Audit knows no topic by name: the same topic declared with neither is an unknown topic.
  auto bare = mapping.ruleFor(event("payment_failed", "{}"));
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->severity, "info");
  EXPECT_EQ(bare->resourceType, "system");
}

TEST(EventMapping, WhatADeclarationLeavesOutComesFromTheDefault) {
  // The SDK's severity and resource are independent: a declaration may give one of them; the
  // other comes from the unknown-topic default (info / system, no resource id), never from
  // unknown_topics' config, which is for topics that describe nothing.
  auto mapping = mappingOf(yaml("unknown_topics: { severity: warning, resourceType: admin }"));
  auto severityOnly = mapping.ruleFor(event("cache_flushed", "{}", Described{cc::Severity::Critical, std::nullopt}));
  ASSERT_TRUE(severityOnly);
  EXPECT_EQ(severityOnly->severity, "critical");
  EXPECT_EQ(severityOnly->resourceType, "system");
  EXPECT_EQ(severityOnly->resourceIdField, "");
  auto resourceOnly =
      mapping.ruleFor(event("invoice_viewed", "{}", Described{std::nullopt, cc::EventResource{"payment", "invoiceId"}}));
  ASSERT_TRUE(resourceOnly);
  EXPECT_EQ(resourceOnly->severity, "info");
  EXPECT_EQ(resourceOnly->resourceType, "payment");
  EXPECT_EQ(resourceOnly->resourceIdField, "invoiceId");
  // Described by neither: unknown_topics applies.
  auto neither = mapping.ruleFor(event("cache_flushed", "{}"));
  ASSERT_TRUE(neither);
  EXPECT_EQ(neither->severity, "warning");
  EXPECT_EQ(neither->resourceType, "admin");
}

TEST(EventMapping, EventBecomesEntryWithContextColumnsAndMetadata) {
  auto mapping = mappingOf(yaml("{}"));
  auto e = mapping.toEntry(event("payment_failed",
                                 R"({"userId":"u1","invoiceId":"in_9","amount":4900,"errorCode":"card_declined",
                                     "ip":"10.1.1.1","userAgent":"ua","requestId":"rq"})",
                                 kPaymentFailed));
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
  auto ev = event("login_failed", R"({"email":"a@b.co","password":"hunter2","nested":{"apiToken":"t0k"}})", {}, "core");
  auto e = mapping.toEntry(ev);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->metadata.find("hunter2"), std::string::npos) << e->metadata;
  EXPECT_EQ(e->metadata.find("t0k"), std::string::npos) << e->metadata;
  EXPECT_NE(e->metadata.find("a@b.co"), std::string::npos);
  EXPECT_EQ(ev.payload->getValue<std::string>("password"), "hunter2") << "the shared payload was modified";
}

TEST(EventMapping, RateLimitHasNoResourceId) {
  auto mapping = mappingOf(yaml("{}"));
  auto e = mapping.toEntry(event("rate_limit_exceeded", R"({"userId":"u1","tier":"startup","limitType":"daily_requests","limit":1000})",
                                 Described{cc::Severity::Warning, cc::EventResource{"analysis", ""}}));
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
  auto failed = mapping.ruleFor(event("payment_failed", "{}", kPaymentFailed));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->severity, "critical");
  EXPECT_EQ(failed->resourceType, "payment");  // untouched keys keep the declared hint's
  EXPECT_FALSE(mapping.ruleFor(event("backup_succeeded", "{}", Described{cc::Severity::Info, cc::EventResource{"backup", "file"}})));
  auto voided = mapping.toEntry(event("invoice_voided", R"({"invoiceId":"in_1"})"));
  ASSERT_TRUE(voided);
  EXPECT_EQ(voided->resourceId, "in_1");
  auto other = mapping.ruleFor(event("hello_greeted", "{}"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->severity, "warning");
  EXPECT_EQ(other->resourceType, "system");

  auto quiet = mappingOf(yaml("unknown_topics: { record: false }"));
  EXPECT_FALSE(quiet.ruleFor(event("hello_greeted", "{}")));
  EXPECT_TRUE(quiet.ruleFor(event("user_signup", "{}", Described{cc::Severity::Info, cc::EventResource{"user", "userId"}})));
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
  user_signup: nope
unknown_topics: { record: maybe }
)");
  std::string all;
  for (auto& e : errors) all += e + "\n";
  EXPECT_NE(all.find("retention_days"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown key 'bogus'"), std::string::npos) << all;
  EXPECT_NE(all.find("events.payment_failed.severity"), std::string::npos) << all;
  EXPECT_NE(all.find("events.payment_failed.resourceType"), std::string::npos) << all;
  EXPECT_NE(all.find("events.user_signup"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown_topics.record"), std::string::npos) << all;
}
