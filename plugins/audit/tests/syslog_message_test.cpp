// The RFC 5424 message for one audit row (syslog_message.cpp), checked by the tests' own
// strict ABNF parser: header fields, PRI from facility and severity, the structured data's
// escaping, and that hostile bytes and oversized rows still make one well-formed message.
#include "syslog_message.hpp"
#include "syslog_test_collector.hpp"

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

using namespace cc::audit;
using cc::audit::test::parseRfc5424;
using cc::audit::test::Rfc5424;

namespace {

ChainRow sampleRow() {
  ChainRow row;
  row.id = 42;
  row.createdAt = "2026-01-02T03:04:05.678Z";
  row.userId = "u-1";
  row.action = "payment_failed";
  row.severity = "error";
  row.resourceType = "payment";
  row.resourceId = "pay_9";
  row.metadata = R"({"amount":1200,"note":"x"})";
  row.ip = "203.0.113.7";
  row.userAgent = "curl/8";
  row.requestId = "req-1";
  row.prevHash = std::string(64, 'a');
  row.hash = std::string(64, 'b');
  return row;
}

SyslogOrigin origin() {
  SyslogOrigin o;
  o.facility = 16;
  o.hostname = "host-1.example";
  o.appName = "codecouncil";
  o.procId = "4321";
  return o;
}

Rfc5424 parsed(const std::string& text) {
  std::string why;
  auto r = parseRfc5424(text, why);
  EXPECT_TRUE(r.has_value()) << why << ": " << text;
  return r.value_or(Rfc5424{});
}

Poco::JSON::Object::Ptr msgJson(const Rfc5424& r) {
  Poco::JSON::Parser parser;
  return parser.parse(r.msg).extract<Poco::JSON::Object::Ptr>();
}

TEST(SyslogMessage, CarriesTheRowInHeaderStructuredDataAndJson) {
  auto m = formatSyslogMessage(sampleRow(), origin(), 8192);
  EXPECT_FALSE(m.truncated);
  EXPECT_EQ(m.text.rfind("<131>1 2026-01-02T03:04:05.678Z host-1.example codecouncil 4321 payment_failed [audit@32473 ", 0), 0u)
      << m.text;
  Rfc5424 r = parsed(m.text);
  EXPECT_EQ(r.pri, 16 * 8 + 3);
  EXPECT_EQ(r.sdId, "audit@32473");
  EXPECT_EQ(r.param("id"), "42");
  EXPECT_EQ(r.param("action"), "payment_failed");
  EXPECT_EQ(r.param("severity"), "error");
  EXPECT_EQ(r.param("resourceType"), "payment");
  EXPECT_EQ(r.param("resourceId"), "pay_9");
  EXPECT_EQ(r.param("userId"), "u-1");
  EXPECT_EQ(r.param("requestId"), "req-1");
  EXPECT_EQ(r.param("hash"), std::string(64, 'b'));
  EXPECT_TRUE(r.bom);
  auto j = msgJson(r);
  EXPECT_EQ(j->getValue<int>("id"), 42);
  EXPECT_EQ(j->getValue<std::string>("userAgent"), "curl/8");
  EXPECT_EQ(j->getValue<std::string>("ip"), "203.0.113.7");
  EXPECT_EQ(j->getObject("metadata")->getValue<int>("amount"), 1200);
}

TEST(SyslogMessage, SeverityAndFacilityMakeThePri) {
  ChainRow row = sampleRow();
  SyslogOrigin o = origin();
  o.facility = 13;  // log audit
  for (auto [severity, code] : std::vector<std::pair<std::string, int>>{{"critical", 2}, {"error", 3}, {"warning", 4}, {"info", 6}}) {
    row.severity = severity;
    EXPECT_EQ(parsed(formatSyslogMessage(row, o, 8192).text).pri, 13 * 8 + code) << severity;
  }
}

TEST(SyslogMessage, AbsentFieldsAreLeftOutAndBadHeaderValuesBecomeNil) {
  ChainRow row = sampleRow();
  row.userId.reset();
  row.resourceId.reset();
  row.requestId.reset();
  row.action = "this action has spaces";
  row.createdAt = "yesterday";
  Rfc5424 r = parsed(formatSyslogMessage(row, origin(), 8192).text);
  EXPECT_EQ(r.msgId, "-");
  EXPECT_EQ(r.timestamp, "-");
  EXPECT_FALSE(r.param("userId"));
  EXPECT_FALSE(r.param("resourceId"));
  EXPECT_EQ(r.param("action"), "this action has spaces");
  row.action = std::string(33, 'a');  // MSGID is at most 32
  EXPECT_EQ(parsed(formatSyslogMessage(row, origin(), 8192).text).msgId, "-");
  row.action = std::string(32, 'a');
  EXPECT_EQ(parsed(formatSyslogMessage(row, origin(), 8192).text).msgId, std::string(32, 'a'));
}

// The JSON has the export's shape (record_json.hpp), not one of its own: every field of the
// export, an absent one as null, metadata that is not a stored JSON object as its text, plus
// hash and nothing else. audit_syslog_test compares it with the running host's export.
TEST(SyslogMessage, JsonHasTheExportRecordsFieldsPlusHash) {
  ChainRow row = sampleRow();
  row.userId.reset();
  row.ip.reset();
  row.requestId.reset();
  row.metadata = "{\"note\":\"a\xff\"}";  // edited by hand: ill-formed UTF-8, which no parser takes
  auto j = msgJson(parsed(formatSyslogMessage(row, origin(), 8192).text));
  std::vector<std::string> keys;
  for (const auto& [key, value] : *j) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"action", "createdAt", "hash", "id", "ip", "metadata", "requestId",
                                            "resourceId", "resourceType", "severity", "userAgent", "userId"}));
  EXPECT_TRUE(j->isNull("userId"));
  EXPECT_TRUE(j->isNull("ip"));
  EXPECT_TRUE(j->isNull("requestId"));
  EXPECT_EQ(j->getValue<std::string>("resourceId"), "pay_9");
  EXPECT_EQ(j->getValue<std::string>("createdAt"), "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(j->getValue<std::string>("metadata"), "{\"note\":\"a\xEF\xBF\xBD\"}");  // U+FFFD, as text
  EXPECT_EQ(j->getValue<std::string>("hash"), std::string(64, 'b'));
}

TEST(SyslogMessage, HostileBytesStayInsideOneWellFormedMessage) {
  const std::string hostile = std::string("q\"uote ]close \\back\nnew\rret") + '\0' + "nul \xff\xfe bad \xc0\xaf end";
  ChainRow row = sampleRow();
  row.userId = hostile;
  row.resourceId = hostile;
  row.requestId = hostile;
  row.action = hostile;
  row.userAgent = hostile;
  row.metadata = R"({"note":"a\"]\\"})";
  auto m = formatSyslogMessage(row, origin(), 8192);
  Rfc5424 r = parsed(m.text);
  EXPECT_EQ(r.msgId, "-");
  // Quotes, ] and backslashes come back as they were; controls and ill-formed bytes as \xNN text.
  const std::string expected = "q\"uote ]close \\back\\nnew\\rret\\x00nul \\xff\\xfe bad \\xc0\\xaf end";
  EXPECT_EQ(r.param("userId"), expected);
  EXPECT_EQ(r.param("resourceId"), expected);
  EXPECT_EQ(r.param("requestId"), expected);
  EXPECT_EQ(r.param("action"), expected);
  auto j = msgJson(r);
  EXPECT_EQ(j->getObject("metadata")->getValue<std::string>("note"), "a\"]\\");
  EXPECT_NE(j->getValue<std::string>("userAgent").find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

TEST(SyslogMessage, OversizedRowsAreCutInTheJsonNeverInTheHeader) {
  ChainRow row = sampleRow();
  row.metadata = "{\"blob\":\"" + std::string(20000, 'x') + "\u00e9\"}";
  row.resourceId = std::string(600, ']');  // every byte escaped: the value is cut, not the escape
  auto m = formatSyslogMessage(row, origin(), 4096);
  EXPECT_TRUE(m.truncated);
  EXPECT_LE(m.text.size(), 4096u);
  Rfc5424 r = parsed(m.text);
  ASSERT_TRUE(r.param("resourceId"));
  EXPECT_LT(r.param("resourceId")->size(), 200u);
  EXPECT_EQ(*r.param("resourceId"), std::string(r.param("resourceId")->size(), ']'));
  EXPECT_EQ(r.param("hash"), std::string(64, 'b'));  // the params after it are still there

  // Cut at a character boundary: a 2-byte character straddling the limit is dropped whole.
  std::string utf8;
  for (int i = 0; i < 3000; ++i) utf8 += "\u00e9";
  row.metadata = "{\"blob\":\"" + utf8 + "\"}";
  for (std::size_t max = 4096; max < 4110; ++max) {
    auto cut = formatSyslogMessage(row, origin(), max);
    EXPECT_LE(cut.text.size(), max);
    std::string why;
    EXPECT_TRUE(parseRfc5424(cut.text, why).has_value()) << max << ": " << why;
  }
}

}  // namespace
