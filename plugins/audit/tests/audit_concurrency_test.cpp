// Many writers at once, in one process and in two processes sharing a database, keep one
// valid chain: every entry lands exactly once, ids have no gaps, verify passes.
#include "audit_test_support.hpp"

#include <atomic>

using namespace cc::audit::test;

namespace {

// `threads` client threads each write `perThread` entries, alternating direct writes and
// published events. Returns how many requests failed.
int hammer(const HostProcess& host, const std::string& tag, int threads, int perThread) {
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int i = 0; i < perThread; ++i) {
        std::string n = std::to_string(t * 1000 + i);
        auto r = i % 2 == 0
                     ? host.post("/api/test/audit/record",
                                 R"({"action":"concurrent_write","severity":"info","resourceType":"system","resourceId":")" +
                                     tag + "-" + n + "\"}")
                     : host.post("/api/test/audit/publish",
                                 R"({"topic":"concurrent_write","payload":{"tag":")" + tag + "-" + n + "\"}}");
        if (r.status != 202) ++failures;
      }
    });
  for (auto& w : workers) w.join();
  return failures.load();
}

void expectOneGaplessValidChain(const HostProcess& host, int expected) {
  ASSERT_TRUE(waitForTotal(host, expected, "?action=concurrent_write", 60000)) << total(host, "?action=concurrent_write");
  auto stats = queryStrings(host.databaseUrl(),
                            "SELECT CAST(COUNT(*) AS TEXT) || ',' || CAST(MIN(id) AS TEXT) || ',' || CAST(MAX(id) AS TEXT) || ',' || "
                            "CAST(COUNT(DISTINCT \"prevHash\") AS TEXT) FROM \"AuditLog\"");
  ASSERT_EQ(stats.size(), 1u);
  std::string n = std::to_string(expected);
  EXPECT_EQ(stats[0], n + ",1," + n + "," + n) << "count,min id,max id,distinct prevHash";
  auto verify = auditCommand(host, {"verify"});
  EXPECT_EQ(verify.exitCode, 0) << verify.output;
}

// queue_capacity 1 pushes most writes onto the request threads, so appends really race.
const std::string kSynchronousMostly = "{ queue_capacity: 1, batch_size: 1 }";

}  // namespace

TEST(AuditConcurrency, ManyThreadsOneHostSqlite) {
  HostProcess host(auditPlugins(kSynchronousMostly));
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(hammer(host, "a", 8, 40), 0);
  expectOneGaplessValidChain(host, 320);
}

TEST(AuditConcurrency, TwoHostsOneSqliteFile) {
  TempDir shared;
  std::string url = "sqlite://" + (shared.path() / "audit.db").string();
  HostProcess a(auditPlugins(kSynchronousMostly), "", url), b(auditPlugins(), "", url);
  ASSERT_TRUE(a.start()) << a.output();
  ASSERT_TRUE(b.start()) << b.output();
  std::thread ta([&] { EXPECT_EQ(hammer(a, "a", 4, 40), 0); });
  std::thread tb([&] { EXPECT_EQ(hammer(b, "b", 4, 40), 0); });
  ta.join();
  tb.join();
  expectOneGaplessValidChain(a, 320);
}

TEST(AuditConcurrency, TwoHostsOnePostgres) {
  if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  std::string url = createPostgresDatabase("audit_two_hosts");
  HostProcess a(auditPlugins(kSynchronousMostly), "", url), b(auditPlugins(kSynchronousMostly), "", url);
  ASSERT_TRUE(a.start()) << a.output();
  ASSERT_TRUE(b.start()) << b.output();
  std::thread ta([&] { EXPECT_EQ(hammer(a, "a", 6, 40), 0); });
  std::thread tb([&] { EXPECT_EQ(hammer(b, "b", 6, 40), 0); });
  ta.join();
  tb.join();
  expectOneGaplessValidChain(a, 480);
}
