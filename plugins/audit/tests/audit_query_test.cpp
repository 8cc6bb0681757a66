// Query validation and the SQL it produces: bad values are refused with a message, values
// are only ever bound as parameters, action is a prefix range.
#include "audit_query.hpp"
#include "entry_rules.hpp"
#include "retention.hpp"

#include <gtest/gtest.h>

using namespace cc::audit;

namespace {

void expectInvalid(AuditQuery q, const std::string& fragment) {
  try {
    validateQuery(q, 500);
    ADD_FAILURE() << "accepted a query that should fail with '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(AuditQuery, BadFiltersAreRefused) {
  AuditQuery q;
  q.severity = "fatal";
  expectInvalid(q, "severity must be one of: info, warning, error, critical");
  q = {};
  q.resourceType = "money";
  expectInvalid(q, "resourceType must be one of");
  q = {};
  q.action = "payment%";
  expectInvalid(q, "action may contain only");
  q = {};
  q.action = "x' OR '1'='1";
  expectInvalid(q, "action may contain only");
  q = {};
  q.userId = "";
  expectInvalid(q, "userId must not be empty");
  q = {};
  q.userId = std::string(300, 'a');
  expectInvalid(q, "at most 256");
  q = {};
  q.from = "yesterday";
  expectInvalid(q, "from must be an ISO-8601");
  q = {};
  q.to = "2025-02-30";
  expectInvalid(q, "to must be an ISO-8601");
  q = {};
  q.from = "2025-02-01";
  q.to = "2025-01-01";
  expectInvalid(q, "from must not be after to");
  q = {};
  q.limit = 0;
  expectInvalid(q, "limit must be at least 1");
  q = {};
  q.offset = -1;
  expectInvalid(q, "offset must not be negative");
}

TEST(AuditQuery, LimitIsBoundedAndDatesNormalised) {
  AuditQuery q;
  q.limit = 100000;
  q.from = "2025-01-15";
  q.to = "2025-01-15T10:00:00+02:00";
  auto v = validateQuery(q, 500);
  EXPECT_EQ(v.limit, 500);
  EXPECT_EQ(*v.from, "2025-01-15T00:00:00.000Z");
  EXPECT_EQ(*v.to, "2025-01-15T08:00:00.000Z");
}

TEST(AuditQuery, TimestampForms) {
  EXPECT_EQ(normalizeTimestamp("2025-01-15T10:20:30Z", "t"), "2025-01-15T10:20:30.000Z");
  EXPECT_EQ(normalizeTimestamp("2025-01-15T10:20:30.5Z", "t"), "2025-01-15T10:20:30.500Z");
  EXPECT_EQ(normalizeTimestamp("2025-01-15T10:20:30.123456Z", "t"), "2025-01-15T10:20:30.123Z");
  EXPECT_EQ(normalizeTimestamp("2025-01-15 10:20", "t"), "2025-01-15T10:20:00.000Z");
  EXPECT_EQ(normalizeTimestamp("2025-01-01T01:00:00-0130", "t"), "2025-01-01T02:30:00.000Z");
  for (const char* bad : {"", "2025", "2025-13-01", "2025-01-15T25:00:00Z", "2025-01-15T10:00:00X",
                          "2025-01-15'; DROP TABLE \"AuditLog\"; --", "2025-01-15T10:00:00+24:00"})
    EXPECT_THROW(normalizeTimestamp(bad, "t"), std::invalid_argument) << bad;
}

TEST(AuditQuery, FilterBindsEveryValueAndUsesAPrefixRange) {
  AuditQuery q;
  q.userId = "u'1";
  q.action = "payment";
  q.severity = "error";
  q.resourceType = "payment";
  q.from = "2025-01-01T00:00:00.000Z";
  q.to = "2025-02-01T00:00:00.000Z";
  SqlFilter f = buildFilter(q);
  EXPECT_EQ(f.where,
            " WHERE \"userId\" = ? AND action >= ? AND action < ? AND severity = ? AND \"resourceType\" = ? AND "
            "\"createdAt\" >= ? AND \"createdAt\" < ?");
  std::vector<std::string> expected = {"u'1",     "payment", "paymenu", "error", "payment", "2025-01-01T00:00:00.000Z",
                                       "2025-02-01T00:00:00.000Z"};
  EXPECT_EQ(f.params, expected);
  EXPECT_EQ(f.where.find("u'1"), std::string::npos);
  EXPECT_TRUE(buildFilter(AuditQuery{}).where.empty());
}

TEST(AuditQuery, TimeRangeBecomesIdRangeAndDenseFiltersSkipIndexes) {
  AuditQuery q;
  q.severity = "info";
  q.from = "2025-01-01T00:00:00.000Z";
  q.to = "2025-02-01T00:00:00.000Z";
  IdBounds ids{120, 450};
  SqlFilter f = buildFilter(q, &ids, [](std::string_view column) { return "+" + std::string(column); });
  EXPECT_EQ(f.where, " WHERE +severity = ? AND id >= 120 AND id <= 450");
  EXPECT_EQ(f.params, std::vector<std::string>{"info"});
}

TEST(EntryRules, NormalizeKeepsBadEntriesInsteadOfDroppingThem) {
  AuditEntry e;
  e.action = "";
  e.severity = "fatal";
  e.resourceType = "money";
  e.metadata = "not json, password=hunter2";
  e.userAgent = std::string(2000, 'a');
  AuditEntry n = normalizeEntry(e);
  EXPECT_EQ(n.severity, "warning");
  EXPECT_EQ(n.resourceType, "system");
  EXPECT_EQ(n.action, "unknown");
  EXPECT_EQ(n.userAgent.size(), 512u);
  auto meta = cc::json::parseObject(n.metadata);
  EXPECT_EQ(meta->getObject("invalid")->getValue<std::string>("severity"), "fatal");
  EXPECT_EQ(meta->getValue<std::string>("raw"), "not json, password=hunter2");

  AuditEntry s;
  s.action = "user_suspended";
  s.severity = "warning";
  s.resourceType = "admin";
  s.metadata = R"({"reason":"fraud","secret":"x","list":[{"password":"p"}]})";
  AuditEntry ns = normalizeEntry(s);
  EXPECT_EQ(ns.metadata, R"({"list":[{"password":"[redacted]"}],"reason":"fraud","secret":"[redacted]"})");
}

TEST(Retention, CutoffIsDaysBeforeTheSlot) {
  EXPECT_EQ(retentionCutoff("2025-03-01T03:30:00.000Z", 30), "2025-01-30T03:30:00.000Z");
  EXPECT_EQ(retentionCutoff("2025-01-15T00:00:00.000Z", 1), "2025-01-14T00:00:00.000Z");
  EXPECT_THROW(retentionCutoff("soon", 1), std::invalid_argument);
}
