// Events from a running host land in "AuditLog" with the severity and resource of the table
// in docs/events.md: real core actions (signup, bad login) and events published by a plugin.
#include "audit_test_support.hpp"

#include <chrono>
#include <thread>

using namespace cc::audit::test;

namespace {

Poco::JSON::Object::Ptr newest(const HostProcess& host, const std::string& query) {
  auto page = logs(host, query + "&limit=1");
  auto items = page->getArray("logs");
  if (!items || items->size() == 0) return new Poco::JSON::Object();
  return items->getObject(0);
}

std::string text(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || o->isNull(key)) return "<null>";
  return o->get(key).toString();
}

}  // namespace

class AuditEvents : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess(auditPlugins("{ events: { credits_granted: { severity: warning } } }"));
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  static void TearDownTestSuite() {
    host_->stop();
    delete host_;
  }
  static HostProcess* host_;
};
HostProcess* AuditEvents::host_ = nullptr;

TEST_F(AuditEvents, SignupAndBadLoginFromCoreAreRecorded) {
  std::string token = host_->signup("audited@example.com");
  std::string userId = jsonField(host_->get("/api/auth/me", token).body, "user.id");
  auto bad = http(host_->port(), "POST", "/api/auth/login", R"({"email":"audited@example.com","password":"wrong password"})",
                  {{"X-Request-Id", "bad-login-1"}, {"User-Agent", "audit-test/1"}});
  ASSERT_EQ(bad.status, 401);
  ASSERT_TRUE(waitForTotal(*host_, 1, "?action=login_failed&userId=" + userId));

  auto signup = newest(*host_, "?action=user_signup&userId=" + userId);
  EXPECT_EQ(text(signup, "severity"), "info");
  EXPECT_EQ(text(signup, "resourceType"), "user");
  EXPECT_EQ(text(signup, "resourceId"), userId);
  EXPECT_EQ(text(signup, "ip"), "127.0.0.1");
  EXPECT_EQ(signup->getObject("metadata")->getValue<std::string>("email"), "audited@example.com");
  EXPECT_EQ(signup->getObject("metadata")->getValue<std::string>("source"), "core");

  auto failed = newest(*host_, "?action=login_failed&userId=" + userId);
  EXPECT_EQ(text(failed, "severity"), "warning");
  EXPECT_EQ(text(failed, "resourceType"), "user");
  EXPECT_EQ(text(failed, "requestId"), "bad-login-1");
  EXPECT_EQ(text(failed, "userAgent"), "audit-test/1");
  EXPECT_EQ(failed->getObject("metadata")->has("password"), false);
}

TEST_F(AuditEvents, EveryCatalogueTopicGetsItsSeverityAndResource) {
  // Each topic is declared by the stand-in with the hint its real publisher declares
  // (`codecouncil events` checks the real declarations); credits_granted is overridden to
  // warning by this host's config, hello_greeted declares neither (unknown_topics: info / system).
  struct Case {
    std::string topic, payload, hint, severity, resourceType, resourceId;
  };
  std::vector<Case> cases = {
      {"subscription_created", R"({"userId":"u_cat","subscriptionId":"sub_1","plan":"startup_monthly","status":"active"})", R"({"severity":"info","resourceType":"subscription","resourceIdField":"subscriptionId"})", "info", "subscription", "sub_1"},
      {"subscription_updated", R"({"userId":"u_cat","subscriptionId":"sub_1","plan":"enterprise_monthly","previousPlan":"startup_monthly","status":"active"})", R"({"severity":"info","resourceType":"subscription","resourceIdField":"subscriptionId"})", "info", "subscription", "sub_1"},
      {"subscription_canceled", R"({"userId":"u_cat","subscriptionId":"sub_1","plan":"enterprise_monthly","atPeriodEnd":true})", R"({"severity":"info","resourceType":"subscription","resourceIdField":"subscriptionId"})", "info", "subscription", "sub_1"},
      {"payment_succeeded", R"({"userId":"u_cat","invoiceId":"in_1","amount":4900,"currency":"usd","plan":"startup_monthly"})", R"({"severity":"info","resourceType":"payment","resourceIdField":"invoiceId"})", "info", "payment", "in_1"},
      {"payment_failed", R"({"userId":"u_cat","invoiceId":"in_2","amount":4900,"errorCode":"card_declined"})", R"({"severity":"error","resourceType":"payment","resourceIdField":"invoiceId"})", "error", "payment", "in_2"},
      {"credits_granted", R"({"userId":"u_cat","amount":300,"reference":"invoice:in_1"})", R"({"severity":"info","resourceType":"payment","resourceIdField":"reference"})", "warning", "payment", "invoice:in_1"},
      {"rate_limit_exceeded", R"({"userId":"u_cat","tier":"startup","limitType":"daily_analysis","limit":20})", R"({"severity":"warning","resourceType":"analysis","resourceIdField":""})", "warning", "analysis", "<null>"},
      {"analysis_completed", R"({"userId":"u_cat","analysisId":"an_1","tier":"startup","credits":5})", R"({"severity":"info","resourceType":"analysis","resourceIdField":"analysisId"})", "info", "analysis", "an_1"},
      {"analysis_failed", R"({"userId":"u_cat","analysisId":"an_2","tier":"startup","error":"timeout"})", R"({"severity":"error","resourceType":"analysis","resourceIdField":"analysisId"})", "error", "analysis", "an_2"},
      {"user_suspended", R"({"userId":"u_cat","adminId":"admin_1","reason":"fraud"})", R"({"severity":"warning","resourceType":"admin","resourceIdField":"userId"})", "warning", "admin", "u_cat"},
      {"user_reactivated", R"({"userId":"u_cat","adminId":"admin_1"})", R"({"severity":"info","resourceType":"admin","resourceIdField":"userId"})", "info", "admin", "u_cat"},
      {"backup_succeeded", R"({"file":"backup-1.sql.gz","bytes":1024,"durationSeconds":2,"engine":"sqlite"})", R"({"severity":"info","resourceType":"backup","resourceIdField":"file"})", "info", "backup", "backup-1.sql.gz"},
      {"backup_failed", R"({"error":"disk full","engine":"sqlite"})", R"({"severity":"critical","resourceType":"backup","resourceIdField":""})", "critical", "backup", "<null>"},
      {"billing_reconcile_stopped", R"({"reason":"wrong_account","livemode":false,"accountId":"acct_other"})", R"({"severity":"critical","resourceType":"system","resourceIdField":""})", "critical", "system", "<null>"},
      {"hello_greeted", R"({"name":"ada"})", "", "info", "system", "<null>"},
      // A declaration may give severity or resource alone: the other comes from the defaults.
      {"cache_flushed", R"({"entries":12})", R"({"severity":"critical"})", "critical", "system", "<null>"},
      {"invoice_viewed", R"({"invoiceId":"in_7"})", R"({"resourceType":"payment","resourceIdField":"invoiceId"})", "info", "payment", "in_7"},
  };
  for (auto& c : cases) publish(*host_, c.topic, c.payload, c.hint);
  for (auto& c : cases) {
    ASSERT_TRUE(waitForTotal(*host_, 1, "?action=" + c.topic)) << c.topic;
    auto row = newest(*host_, "?action=" + c.topic);
    EXPECT_EQ(text(row, "severity"), c.severity) << c.topic;
    EXPECT_EQ(text(row, "resourceType"), c.resourceType) << c.topic;
    EXPECT_EQ(text(row, "resourceId"), c.resourceId) << c.topic;
    EXPECT_EQ(text(row, "action"), c.topic);
    EXPECT_EQ(row->getObject("metadata")->getValue<std::string>("source"), "tp_audit_publisher") << c.topic;
  }
  // Core's topics are core's: the stand-in cannot publish plugin_failed (typed events).
  auto forged = host_->post("/api/test/audit/publish", R"({"topic":"plugin_failed","payload":{"plugin":"x","error":"y"}})");
  EXPECT_EQ(forged.status, 403) << forged.body;
  // The admin's suspension keeps the admin in metadata; the subject is the row's userId.
  auto suspended = newest(*host_, "?action=user_suspended");
  EXPECT_EQ(text(suspended, "userId"), "u_cat");
  EXPECT_EQ(suspended->getObject("metadata")->getValue<std::string>("adminId"), "admin_1");
}

TEST_F(AuditEvents, DirectWritesAreNormalisedNotDropped) {
  record(*host_, R"({"action":"odd_write","severity":"fatal","resourceType":"money","metadata":"{\"token\":\"s3cr3t\"}"})");
  ASSERT_TRUE(waitForTotal(*host_, 1, "?action=odd_write"));
  auto row = newest(*host_, "?action=odd_write");
  EXPECT_EQ(text(row, "severity"), "warning");
  EXPECT_EQ(text(row, "resourceType"), "system");
  auto meta = row->getObject("metadata");
  EXPECT_EQ(meta->getObject("invalid")->getValue<std::string>("severity"), "fatal");
  EXPECT_EQ(meta->getValue<std::string>("token"), "[redacted]");
  EXPECT_EQ(host_->output().find("s3cr3t"), std::string::npos) << "a secret reached the log";
}

TEST_F(AuditEvents, SeveritiesAreCountedForPrometheus) {
  auto before = host_->get("/api/test/audit/metrics");
  ASSERT_EQ(before.status, 200) << before.body;
  for (const char* s : {"info", "warning", "error", "critical"})
    EXPECT_NE(before.body.find(std::string("audit_events_total{severity=\"") + s + "\"}"), std::string::npos)
        << s << " not initialised:\n" << before.body;
  auto count = [&](const std::string& body, const std::string& severity) {
    std::string key = "audit_events_total{severity=\"" + severity + "\"} ";
    auto at = body.find(key);
    return at == std::string::npos ? -1.0 : std::stod(body.substr(at + key.size()));
  };
  std::int64_t critical = total(*host_, "?severity=critical"), error = total(*host_, "?severity=error");
  double criticalBefore = count(before.body, "critical"), errorBefore = count(before.body, "error");
  const std::string backupHint = R"({"severity":"critical","resourceType":"backup"})";
  const std::string paymentHint = R"({"severity":"error","resourceType":"payment","resourceIdField":"invoiceId"})";
  publish(*host_, "backup_failed", R"({"error":"x","engine":"sqlite"})", backupHint);
  publish(*host_, "backup_failed", R"({"error":"y","engine":"sqlite"})", backupHint);
  publish(*host_, "payment_failed", R"({"userId":"u_m","invoiceId":"in_m","amount":1,"errorCode":"x"})", paymentHint);
  // The writer is asynchronous: wait for all three entries, not just the first two.
  ASSERT_TRUE(waitForTotal(*host_, critical + 2, "?severity=critical"));
  ASSERT_TRUE(waitForTotal(*host_, error + 1, "?severity=error"));
  // The counters move just after each commit: poll them briefly rather than race them.
  std::string after;
  for (int i = 0; i < 250; ++i) {
    after = host_->get("/api/test/audit/metrics").body;
    if (count(after, "critical") >= criticalBefore + 2 && count(after, "error") >= errorBefore + 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(count(after, "critical"), criticalBefore + 2) << after;
  EXPECT_EQ(count(after, "error"), errorBefore + 1) << after;
}

TEST_F(AuditEvents, EntriesQueuedAtShutdownAreWritten) {
  HostProcess host(auditPlugins());
  ASSERT_TRUE(host.start()) << host.output();
  for (int i = 0; i < 50; ++i) publish(host, "shutdown_probe", R"({"n":)" + std::to_string(i) + "}");
  EXPECT_EQ(host.stop(), 0);
  auto rows = queryStrings(host.databaseUrl(), "SELECT COUNT(*) FROM \"AuditLog\" WHERE action = 'shutdown_probe'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "50");
}
