// The audit log export through a running host: GET /api/admin/audit-logs/export (the admin
// plugin's route over the audit plugin's export) and `codecouncil audit export`. Filters equal
// the list's, both formats parse back, hostile bytes round-trip safely, bad input is a 4xx JSON
// error, the export is a snapshot, the command writes the route's bytes, and the host's memory
// does not grow with the export. On SQLite and PostgreSQL.
#include "audit_test_support.hpp"

#include <codecouncil/sdk/text.hpp>

#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace cc::audit::test;

namespace {

std::string enc(const std::string& v) {
  std::string out;
  Poco::URI::encode(v, "&=+?#%'\" ;", out);
  return out;
}

std::string canonical(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  return out.str();
}

// RFC 4180: fields separated by commas, records by CRLF, quoted fields may hold anything
// (a quote doubled). Fails the test on anything else.
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return rows;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
        EXPECT_NE(text[i], '"') << "a quote inside an unquoted field";
        field += text[i++];
      }
    }
    if (i < text.size() && text[i] == ',') {
      row.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (text.compare(i, 2, "\r\n") == 0) {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      i += 2;
    } else {
      ADD_FAILURE() << "expected , or CRLF at byte " << i;
      return rows;
    }
  }
  EXPECT_TRUE(row.empty() && field.empty()) << "the last record does not end in CRLF";
  return rows;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "the last line does not end in LF";
      end = text.size();
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string readFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The host's peak resident memory (VmHWM) in kB.
long peakRssKb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// What a spreadsheet-safe cell holds for `value` (the leading ' csv cells get).
std::string defused(const std::string& value) {
  if (!value.empty() && std::string("=+-@\t\r").find(value.front()) != std::string::npos) return "'" + value;
  return value;
}

std::string text(const Poco::JSON::Object::Ptr& o, const char* key) {
  return o->isNull(key) ? std::string() : o->getValue<std::string>(key);
}

}  // namespace

class AuditExport : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url_ = createPostgresDatabase("audit_export");
    }
    std::string plugins = auditPlugins("{ max_page_size: 40 }") +
                          bundledPlugin("admin", "{ web_root: '" + sourceDir() + "/plugins/admin/web' }");
    host_ = std::make_unique<HostProcess>(plugins, "", url_);
    ASSERT_TRUE(host_->start()) << host_->output();
    admin_ = host_->signup("export-admin@audit.test");
    execute(host_->databaseUrl(), "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = 'export-admin@audit.test'");
    user_ = host_->signup("export-user@audit.test");
  }
  void TearDown() override {
    if (host_) host_->stop();
  }

  void seed(int n) {
    static const std::vector<std::string> actions = {"payment_failed", "payment_succeeded", "user_signup",
                                                     "login_failed", "analysis_completed"};
    static const std::vector<std::string> severities = {"info", "info", "warning", "error", "critical"};
    static const std::vector<std::string> resources = {"payment", "user", "analysis"};
    for (int i = 0; i < n; ++i)
      record(*host_, R"({"userId":"user_)" + std::to_string(i % 4) + R"(","action":")" + actions[i % 5] +
                         R"(","severity":")" + severities[(i / 2) % 5] + R"(","resourceType":")" + resources[i % 3] +
                         R"(","resourceId":"r)" + std::to_string(i) + R"(","ip":"10.0.0.)" + std::to_string(i % 7) +
                         R"(","metadata":"{\"seq\":)" + std::to_string(i) + R"(}"})");
  }

  // Waits until the asynchronous writer is idle: the total has not changed for half a second.
  void settle() {
    std::int64_t last = -1;
    for (int i = 0; i < 200; ++i) {
      std::int64_t now = total(*host_);
      if (now == last) return;
      last = now;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    FAIL() << "the audit writer never settled";
  }

  // Every id the list shows for `query`, newest first, read page by page.
  std::vector<std::int64_t> listIds(const std::string& query) {
    std::vector<std::int64_t> ids;
    for (int offset = 0;; offset += 40) {
      auto r = host_->get("/api/admin/audit-logs?" + query + "&limit=40&offset=" + std::to_string(offset), admin_);
      EXPECT_EQ(r.status, 200) << query << " -> " << r.body;
      if (r.status != 200) break;
      auto items = parse(r.body)->getArray("logs");
      for (std::size_t i = 0; i < items->size(); ++i) ids.push_back(items->getObject(i)->getValue<std::int64_t>("id"));
      if (items->size() < 40) break;
    }
    return ids;
  }

  // The export, then waits for its own audit entry (so the next list or export sees it too).
  HttpResult exportLogs(const std::string& query) {
    auto r = host_->get("/api/admin/audit-logs/export?" + query, admin_);
    if (r.status == 200) {
      ++exports_;
      EXPECT_TRUE(waitForTotal(*host_, exports_, "?action=audit_logs_exported")) << "the export was not audited";
    }
    return r;
  }

  static std::vector<std::int64_t> ndjsonIds(const std::string& body) {
    std::vector<std::int64_t> ids;
    for (auto& line : splitLines(body)) ids.push_back(parse(line)->getValue<std::int64_t>("id"));
    return ids;
  }

  // Inserts `n` rows in one statement (no writer, no chain: the export does not read the
  // chain), after the writer's last row, and moves the chain's head past them.
  // Rows written straight into the table, after the last id the host wrote. The host's own entries
  // (the set-up's signups) are written asynchronously, so it waits for them first: one landing
  // between reading MAX(id) and the insert would take an id the insert uses.
  void bulkInsert(int n, const std::string& userAgent, const std::string& userId) {
    settle();
    std::int64_t base = std::stoll(queryStrings(host_->databaseUrl(), "SELECT MAX(id) FROM \"AuditLog\"").at(0));
    execute(host_->databaseUrl(),
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(n) +
                ") INSERT INTO \"AuditLog\" (id, \"userId\", action, severity, \"resourceType\", \"resourceId\", "
                "metadata, ip, \"userAgent\", \"requestId\", \"createdAt\", \"prevHash\", hash) SELECT " +
                std::to_string(base) + " + i, '" + userId + "', 'bulk_loaded', 'info', 'system', 'r' || i, "
                "'{\"seq\":' || i || ',\"note\":\"a row loaded in bulk for the export test\"}', '10.1.2.3', '" +
                userAgent + "', 'req-' || i, '2030-01-01T00:00:00.000Z', 'x', 'x' FROM n");
    execute(host_->databaseUrl(), "UPDATE \"AuditChain\" SET \"lastId\" = " + std::to_string(base + n) +
                                      ", \"lastCreatedAt\" = '2030-01-01T00:00:00.000Z'");
  }

  std::string url_;
  std::unique_ptr<HostProcess> host_;
  std::string admin_, user_;
  std::int64_t exports_ = 0;
};

TEST_P(AuditExport, FiltersEqualTheListsResultsInBothFormats) {
  seed(90);
  settle();
  auto recent = parse(host_->get("/api/admin/audit-logs?limit=40", admin_).body)->getArray("logs");
  std::string newer = recent->getObject(5)->getValue<std::string>("createdAt");
  std::string older = recent->getObject(30)->getValue<std::string>("createdAt");
  for (const std::string& query : std::vector<std::string>{
           "", "userId=user_1", "action=payment", "action=pay", "action=payment_failed", "severity=critical",
        "resourceType=analysis", "userId=user_2&severity=info&resourceType=payment", "action=user&severity=info",
        "from=" + enc(older), "to=" + enc(newer), "from=" + enc(older) + "&to=" + enc(newer),
        "from=2999-01-01", "action=nothing_like_this"}) {
    std::vector<std::int64_t> want = listIds(query);
    std::reverse(want.begin(), want.end());  // the export is oldest first
    auto ndjson = exportLogs(query);
    ASSERT_EQ(ndjson.status, 200) << query << " -> " << ndjson.body;
    EXPECT_EQ(ndjsonIds(ndjson.body), want) << query;
    // The ndjson export's own entry is in the log now (and, unfiltered, in the next export).
    want = listIds(query);
    std::reverse(want.begin(), want.end());
    auto csv = exportLogs(query + "&format=csv");
    ASSERT_EQ(csv.status, 200) << query << " -> " << csv.body;
    auto rows = parseCsv(csv.body);
    ASSERT_FALSE(rows.empty()) << query;
    std::vector<std::int64_t> csvIds;
    for (std::size_t i = 1; i < rows.size(); ++i) csvIds.push_back(std::stoll(rows[i].at(0)));
    EXPECT_EQ(csvIds, want) << query;
  }
  EXPECT_GT(listIds("").size(), 90u);
  // limit and offset are the list's, not the export's.
  auto all = exportLogs("severity=error");
  auto paged = exportLogs("severity=error&limit=3&offset=7");
  ASSERT_EQ(paged.status, 200) << paged.body;
  EXPECT_EQ(ndjsonIds(paged.body), ndjsonIds(all.body));
  EXPECT_GT(ndjsonIds(all.body).size(), 10u);
}

TEST_P(AuditExport, RecordsEqualTheListsAndHostileBytesRoundTripSafely) {
  const std::vector<std::string> hostile = {"=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2", "@SUM(A1)",
                                            "\tTAB", "a,b \"quoted\" c", "two\r\nlines", "plain ü 漢字"};
  auto quoted = [](const std::string& v) { return canonical(Poco::Dynamic::Var(v)); };  // a JSON string
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    std::string metadata = "{\"note\":" + quoted(hostile[i]) + ",\"i\":" + std::to_string(i) + "}";
    record(*host_, R"({"userId":"hostile","action":"hostile_text","severity":"warning","resourceType":"user",)"
                   R"("userAgent":)" + quoted(hostile[i]) + R"(,"resourceId":)" + quoted(hostile[i]) +
                       R"(,"metadata":)" + quoted(metadata) + "}");
  }
  // Bytes JSON cannot carry: stored as the writer repairs them.
  auto r = host_->post("/api/test/audit/record", R"({"userId":"hostile","action":"hostile_text","severity":"info",)"
                                                 R"("resourceType":"user","hex":{"userAgent":"3d61ff2c0d0a22","requestId":"2bc0af"}})");
  ASSERT_EQ(r.status, 202) << r.body;
  settle();

  auto list = parse(host_->get("/api/admin/audit-logs?userId=hostile&limit=40", admin_).body)->getArray("logs");
  ASSERT_EQ(list->size(), hostile.size() + 1);
  auto ndjson = exportLogs("userId=hostile");
  ASSERT_EQ(ndjson.status, 200) << ndjson.body;
  EXPECT_EQ(ndjson.header("content-type"), "application/x-ndjson");
  EXPECT_EQ(ndjson.header("cache-control"), "no-store");
  EXPECT_TRUE(cc::text::isValidUtf8(ndjson.body));
  auto lines = splitLines(ndjson.body);
  ASSERT_EQ(lines.size(), list->size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto item = list->getObject(list->size() - 1 - i);  // the list is newest first
    EXPECT_EQ(canonical(parse(lines[i])), canonical(item)) << lines[i];
  }

  auto csv = exportLogs("userId=hostile&format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.header("cache-control"), "no-store");
  EXPECT_TRUE(cc::text::isValidUtf8(csv.body));
  auto rows = parseCsv(csv.body);
  ASSERT_EQ(rows.size(), list->size() + 1);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "userId", "action", "severity", "resourceType", "resourceId",
                                               "metadata", "ip", "userAgent", "requestId", "createdAt"}));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto item = list->getObject(list->size() - i);
    auto& row = rows[i];
    ASSERT_EQ(row.size(), 11u);
    EXPECT_EQ(row[0], std::to_string(item->getValue<std::int64_t>("id")));
    EXPECT_EQ(row[1], "hostile");
    EXPECT_EQ(row[5], defused(text(item, "resourceId")));
    EXPECT_EQ(canonical(parse(row[6])), canonical(item->getObject("metadata")));
    EXPECT_EQ(row[8], defused(text(item, "userAgent")));
    EXPECT_EQ(row[9], defused(text(item, "requestId")));
    EXPECT_EQ(row[10], item->getValue<std::string>("createdAt"));
    for (auto& cell : row)  // nothing a spreadsheet would run
      EXPECT_TRUE(cell.empty() || std::string("=+-@\t\r").find(cell.front()) == std::string::npos) << cell;
  }
  std::string disposition = csv.header("content-disposition");
  EXPECT_EQ(disposition.rfind("attachment; filename=\"audit-logs-", 0), 0u) << disposition;
  EXPECT_EQ(disposition.size(), std::string("attachment; filename=\"audit-logs-2025-01-15.csv\"").size()) << disposition;
}

TEST_P(AuditExport, BadInputIsAClearJsonErrorAndAccessIsAdminOnly) {
  for (const std::string& query : std::vector<std::string>{
           "format=xml", "format=CSV", "format=", "severity=loud", "resourceType=planet", "from=yesterday",
        "to=2025-13-01", "from=2025-02-01&to=2025-01-01", "action=" + enc("a b"), "userId=" + std::string(300, 'u')}) {
    auto r = host_->get("/api/admin/audit-logs/export?" + query, admin_);
    if (query == "format=") {  // empty is absent: the default format
      EXPECT_EQ(r.status, 200) << r.body;
      continue;
    }
    EXPECT_EQ(r.status, 400) << query << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty()) << query;
  }
  EXPECT_NE(jsonField(host_->get("/api/admin/audit-logs/export?format=xml", admin_).body, "error").find("ndjson"),
            std::string::npos);
  auto anonymous = host_->get("/api/admin/audit-logs/export");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_FALSE(jsonField(anonymous.body, "error").empty());
  auto user = host_->get("/api/admin/audit-logs/export", user_);
  EXPECT_EQ(user.status, 403);
  EXPECT_FALSE(jsonField(user.body, "error").empty());
  // Nothing was exported by the refused calls: only the one empty-format export is audited.
  EXPECT_TRUE(waitForTotal(*host_, 1, "?action=audit_logs_exported"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(total(*host_, "?action=audit_logs_exported"), 1);
}

TEST_P(AuditExport, TheExportIsAuditedWithWhoFormatAndFilters) {
  seed(3);
  settle();
  auto r = exportLogs("format=csv&severity=info&action=pay");
  ASSERT_EQ(r.status, 200) << r.body;
  auto entry = logs(*host_, "?action=audit_logs_exported")->getArray("logs")->getObject(0);
  std::string adminId = jsonField(host_->get("/api/auth/me", admin_).body, "user.id");
  EXPECT_EQ(text(entry, "userId"), adminId);
  EXPECT_EQ(entry->getValue<std::string>("resourceType"), "admin");
  auto meta = entry->getObject("metadata");
  EXPECT_EQ(meta->getValue<std::string>("format"), "csv");
  EXPECT_EQ(meta->getValue<std::string>("filters"), "action=pay&severity=info");
}

TEST_P(AuditExport, EntriesWrittenDuringAnExportAreNotInIt) {
  seed(5);
  settle();
  // Enough rows that the body cannot sit in the sockets' buffers: the host is mid-export while
  // the test reads slowly.
  bulkInsert(100000, "bulk agent", "bulk_user");
  std::int64_t before = std::stoll(queryStrings(host_->databaseUrl(), "SELECT COUNT(*) FROM \"AuditLog\"").at(0));
  std::int64_t newest = std::stoll(queryStrings(host_->databaseUrl(), "SELECT MAX(id) FROM \"AuditLog\"").at(0));

  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(host_->port()));
  session.setTimeout(Poco::Timespan(60, 0));
  Poco::Net::HTTPRequest req("GET", "/api/admin/audit-logs/export", Poco::Net::HTTPMessage::HTTP_1_1);
  req.set("Authorization", "Bearer " + admin_);
  session.sendRequest(req);
  Poco::Net::HTTPResponse res;
  std::istream& in = session.receiveResponse(res);
  ASSERT_EQ(res.getStatus(), 200);
  std::string body(4096, '\0');
  in.read(body.data(), static_cast<std::streamsize>(body.size()));
  body.resize(static_cast<std::size_t>(in.gcount()));

  for (int i = 0; i < 20; ++i)
    record(*host_, R"({"action":"during_export","severity":"info","resourceType":"system"})");
  ASSERT_TRUE(waitForTotal(*host_, 20, "?action=during_export"));

  std::string rest;
  Poco::StreamCopier::copyToString(in, rest);
  body += rest;
  std::vector<std::int64_t> ids = ndjsonIds(body);
  EXPECT_EQ(static_cast<std::int64_t>(ids.size()), before);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back(), newest);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(body.find("during_export"), std::string::npos);
  ++exports_;  // that export was audited too
  // And the next export has them.
  auto after = exportLogs("action=during_export");
  EXPECT_EQ(ndjsonIds(after.body).size(), 20u);
}

TEST_P(AuditExport, TheCommandWritesTheRoutesBytes) {
  seed(40);
  record(*host_, R"({"userId":"u9","action":"hostile_text","severity":"error","resourceType":"payment",)"
                 R"("userAgent":"=cmd|' /C calc'!A0","metadata":"{\"note\":\"a,b\\r\\nc\"}"})");
  settle();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--format", "csv", "--resource-type", "payment"},
        std::vector<std::string>{"--severity=error", "--action", "hostile"}, std::vector<std::string>{}}) {
    std::string query;
    for (std::size_t i = 0; i < args.size(); ++i) {
      std::string name = args[i], value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      } else {
        value = args[++i];
      }
      std::string param = name == "--resource-type" ? "resourceType" : name.substr(2);
      query += "&" + param + "=" + enc(value);
    }
    settle();  // the previous export's own entry is written
    auto route = exportLogs(query);
    ASSERT_EQ(route.status, 200) << route.body;
    std::string path = (host_->dir().path() / "export.out").string();
    std::vector<std::string> full = {"export"};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), {"--output", path});
    auto cli = auditCommand(*host_, full);
    ASSERT_EQ(cli.exitCode, 0) << cli.output;
    std::string fileBytes = readFileBytes(path);
    if (args.empty()) {
      // Unfiltered: the command's file is the route's body and the route's own audit entry.
      ASSERT_GT(fileBytes.size(), route.body.size());
      EXPECT_EQ(fileBytes.substr(0, route.body.size()), route.body);
      EXPECT_NE(fileBytes.substr(route.body.size()).find("audit_logs_exported"), std::string::npos);
    } else {
      EXPECT_EQ(fileBytes, route.body) << query;
    }
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::filesystem::remove(path);
  }
  // No temporary file is left behind, and a refused command writes nothing.
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--format", "xml"}, std::vector<std::string>{"--severity", "loud"},
        std::vector<std::string>{"--from", "yesterday"}, std::vector<std::string>{"--bogus", "1"},
        std::vector<std::string>{"--severity"}}) {
    std::string path = (host_->dir().path() / "refused.out").string();
    std::vector<std::string> full = {"export"};
    full.insert(full.end(), bad.begin(), bad.end());
    full.insert(full.end(), {"--output", path});
    if (bad.size() == 1) full.resize(2);  // "--severity" without a value, nothing after it
    auto cli = auditCommand(*host_, full);
    EXPECT_EQ(cli.exitCode, 2) << cli.output;
    EXPECT_NE(cli.output.find("usage: codecouncil audit export"), std::string::npos) << cli.output;
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  for (auto& entry : std::filesystem::directory_iterator(host_->dir().path()))
    EXPECT_EQ(entry.path().filename().string().find(".partial-"), std::string::npos) << entry.path();
  // A folder that does not exist: exit 1, nothing created.
  auto cli = auditCommand(*host_, {"export", "--output", (host_->dir().path() / "missing" / "x.ndjson").string()});
  EXPECT_EQ(cli.exitCode, 1) << cli.output;
}

TEST_P(AuditExport, MemoryDoesNotGrowWithTheExport) {
  const std::string agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0";
  bulkInsert(20000, agent, "warm_user");
  bulkInsert(200000, agent, "bulk_user");
  // Warm up at a tenth of the size: the pages, the pool's connections and their caches.
  for (const std::string format : {"ndjson", "csv"}) {
    auto warm = exportLogs("userId=warm_user&format=" + format);
    ASSERT_EQ(warm.status, 200);
    ASSERT_EQ(std::count(warm.body.begin(), warm.body.end(), '\n'), format == "csv" ? 20001 : 20000);
  }
  long before = peakRssKb(host_->pid());
  ASSERT_GT(before, 0);
  for (const std::string format : {"ndjson", "csv"}) {
    auto r = exportLogs("userId=bulk_user&format=" + format);
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), format == "csv" ? 200001 : 200000);
    long after = peakRssKb(host_->pid());
    long exportKb = static_cast<long>(r.body.size() / 1024);
    std::printf("%s export of 200,000 rows: %ld kB; host peak RSS %ld kB -> %ld kB\n", format.c_str(), exportKb,
                before, after);
    EXPECT_LT(after - before, exportKb / 10) << "the host's peak memory grew with the export";
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditExport, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
