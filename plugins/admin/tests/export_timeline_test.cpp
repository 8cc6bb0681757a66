// The user list's CSV export and a user's timeline against the real host with the real audit,
// billing and ratelimit plugins, on SQLite and on PostgreSQL (skipped without
// CC_TEST_POSTGRES_URL). Audit entries of kinds whose publishers need Stripe are recorded
// through the real audit service (tp_audit_publisher's /api/test/audit/record); ledger rows are
// written with SQL, as billing leaves them; rate-limit refusals and suspensions are real.
#include "admin_test_support.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace cc::admin::test;

namespace {

bool realPluginsBuilt() {
  for (const char* lib : {"/libcc_audit.so", "/libcc_billing.so", "/libcc_ratelimit.so"})
    if (!std::filesystem::exists(pluginDir() + lib)) return false;
  return std::filesystem::exists(testPluginDir() + "/libcc_tp_audit_publisher.so");
}

// Free users get 4 requests a day, so a refusal is a few requests away; admin API calls are
// not counted.
std::string plugins(const std::string& adminExtra = "", const std::string& auditConfig = "{}") {
  std::string big = "100000";
  return bundledPlugin("ratelimit", "{ fail_open: false, tiers: { free: { requests_per_day: 4, requests_per_month: " +
                                        big + ", analysis_runs_per_day: " + big + ", analysis_runs_per_month: " + big +
                                        " } } }") +
         bundledPlugin("audit", auditConfig) + "  - name: tp_audit_publisher\n    path: " + testPluginDir() +
         "/libcc_tp_audit_publisher.so\n" + bundledPlugin("billing", "{ secret_key: '', webhook_secret: '' }") +
         adminPlugin(adminExtra);
}

std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(cell), cell.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(cell), cell.clear(), rows.push_back(row), row.clear(), ++i;
    } else {
      cell += c;
    }
    any = true;
  }
  if (any && (!cell.empty() || !row.empty())) row.push_back(cell), rows.push_back(row);
  return rows;
}

std::string base64url(const std::string& raw) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  enc.rdbuf()->setLineLength(0);
  enc << raw;
  enc.close();
  return out.str();
}

// The host's peak resident memory (VmHWM) in kB, -1 when /proc does not say.
long peakRssKb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string sqlNow(const std::string& url) {
  return url.rfind("postgres", 0) == 0
             ? "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
             : "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
}

class ExportAndTimeline : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!realPluginsBuilt()) GTEST_SKIP() << "audit, billing, ratelimit or tp_audit_publisher is not built";
    if (GetParam() == "postgresql") {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url_ = createPostgresDatabase("admin_timeline");
    }
  }
  std::unique_ptr<HostProcess> startHost(const std::string& adminExtra = "", const std::string& auditConfig = "{}") {
    auto host = std::make_unique<HostProcess>(plugins(adminExtra, auditConfig), "", url_);
    EXPECT_TRUE(host->start()) << host->output();
    return host;
  }
  // Ledger rows as billing writes them (the database clock at insert).
  void ledgerRow(HostProcess& host, const std::string& userId, int amount, const std::string& reference) {
    execute(host.databaseUrl(),
            "INSERT INTO \"Transaction\" (\"userId\", type, amount, reference, description, \"createdAt\") VALUES ('" +
                userId + "', '" + (amount > 0 ? "grant" : "debit") + "', " + std::to_string(amount) + ", '" + reference +
                "', 'seeded', " + sqlNow(host.databaseUrl()) + ")");
  }
  void auditEntry(HostProcess& host, const std::string& userId, const std::string& action,
                  const std::string& resourceType, const std::string& metadata) {
    auto body = Poco::JSON::Object();
    body.set("userId", userId);
    body.set("action", action);
    body.set("severity", "info");
    body.set("resourceType", resourceType);
    body.set("metadata", metadata);
    std::ostringstream text;
    body.stringify(text);
    ASSERT_EQ(host.post("/api/test/audit/record", text.str()).status, 202);
  }
  std::string url_;
};

std::vector<std::string> timelineKeys(HostProcess& host, const std::string& token, const std::string& userId,
                                      int limit, const std::function<void(int page)>& betweenPages = {}) {
  std::vector<std::string> keys;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    auto r = host.get("/api/admin/users/" + userId + "/timeline?limit=" + std::to_string(limit) +
                          (cursor.empty() ? "" : "&cursor=" + cursor),
                      token);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) break;
    auto o = parse(r.body);
    auto items = o->getArray("items");
    EXPECT_LE(items->size(), static_cast<std::size_t>(limit));
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto item = items->getObject(i);
      std::string rowId = item->getObject("details")->get("id").toString();
      keys.push_back(item->getValue<std::string>("time") + "|" + item->getValue<std::string>("kind") + "|" +
                     std::string(12 - std::min<std::size_t>(12, rowId.size()), '0') + rowId);
    }
    if (o->isNull("nextCursor")) break;
    cursor = o->getValue<std::string>("nextCursor");
    if (betweenPages) betweenPages(page);
  }
  return keys;
}

}  // namespace

TEST_P(ExportAndTimeline, ExportHasEveryMatchingRowSafeForSpreadsheets) {
  auto host = startHost();
  std::string admin = makeAdmin(*host, "exporter@admin.test");
  std::string adminId = userIdOf(*host, admin);
  std::string plain = host->signup("plain@admin.test");
  // More rows than one batch of the user service (1,000), all with one signup time, so the
  // order rests on the id alone.
  execute(host->databaseUrl(),
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2100) "
          "INSERT INTO \"User\" (id, email, \"passwordHash\", tier, \"createdAt\", \"updatedAt\") "
          "SELECT 'bulk-' || (10000 + i), 'b' || (10000 + i) || '@bulk.test', 'x', 'free', "
          "'2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z' FROM n");
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"f1", "=HYPERLINK(\"http://evil.test\",\"x\")"}, {"f2", "+1+2"}, {"f3", "-2+3"}, {"f4", "@SUM(A1)"},
      {"f5", "\tTAB"}, {"f6", "\rCR"}, {"f7", "Smith, \"J\"\nline 2"}, {"f8", "Zoë 日本"}};
  for (auto& [id, name] : hostile) {
    std::string quoted;
    for (char c : name) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    execute(host->databaseUrl(), "INSERT INTO \"User\" (id, email, \"passwordHash\", name, tier, \"createdAt\", "
                                 "\"updatedAt\") VALUES ('" + id + "', '" + id + "@inject.test', 'x', '" + quoted +
                                     "', 'free', '2024-02-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z')");
  }

  EXPECT_EQ(host->get("/api/admin/users/export").status, 401);
  auto denied = host->get("/api/admin/users/export", plain);
  EXPECT_EQ(denied.status, 403);
  EXPECT_TRUE(isJsonError(denied));
  for (const char* bad : {"format=xml", "status=gold", "suspended=maybe", "tier=A;B", "limit=x"}) {
    auto r = host->get(std::string("/api/admin/users/export?") + bad, admin);
    if (std::string(bad) == "limit=x") {
      EXPECT_EQ(r.status, 200) << "the export has no limit parameter";
      continue;
    }
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_TRUE(isJsonError(r)) << r.body;
  }

  auto r = host->get("/api/admin/users/export?format=csv&search=bulk.test", admin);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(std::regex_match(r.header("content-disposition"),
                               std::regex(R"(attachment; filename="users-\d{8}-\d{6}\.csv")")))
      << r.header("content-disposition");
  EXPECT_EQ(r.header("cache-control"), "no-store");
  auto rows = parseCsv(r.body);
  ASSERT_EQ(rows.size(), 2101u);
  EXPECT_EQ(rows[0][0], "id");
  EXPECT_EQ(rows[0][1], "email");
  std::set<std::string> ids;
  for (std::size_t i = 1; i < rows.size(); ++i) ids.insert(rows[i][0]);
  EXPECT_EQ(ids.size(), 2100u);
  // Same order as the list: newest first, ties by id descending.
  EXPECT_EQ(rows[1][0], "bulk-12100");
  EXPECT_EQ(rows[2100][0], "bulk-10001");
  auto firstPage = parse(host->get("/api/admin/users?search=bulk.test&limit=3", admin).body);
  EXPECT_EQ(firstPage->getArray("users")->getObject(1)->getValue<std::string>("id"), rows[2][0]);

  // The list's filters apply: the paid-tier filter leaves none of the bulk accounts.
  auto none = parseCsv(host->get("/api/admin/users/export?search=bulk.test&status=active", admin).body);
  EXPECT_EQ(none.size(), 1u);

  auto injected = host->get("/api/admin/users/export?search=inject.test", admin);
  ASSERT_EQ(injected.status, 200);
  auto cells = parseCsv(injected.body);
  ASSERT_EQ(cells.size(), hostile.size() + 1);
  std::map<std::string, std::string> nameOf;
  for (std::size_t i = 1; i < cells.size(); ++i) nameOf[cells[i][0]] = cells[i][2];
  EXPECT_EQ(nameOf["f1"], "'=HYPERLINK(\"http://evil.test\",\"x\")");
  EXPECT_EQ(nameOf["f2"], "'+1+2");
  EXPECT_EQ(nameOf["f3"], "'-2+3");
  EXPECT_EQ(nameOf["f4"], "'@SUM(A1)");
  EXPECT_EQ(nameOf["f5"], "'\tTAB");
  EXPECT_EQ(nameOf["f6"], "'\rCR");
  EXPECT_EQ(nameOf["f7"], "Smith, \"J\"\nline 2");
  EXPECT_EQ(nameOf["f8"], "Zoë 日本");
  EXPECT_NE(injected.body.find("\"Smith, \"\"J\"\"\nline 2\""), std::string::npos) << "RFC 4180 quoting";

  // Each export is on the audit trail, by the admin, with its filter and size.
  ASSERT_TRUE(eventually([&] {
    auto page = parse(host->get("/api/admin/audit-logs?action=users_exported&userId=" + adminId, admin).body);
    if (page->getValue<int>("total") < 3) return false;
    bool found = false;
    auto logs = page->getArray("logs");
    for (std::size_t i = 0; i < logs->size(); ++i) {
      auto m = logs->getObject(i)->getObject("metadata");
      if (m->getValue<std::string>("filters") == "search=bulk.test")
        found = m->getValue<std::int64_t>("rows") == 2100 && logs->getObject(i)->getValue<std::string>("resourceType") == "admin";
    }
    return found;
  })) << host->output();
}

TEST_P(ExportAndTimeline, ExportUnderConcurrentSignupsHasNoRepeatedRow) {
  auto host = startHost();
  std::string admin = makeAdmin(*host, "busy-exporter@admin.test");
  execute(host->databaseUrl(),
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3500) "
          "INSERT INTO \"User\" (id, email, \"passwordHash\", tier, \"createdAt\", \"updatedAt\") "
          "SELECT 'old-' || (10000 + i), 'o' || (10000 + i) || '@busy.test', 'x', 'free', "
          "'2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z' FROM n");
  // Newer accounts that match the filter keep arriving while the export pages by offset.
  std::atomic<bool> done{false};
  std::atomic<int> inserted{0};
  std::thread writer([&] {
    while (!done) {
      int i = inserted++;
      execute(host->databaseUrl(), "INSERT INTO \"User\" (id, email, \"passwordHash\", tier, \"createdAt\", "
                                   "\"updatedAt\") VALUES ('new-" + std::to_string(i) + "', 'n" + std::to_string(i) +
                                       "@busy.test', 'x', 'free', " + sqlNow(host->databaseUrl()) + ", " +
                                       sqlNow(host->databaseUrl()) + ")");
    }
  });
  std::vector<std::vector<std::vector<std::string>>> exports;
  // Keyset pages make an export quicker than a few inserts on a new connection each: at
  // least four exports, and more until the writer has inserted during them.
  while (inserted.load() == 0) std::this_thread::yield();
  for (int round = 0; round < 4 || (inserted.load() <= 8 && round < 100); ++round) {
    auto r = host->get("/api/admin/users/export?search=busy.test", admin);
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 200);
    exports.push_back(parseCsv(r.body));
  }
  done = true;
  writer.join();
  EXPECT_GT(inserted.load(), 8);
  for (auto& rows : exports) {
    std::set<std::string> ids;
    int old = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      EXPECT_TRUE(ids.insert(rows[i][0]).second) << "repeated row " << rows[i][0];
      old += rows[i][0].rfind("old-", 0) == 0;
    }
    EXPECT_EQ(old, 3500) << "every account that existed throughout is in the export";
  }
}

TEST_P(ExportAndTimeline, ExportWhileAccountsLeaveTheFilterMissesNoOtherRow) {
  auto host = startHost();
  std::string admin = makeAdmin(*host, "steady-exporter@admin.test");
  // 3,500 accounts that stay as they are, and 400 newer ones (first in the export) that are
  // suspended one by one while an export of active accounts runs: each moves later rows up.
  execute(host->databaseUrl(),
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3500) "
          "INSERT INTO \"User\" (id, email, \"passwordHash\", tier, \"createdAt\", \"updatedAt\") "
          "SELECT 'stay-' || (10000 + i), 's' || (10000 + i) || '@steady.test', 'x', 'free', "
          "'2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z' FROM n");
  execute(host->databaseUrl(),
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) "
          "INSERT INTO \"User\" (id, email, \"passwordHash\", tier, \"createdAt\", \"updatedAt\") "
          "SELECT 'leave-' || (10000 + i), 'l' || (10000 + i) || '@steady.test', 'x', 'free', "
          "'2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z' FROM n");
  std::atomic<bool> done{false};
  std::atomic<int> suspended{0};
  std::thread writer([&] {
    for (int i = 400; i >= 1 && !done; --i) {
      execute(host->databaseUrl(), "UPDATE \"User\" SET suspended = true WHERE id = 'leave-" +
                                       std::to_string(10000 + i) + "'");
      ++suspended;
    }
  });
  std::vector<std::vector<std::vector<std::string>>> exports;
  for (int round = 0; round < 4 && suspended < 400; ++round) {
    auto r = host->get("/api/admin/users/export?search=steady.test&suspended=false", admin);
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 200);
    exports.push_back(parseCsv(r.body));
  }
  done = true;
  writer.join();
  EXPECT_GT(suspended.load(), 4);
  for (auto& rows : exports) {
    std::set<std::string> stay;
    for (std::size_t i = 1; i < rows.size(); ++i)
      if (rows[i][0].rfind("stay-", 0) == 0) EXPECT_TRUE(stay.insert(rows[i][0]).second) << "repeated " << rows[i][0];
    EXPECT_EQ(stay.size(), 3500u) << "an account that stayed in the filter is missing";
  }
}

TEST_P(ExportAndTimeline, ExportLargerThanTheConfiguredCapIsRefused) {
  auto host = startHost(", max_export_rows: 3");
  std::string admin = makeAdmin(*host, "capped@admin.test");
  for (int i = 0; i < 3; ++i) host->signup("cap" + std::to_string(i) + "@cap.test");
  auto r = host->get("/api/admin/users/export?search=cap.test", admin);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parseCsv(r.body).size(), 4u);
  auto big = host->get("/api/admin/users/export", admin);
  EXPECT_EQ(big.status, 400) << big.body;
  EXPECT_NE(jsonField(big.body, "error").find("more than one export holds (3)"), std::string::npos) << big.body;
}

// HEAD: the head of an export and no rows. The request is still on the audit trail (an admin
// asked for the list), with 0 rows and the request's own context: its id, address and agent.
TEST_P(ExportAndTimeline, HeadOfAnExportSendsNoRowsAndIsAuditedWithZeroRows) {
  auto host = startHost();
  std::string admin = makeAdmin(*host, "head-exporter@admin.test");
  host->signup("someone@head.test");
  auto r = http(host->port(), "HEAD", "/api/admin/users/export?search=head.test",
                "", {{"Authorization", "Bearer " + admin}, {"User-Agent", "head-check/1.0"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty()) << r.body;
  EXPECT_NE(r.header("content-disposition").find("attachment; filename=\"users-"), std::string::npos);
  const std::string requestId = r.header("x-request-id");
  ASSERT_FALSE(requestId.empty());
  const std::string adminId = jsonField(host->get("/api/auth/me", admin).body, "user.id");
  ASSERT_TRUE(eventually([&] {
    auto page = parse(host->get("/api/admin/audit-logs?action=users_exported&userId=" + adminId, admin).body);
    auto logs = page->getArray("logs");
    for (std::size_t i = 0; i < logs->size(); ++i) {
      auto entry = logs->getObject(i);
      auto m = entry->getObject("metadata");
      if (m->getValue<std::string>("filters") != "search=head.test") continue;
      EXPECT_EQ(m->getValue<std::int64_t>("rows"), 0);
      EXPECT_EQ(entry->getValue<std::string>("requestId"), requestId);
      EXPECT_EQ(entry->getValue<std::string>("userAgent"), "head-check/1.0");
      EXPECT_EQ(entry->getValue<std::string>("ip"), "127.0.0.1");
      return true;
    }
    return false;
  })) << host->output();
}

TEST_P(ExportAndTimeline, ExportStreamsTheListAsOfItsStartInFlatMemory) {
  auto host = startHost();
  std::string admin = makeAdmin(*host, "slow-exporter@admin.test");
  // 60,000 accounts with long names, about 18 MB of CSV: more than the sockets' buffers hold,
  // so the host is still reading pages while the test reads slowly. Three signup times, so
  // every page boundary falls among equal times, where only the id orders.
  auto seed = [&](const std::string& domain, int n) {
    execute(host->databaseUrl(),
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(n) +
                ") INSERT INTO \"User\" (id, email, \"passwordHash\", name, tier, \"createdAt\", \"updatedAt\") "
                "SELECT '" + domain + "-' || (100000 + i), 'u' || (100000 + i) || '@" + domain + ".test', 'x', '" +
                std::string(200, 'n') + "', 'free', CASE i % 3 WHEN 0 THEN '2024-01-03T00:00:00.000Z' "
                "WHEN 1 THEN '2024-01-02T00:00:00.000Z' ELSE '2024-01-01T00:00:00.000Z' END, "
                "'2024-01-01T00:00:00.000Z' FROM n");
  };
  seed("warm", 6000);
  seed("slow", 60000);
  // The list's order, from the database itself.
  const std::vector<std::string> listed = queryStrings(
      host->databaseUrl(),
      "SELECT id FROM \"User\" WHERE email LIKE '%@slow.test' ORDER BY \"createdAt\" DESC, id DESC");
  ASSERT_EQ(listed.size(), 60000u);
  auto idsOf = [](const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::string> ids;
    for (std::size_t i = 1; i < rows.size(); ++i) ids.push_back(rows[i][0]);
    return ids;
  };

  // Memory: a warm-up export at a tenth of the size (pages, pool connections, caches), then
  // the whole one; the host's peak must not grow with it.
  auto warm = host->get("/api/admin/users/export?search=warm.test", admin);
  ASSERT_EQ(warm.status, 200);
  ASSERT_EQ(parseCsv(warm.body).size(), 6001u);
  long before = peakRssKb(host->pid());
  ASSERT_GT(before, 0);
  auto whole = host->get("/api/admin/users/export?search=slow.test", admin);
  ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 300);
  long after = peakRssKb(host->pid());
  long exportKb = static_cast<long>(whole.body.size() / 1024);
  std::printf("user export of 60,000 rows: %ld kB; host peak RSS %ld kB -> %ld kB\n", exportKb, before, after);
  EXPECT_LT(after - before, exportKb / 10) << "the host's peak memory grew with the export";
  EXPECT_EQ(idsOf(parseCsv(whole.body)), listed) << "the export is the list, in the list's order";
  // The list's own pages agree where they meet the export's pages.
  for (int offset : {0, 995, 59990}) {
    auto page = parse(host->get("/api/admin/users?search=slow.test&limit=10&offset=" + std::to_string(offset), admin).body);
    auto users = page->getArray("users");
    ASSERT_EQ(users->size(), 10u);
    for (std::size_t i = 0; i < users->size(); ++i)
      EXPECT_EQ(users->getObject(i)->getValue<std::string>("id"), listed[static_cast<std::size_t>(offset) + i]);
  }

  // A slow reader: the header row, then accounts sign up (for real, through the host), then
  // the rest. The export is the accounts as of its start: each once, in order, none of the new.
  Poco::Net::HTTPRequest req("GET", "/api/admin/users/export?search=slow.test", Poco::Net::HTTPMessage::HTTP_1_1);
  req.setCredentials("Bearer", admin);
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(host->port()));
  session.sendRequest(req);
  Poco::Net::HTTPResponse res;
  std::istream& in = session.receiveResponse(res);
  ASSERT_EQ(res.getStatus(), 200);
  EXPECT_TRUE(res.getChunkedTransferEncoding()) << "streamed page by page, not built whole first";
  EXPECT_EQ(res.get("Content-Type", ""), "text/csv; charset=utf-8");
  std::string body;
  std::getline(in, body);  // the header row, up to its LF
  body += '\n';
  for (int i = 0; i < 5; ++i) host->signup("late" + std::to_string(i) + "@slow.test");
  std::string rest;
  Poco::StreamCopier::copyToString(in, rest);
  body += rest;
  auto rows = parseCsv(body);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0][0], "id");
  EXPECT_EQ(idsOf(rows), listed) << "an account is repeated, missing, out of order or signed up after the start";
  EXPECT_EQ(body.find("late"), std::string::npos);
  // The next export has them.
  auto next = parseCsv(host->get("/api/admin/users/export?search=slow.test", admin).body);
  EXPECT_EQ(next.size(), 60006u);
}

TEST_P(ExportAndTimeline, TimelineShowsEveryKindNewestFirst) {
  auto host = startHost();
  std::string admin = makeAdmin(*host, "timeline-admin@admin.test");
  std::string token = host->signup("customer@admin.test");
  std::string id = userIdOf(*host, token);
  // A real refusal by the ratelimit plugin.
  int refused = 0;
  for (int i = 0; i < 8 && !refused; ++i)
    if (host->get("/api/auth/me", token).status == 429) ++refused;
  ASSERT_EQ(refused, 1);
  ASSERT_EQ(host->post("/api/admin/users/" + id + "/suspend", R"({"reason":"chargeback"})", admin).status, 200);
  auditEntry(*host, id, "subscription_created", "subscription",
             R"({"plan":"startup_monthly","status":"active","subscriptionId":"sub_1"})");
  auditEntry(*host, id, "payment_succeeded", "payment", R"({"invoiceId":"in_1","amount":4900,"currency":"usd"})");
  auditEntry(*host, id, "payment_failed", "payment", R"({"invoiceId":"in_2","amount":4900,"errorCode":"card_declined"})");
  ledgerRow(*host, id, 300, "invoice:in_1");
  ledgerRow(*host, id, -7, "analysis:a1");

  JsonArray items;
  ASSERT_TRUE(eventually([&] {
    auto r = host->get("/api/admin/users/" + id + "/timeline?limit=100", admin);
    if (r.status != 200) return false;
    auto o = parse(r.body);
    items = o->getArray("items");
    std::set<std::string> kinds;
    for (std::size_t i = 0; i < items->size(); ++i) kinds.insert(items->getObject(i)->getValue<std::string>("kind"));
    return kinds == std::set<std::string>{"audit", "credit", "payment", "rate_limit", "subscription"} &&
           o->getArray("notes")->size() == 0 && o->isNull("nextCursor");
  })) << host->output();

  std::map<std::string, std::string> summaries;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto item = items->getObject(i);
    if (i > 0) EXPECT_GE(items->getObject(i - 1)->getValue<std::string>("time"), item->getValue<std::string>("time"));
    summaries[item->getValue<std::string>("summary")] = item->getValue<std::string>("kind");
    EXPECT_TRUE(item->getObject("details")->has("source"));
  }
  EXPECT_EQ(summaries["Invoice in_1 paid: 49.00 USD"], "payment");
  EXPECT_EQ(summaries["Payment of invoice in_2 failed: 49.00 (card_declined)"], "payment");
  EXPECT_EQ(summaries["Subscription created: plan startup_monthly (status active)"], "subscription");
  EXPECT_EQ(summaries["+300 credits (grant): seeded"], "credit");
  EXPECT_EQ(summaries["-7 credits (debit): seeded"], "credit");
  EXPECT_EQ(summaries["Request refused with 429: daily_requests limit of 4 on the free tier"], "rate_limit");
  bool suspension = false;
  for (auto& [summary, kind] : summaries) suspension |= summary.rfind("user_suspended", 0) == 0 && kind == "audit";
  EXPECT_TRUE(suspension);
}

TEST_P(ExportAndTimeline, TimelinePagesAreStableUnderInserts) {
  // The audit service answers at most 5 entries a query: the timeline reads on from there.
  auto host = startHost("", "{ max_page_size: 5 }");
  std::string admin = makeAdmin(*host, "pager@admin.test");
  std::string id = userIdOf(*host, host->signup("paged@admin.test"));
  // Many entries share a millisecond, across both sources and several kinds.
  for (int i = 0; i < 12; ++i) {
    ledgerRow(*host, id, i + 1, "seed:" + std::to_string(i));
    auditEntry(*host, id, i % 2 ? "payment_succeeded" : "subscription_updated", i % 2 ? "payment" : "subscription",
               R"({"plan":"p","status":"active","invoiceId":"in","amount":1})");
  }
  std::vector<std::string> all;
  ASSERT_TRUE(eventually([&] {
    all = timelineKeys(*host, admin, id, 100);
    return all.size() == 25;  // 12 + 12 + the signup
  })) << all.size();
  EXPECT_TRUE(std::is_sorted(all.rbegin(), all.rend())) << "newest first";

  EXPECT_EQ(timelineKeys(*host, admin, id, 7), all);
  EXPECT_EQ(timelineKeys(*host, admin, id, 1), all);
  // New entries between pages are newer than every cursor: the walk neither repeats nor misses.
  int added = 0;
  auto walked = timelineKeys(*host, admin, id, 4, [&](int page) {
    ledgerRow(*host, id, 1, "later:" + std::to_string(page));
    auditEntry(*host, id, "rate_limit_exceeded", "analysis", R"({"limitType":"daily_requests","limit":1,"tier":"free"})");
    ++added;
  });
  EXPECT_EQ(walked, all);
  EXPECT_GE(added, 6);
}

TEST_P(ExportAndTimeline, TimelineRefusesBadInput) {
  auto host = startHost();
  std::string admin = makeAdmin(*host, "strict@admin.test");
  std::string plainToken = host->signup("plain-tl@admin.test");
  std::string id = userIdOf(*host, plainToken);
  std::string other = userIdOf(*host, host->signup("other-tl@admin.test"));
  std::string base = "/api/admin/users/" + id + "/timeline";

  EXPECT_EQ(host->get(base).status, 401);
  EXPECT_EQ(host->get(base, plainToken).status, 403);
  auto unknown = host->get("/api/admin/users/no-such-user/timeline", admin);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(jsonField(unknown.body, "error"), "user not found");
  EXPECT_EQ(host->get("/api/admin/users/" + std::string(300, 'a') + "/timeline", admin).status, 404);

  const std::string otherCursor = base64url("t1|" + other + "|2025-01-01T00:00:00.000Z|audit|5");
  for (const std::string& query :
       {std::string("limit=0"), std::string("limit=101"), std::string("limit=99999999999"), std::string("limit=-1"),
        std::string("limit=abc"), std::string("cursor=%%%"), std::string("cursor=not-a-cursor"),
        "cursor=" + std::string(600, 'A'), "cursor=" + base64url("t1|" + id + "|yesterday|audit|5"),
        "cursor=" + base64url("t1|" + id + "|2025-01-01T00:00:00.000Z|secret|5"),
        "cursor=" + base64url("t1|" + id + "|2025-01-01T00:00:00.000Z|audit|-5"),
        "cursor=" + base64url("t1|" + id + "|2025-02-30T00:00:00.000Z|audit|5"),
        "cursor=" + base64url("t2|" + id + "|2025-01-01T00:00:00.000Z|audit|5"), "cursor=" + otherCursor}) {
    auto r = host->get(base + "?" + query, admin);
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    EXPECT_TRUE(isJsonError(r)) << query;
  }
  // A well-formed cursor for this user is only a position: an old one gives the older items.
  auto old = host->get(base + "?cursor=" + base64url("t1|" + id + "|2000-01-01T00:00:00.000Z|audit|1"), admin);
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(parse(old.body)->getArray("items")->size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ExportAndTimeline, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
