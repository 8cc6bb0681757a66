// GET /api/admin/audit-logs when the database goes away under the audit query: 503 with
// Retry-After (the database said "come back later"), never a bare 503 or a 500; the page
// answers again once the database is back. The real audit plugin, on PostgreSQL: the test
// holds a lock on "AuditLog" so the query waits (the admin's token was already checked), then
// terminates the host's backend the way a server restart does.
// SQLite has no equivalent: under WAL a read never waits for a lock, so the audit query cannot
// be made to find the database unavailable after the authentication's lookup succeeded.
#include "admin_test_support.hpp"

#include <Poco/Data/Session.h>

#include <filesystem>
#include <thread>

using namespace cc::admin::test;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using namespace std::chrono_literals;

TEST(AdminAuditLogs, DatabaseLostUnderTheQueryAnswers503WithRetryAfter) {
  if (!std::filesystem::exists(pluginDir() + "/libcc_audit.so"))
    GTEST_SKIP() << "the audit plugin is not built in " << pluginDir();
  const std::string url = createPostgresDatabase("cc_admin_audit_lost");
  if (url.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  HostProcess host(bundledPlugin("audit", "{}") + adminPlugin(), "", url);
  ASSERT_TRUE(host.start()) << host.output();
  const std::string admin = makeAdmin(host, "lost-db@admin.test");
  ASSERT_EQ(host.get("/api/admin/audit-logs", admin).status, 200);

  auto blocker = openTestDatabase(url);
  auto lock = blocker->session();
  lock << "BEGIN", now;
  lock << "LOCK TABLE \"AuditLog\" IN ACCESS EXCLUSIVE MODE", now;
  HttpResult logs;
  std::thread reader([&] { logs = host.get("/api/admin/audit-logs", admin); });

  // The host's backend waiting for the test's lock: terminated, as in a server restart.
  auto admin_ = openTestDatabase(url);
  auto watch = admin_->session();
  int terminated = 0;
  for (int i = 0; i < 250 && terminated == 0; ++i) {
    watch << "SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE datname = current_database() "
             "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        into(terminated), now;
    if (terminated == 0) std::this_thread::sleep_for(20ms);
  }
  reader.join();
  lock << "ROLLBACK", now;
  ASSERT_EQ(terminated, 1) << "the audit query never waited for the lock";

  EXPECT_EQ(logs.status, 503) << logs.body;
  EXPECT_EQ(logs.header("Retry-After"), "1") << logs.body;
  EXPECT_NE(jsonField(logs.body, "error").find("audit log cannot be read right now"), std::string::npos) << logs.body;

  // The pool lends a fresh connection: the page answers again.
  EXPECT_TRUE(eventually([&] { return host.get("/api/admin/audit-logs", admin).status == 200; }, 10));
}
