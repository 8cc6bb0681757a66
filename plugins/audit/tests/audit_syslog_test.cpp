// Forwarding new audit entries to syslog for a SIEM (issue 19), against the real host: a
// loopback TCP collector reading RFC 6587 octet-counted frames and a unix datagram collector
// check every message with a strict RFC 5424 parser, against the stored rows and against the
// export (a message's JSON is the entry's export record plus its hash); a collector
// that is down costs no request and drops only what exceeds queue_max, counted on /metrics;
// hostile bytes stay inside one well-formed frame; bad settings stop the host at start-up.
#include "audit_test_support.hpp"
#include "syslog_test_collector.hpp"

#include <codecouncil/audit/contract.hpp>
#include <codecouncil/sdk/text.hpp>

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <map>
#include <sstream>

using namespace cc::audit::test;

namespace {

std::string syslogConfig(const std::string& transport, const std::string& address, const std::string& extra = "") {
  return "{ syslog: { enabled: true, transport: " + transport + ", address: '" + address +
         "', facility: local3, app_name: cc-test, hostname: audit-host, reconnect_max_seconds: 1" + extra + " } }";
}

/// One column of every row, in id order (NULL as "").
std::vector<std::string> columnById(const std::string& url, const std::string& column) {
  return queryStrings(url, "SELECT COALESCE(CAST(" + column + " AS TEXT), '') FROM \"AuditLog\" ORDER BY id");
}

bool waitForMetric(const HostProcess& host, const std::string& sample, const std::string& value, int timeoutMs = 15000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (metric(host, sample) == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return metric(host, sample) == value;
}

std::vector<Rfc5424> parseAll(Received& received) {
  std::vector<Rfc5424> out;
  for (auto& m : received.messages()) {
    std::string why;
    auto r = parseRfc5424(m, why);
    EXPECT_TRUE(r) << why << ": " << cc::text::escapeControls(m);
    if (r) out.push_back(*r);
  }
  EXPECT_TRUE(received.errors().empty()) << received.errors().front();
  return out;
}

Poco::JSON::Object::Ptr jsonOf(const Rfc5424& r) {
  Poco::JSON::Parser parser;
  return parser.parse(r.msg).extract<Poco::JSON::Object::Ptr>();
}

// Every message equals its stored row, in id order (ids consecutive: nothing lost or reordered).
void expectMessagesAreTheRows(const std::vector<Rfc5424>& messages, const std::string& url, std::size_t firstRow = 0) {
  auto ids = columnById(url, "id"), hashes = columnById(url, "hash"), actions = columnById(url, "action"),
       severities = columnById(url, "severity"), users = columnById(url, "\"userId\""),
       requests = columnById(url, "\"requestId\""), resources = columnById(url, "\"resourceId\""),
       times = columnById(url, "\"createdAt\""), agents = columnById(url, "\"userAgent\"");
  ASSERT_EQ(ids.size(), firstRow + messages.size());
  const std::map<std::string, int> severity = {{"critical", 2}, {"error", 3}, {"warning", 4}, {"info", 6}};
  for (std::size_t k = 0; k < messages.size(); ++k) {
    const Rfc5424& m = messages[k];
    std::size_t row = firstRow + k;
    SCOPED_TRACE("row id " + ids[row]);
    EXPECT_EQ(m.param("id"), ids[row]);
    EXPECT_EQ(m.param("hash"), hashes[row]);
    EXPECT_EQ(m.param("action"), actions[row]);
    EXPECT_EQ(m.param("severity"), severities[row]);
    EXPECT_EQ(m.param("userId").value_or(""), users[row]);
    EXPECT_EQ(m.param("requestId").value_or(""), requests[row]);
    EXPECT_EQ(m.param("resourceId").value_or(""), resources[row]);
    EXPECT_EQ(m.pri, 19 * 8 + severity.at(severities[row]));  // local3
    EXPECT_EQ(m.timestamp, times[row]);
    EXPECT_EQ(m.hostname, "audit-host");
    EXPECT_EQ(m.appName, "cc-test");
    EXPECT_EQ(m.sdId, "audit@32473");
    EXPECT_TRUE(m.bom);
    auto j = jsonOf(m);
    EXPECT_EQ(std::to_string(j->getValue<std::int64_t>("id")), ids[row]);
    EXPECT_EQ(j->optValue<std::string>("userAgent", ""), agents[row]);
    EXPECT_EQ(j->getValue<std::string>("hash"), hashes[row]);
  }
}

// The host with the audit plugin (syslog on, `syslog`) and the admin plugin, which serves the
// export route.
std::string auditAndAdminPlugins(const std::string& syslog) {
  return auditPlugins(syslog) + bundledPlugin("admin", "{ web_root: '" + sourceDir() + "/plugins/admin/web' }");
}

std::string canonical(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  return out.str();
}

// Each record of GET /api/admin/audit-logs/export (NDJSON) by id, as canonical JSON text. Signs
// up an admin for it, which writes entries of its own: call it after the messages are checked
// against the rows.
std::map<std::int64_t, std::string> exportedRecords(HostProcess& host) {
  const std::string email = "syslog-admin@audit.test";
  std::string token = host.signup(email);
  execute(host.databaseUrl(), "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = '" + email + "'");
  auto r = host.get("/api/admin/audit-logs/export?format=ndjson", token);
  EXPECT_EQ(r.status, 200) << r.body;
  std::map<std::int64_t, std::string> records;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(cc::text::isValidUtf8(line)) << cc::text::escapeControls(line);
    auto o = parse(line);
    records[o->getValue<std::int64_t>("id")] = canonical(o);
  }
  return records;
}

// What a SIEM receives is what an operator exports: each message's JSON is the export's record
// of that entry (same field names, nulls and values) plus the row's hash, and nothing else.
void expectMessagesAreExportRecordsPlusHash(const std::vector<Rfc5424>& messages,
                                            const std::map<std::int64_t, std::string>& exported) {
  ASSERT_FALSE(messages.empty());
  for (const Rfc5424& m : messages) {
    SCOPED_TRACE("message id " + m.param("id").value_or("?"));
    ASSERT_TRUE(cc::text::isValidUtf8(m.msg));
    auto j = jsonOf(m);
    auto record = exported.find(j->getValue<std::int64_t>("id"));
    ASSERT_NE(record, exported.end()) << m.msg;
    ASSERT_TRUE(j->has("hash")) << m.msg;
    EXPECT_EQ(j->getValue<std::string>("hash"), m.param("hash").value_or(""));
    j->remove("hash");
    EXPECT_EQ(canonical(j), record->second);
  }
}

void recordNumbered(const HostProcess& host, int from, int to) {
  for (int i = from; i < to; ++i)
    record(host, R"({"action":"syslog_test_)" + std::to_string(i) + R"(","severity":")" +
                     std::string(cc::audit::kSeverities[static_cast<std::size_t>(i) % 4]) +
                     R"(","resourceType":"system","userId":"u)" + std::to_string(i) + R"(","requestId":"r-)" +
                     std::to_string(i) + R"(","userAgent":"agent )" + std::to_string(i) + "\"}");
}

class AuditSyslogTcp : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url_ = createPostgresDatabase("audit_syslog");
    }
  }
  std::string url_;  // empty: HostProcess's SQLite file
};

TEST_P(AuditSyslogTcp, EveryCommittedEntryArrivesOnceInOrderAsRfc5424) {
  TcpCollector collector;
  HostProcess host(auditAndAdminPlugins(syslogConfig("tcp", "127.0.0.1:" + std::to_string(collector.port()))), "",
                   url_);
  ASSERT_TRUE(host.start()) << host.output();
  recordNumbered(host, 0, 120);
  ASSERT_TRUE(waitForTotal(host, 120));
  ASSERT_TRUE(collector.received().waitFor(120)) << collector.received().messages().size() << "\n" << host.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // nothing more (no duplicates) comes
  auto messages = parseAll(collector.received());
  ASSERT_EQ(messages.size(), 120u);
  expectMessagesAreTheRows(messages, host.databaseUrl());
  EXPECT_EQ(metric(host, "audit_syslog_forwarded_total"), "120");
  EXPECT_EQ(metric(host, "audit_syslog_dropped_total{reason=\"queue_full\"}"), "0");
  EXPECT_EQ(metric(host, "audit_syslog_queue_depth"), "0");
  expectMessagesAreExportRecordsPlusHash(messages, exportedRecords(host));
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditSyslogTcp, ::testing::Values("sqlite", "postgresql"));

TEST(AuditSyslog, UnixDatagramSocketGetsOneMessagePerDatagram) {
  TempDir dir;
  const std::string path = (dir.path() / "log.sock").string();
  UnixDatagramCollector collector(path);
  HostProcess host(auditPlugins(syslogConfig("unix", path)));
  ASSERT_TRUE(host.start()) << host.output();
  recordNumbered(host, 0, 30);
  ASSERT_TRUE(collector.received().waitFor(30)) << collector.received().messages().size() << "\n" << host.output();
  auto messages = parseAll(collector.received());
  ASSERT_EQ(messages.size(), 30u);
  expectMessagesAreTheRows(messages, host.databaseUrl());
}

TEST(AuditSyslog, CollectorDownDropsOnlyBeyondQueueMaxAndLaterEntriesArrive) {
  TcpCollector collector;
  const int port = collector.port();
  collector.close();  // down from the start: the host must start and answer anyway
  HostProcess host(auditPlugins(syslogConfig("tcp", "127.0.0.1:" + std::to_string(port), ", queue_max: 5")));
  ASSERT_TRUE(host.start()) << host.output();
  auto started = std::chrono::steady_clock::now();
  recordNumbered(host, 0, 20);
  ASSERT_TRUE(waitForTotal(host, 20));  // every entry is stored
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  ASSERT_TRUE(waitForMetric(host, "audit_syslog_dropped_total{reason=\"queue_full\"}", "15")) << host.output();
  EXPECT_EQ(metric(host, "audit_syslog_queue_depth"), "5");
  EXPECT_EQ(metric(host, "audit_syslog_forwarded_total"), "0");
  EXPECT_TRUE(host.waitForOutput("audit syslog: tcp 127.0.0.1:" + std::to_string(port))) << host.output();

  collector.reopen();  // back: the 5 queued entries arrive, then later ones
  ASSERT_TRUE(collector.received().waitFor(5)) << host.output();
  recordNumbered(host, 20, 23);
  ASSERT_TRUE(collector.received().waitFor(8)) << collector.received().messages().size() << "\n" << host.output();
  auto messages = parseAll(collector.received());
  ASSERT_EQ(messages.size(), 8u);
  // The first five rows (queued before the drops), then the three recorded after the return.
  auto ids = columnById(host.databaseUrl(), "id");
  std::vector<std::string> expected = {ids[0], ids[1], ids[2], ids[3], ids[4], ids[20], ids[21], ids[22]};
  for (std::size_t k = 0; k < 8; ++k) EXPECT_EQ(messages[k].param("id"), expected[k]) << k;
  EXPECT_TRUE(waitForMetric(host, "audit_syslog_forwarded_total", "8"));
  EXPECT_EQ(metric(host, "audit_syslog_dropped_total{reason=\"queue_full\"}"), "15");

  // A collector that closes the connection: the next entries go over a new one.
  collector.close();
  collector.reopen();
  recordNumbered(host, 23, 25);
  ASSERT_TRUE(collector.received().waitFor(10)) << host.output();
  messages = parseAll(collector.received());
  ASSERT_EQ(messages.size(), 10u);
  ids = columnById(host.databaseUrl(), "id");
  ASSERT_EQ(ids.size(), 25u);
  EXPECT_EQ(messages[8].param("id"), ids[23]);
  EXPECT_EQ(messages[9].param("id"), ids[24]);
}

TEST(AuditSyslog, HostileBytesStayOneWellFormedFrame) {
  TcpCollector collector;
  HostProcess host(auditAndAdminPlugins(syslogConfig("tcp", "127.0.0.1:" + std::to_string(collector.port()))));
  ASSERT_TRUE(host.start()) << host.output();
  // quote, ], backslash, LF, CR, NUL, ESC, ill-formed UTF-8, a fake frame header and a fake
  // second message: as hex, so the bytes reach AuditLog::record unchanged.
  auto hex = [](const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) (out += digits[c >> 4]) += digits[c & 15];
    return out;
  };
  const std::string hostile = std::string("a\"b]c\\d\ne\rf") + '\0' + "g\x1b[2J \xff\xfe\xc0\xaf 12 <13>1 - - - - - - forged";
  record(host, R"({"action":"login_failed","severity":"warning","resourceType":"user","hex":{"userId":")" + hex(hostile) +
                   R"(","resourceId":")" + hex(hostile) + R"(","requestId":")" + hex(hostile) + R"(","userAgent":")" +
                   hex(hostile) + R"(","metadata":")" + hex("{\"note\":\"" + hostile + "\"}") + "\"}}");
  record(host, R"({"action":"we\"ird]\\ action","severity":"info","resourceType":"system","metadata":"{\"n\":\"]\\\"\\\\\"}"})");
  record(host, R"({"action":"after","severity":"info","resourceType":"system"})");
  ASSERT_TRUE(waitForTotal(host, 3));
  ASSERT_TRUE(collector.received().waitFor(3)) << host.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto messages = parseAll(collector.received());
  ASSERT_EQ(messages.size(), 3u);  // no forged extra frame or message
  expectMessagesAreTheRows(messages, host.databaseUrl());
  EXPECT_EQ(messages[1].msgId, "-");  // not PRINTUSASCII: NILVALUE, the action is in the SD
  EXPECT_EQ(messages[2].msgId, "after");
  auto meta = queryStrings(host.databaseUrl(), "SELECT metadata FROM \"AuditLog\" ORDER BY id");
  Poco::JSON::Parser parser;
  for (std::size_t k = 0; k < 2; ++k) {
    auto stored = parser.parse(meta[k]).extract<Poco::JSON::Object::Ptr>();
    auto sent = jsonOf(messages[k])->getObject("metadata");
    ASSERT_TRUE(sent) << k;
    std::ostringstream a, b;
    stored->stringify(a);
    sent->stringify(b);
    EXPECT_EQ(a.str(), b.str()) << k;
  }
  expectMessagesAreExportRecordsPlusHash(messages, exportedRecords(host));
}

TEST(AuditSyslog, BadSettingsStopTheHostWithTheKeyAndLine) {
  struct Case {
    std::string config, key, words;
  };
  const std::vector<Case> cases = {
      {"{ syslog: { enabled: true, transport: udp, address: 'h:514' } }", "syslog.transport", "must be one of"},
      {"{ syslog: { enabled: true, address: 'no-port' } }", "syslog.address", "host:port"},
      {"{ syslog: { enabled: true, address: 'h:70000' } }", "syslog.address", "port between 1 and 65535"},
      {"{ syslog: { enabled: true, transport: unix, address: 'relative/log' } }", "syslog.address", "absolute"},
      {"{ syslog: { enabled: true, address: 'h:514', facility: local9 } }", "syslog.facility", "local7"},
      {"{ syslog: { enabled: true, address: 'h:514', app_name: 'has space' } }", "syslog.app_name", "printable"},
      {"{ syslog: { enabled: true, address: 'h:514', hostname: 'a b' } }", "syslog.hostname", "printable"},
      {"{ syslog: { enabled: true } }", "syslog.enabled", "needs syslog.address"},
      {"{ syslog: { enabled: true, address: 'h:514', queue_max: 0 } }", "syslog.queue_max", "between"},
      {"{ syslog: { enabled: true, address: 'h:514', adress: 'x' } }", "syslog.adress", ""},
  };
  for (auto& c : cases) {
    HostProcess host(auditPlugins(c.config));
    ASSERT_FALSE(host.start()) << c.config;
    std::string out = host.output();
    EXPECT_NE(out.find(c.key + " ("), std::string::npos) << c.config << "\n" << out;
    EXPECT_NE(out.find("codecouncil.yaml:"), std::string::npos) << c.config << "\n" << out;
    EXPECT_NE(out.find(c.words), std::string::npos) << c.config << "\n" << out;
  }
}

}  // namespace
