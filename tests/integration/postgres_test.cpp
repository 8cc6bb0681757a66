// The same host on the throwaway PostgreSQL that scripts/test starts: migrations, auth,
// plugin events, and two instances sharing one database (once-per-slot jobs).
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>
#include <map>

using namespace cc::test;

namespace {

std::string echoEntry(const std::string& config) {
  return "  - name: tp_echo\n    path: " + testPluginDir() + "/libcc_tp_echo.so\n    migrations: " + sourceDir() +
         "/tests/plugins/tp_echo/migrations\n    config: " + config + "\n";
}

#define REQUIRE_POSTGRES()                                                                   \
  if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set (scripts/test sets it)"

}  // namespace

TEST(Postgres, AuthAndEventsWork) {
  REQUIRE_POSTGRES();
  std::string url = createPostgresDatabase("cc_auth");
  HostProcess host(echoEntry("{}"), "", url);
  ASSERT_TRUE(host.start()) << host.output();
  std::string token = host.signup("pg@example.com");
  auto me = host.get("/api/auth/me", token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(jsonField(me.body, "user.email"), "pg@example.com");
  EXPECT_EQ(jsonField(me.body, "user.isAdmin"), "false");
  EXPECT_EQ(host.post("/api/auth/signup", R"({"email":"pg@example.com","password":"again and again"})").status, 409);
  execute(url, "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = 'pg@example.com'");
  EXPECT_EQ(jsonField(host.get("/api/auth/me", token).body, "user.isAdmin"), "true");
  execute(url, "UPDATE \"User\" SET suspended = true WHERE email = 'pg@example.com'");
  EXPECT_EQ(host.get("/api/auth/me", token).status, 403);
  EXPECT_EQ(queryStrings(url, "SELECT COUNT(*) FROM tp_events").at(0), "1");
  EXPECT_EQ(host.stop(), 0);
}

TEST(Postgres, TwoInstancesStartingTogetherMigrateOnce) {
  REQUIRE_POSTGRES();
  std::string url = createPostgresDatabase("cc_migrate");
  HostProcess a(echoEntry("{}"), "", url), b(echoEntry("{}"), "", url);
  std::thread ta([&] { EXPECT_TRUE(a.start()) << a.output(); });
  std::thread tb([&] { EXPECT_TRUE(b.start()) << b.output(); });
  ta.join();
  tb.join();
  // Each core migration file recorded once (counted from the folder, so a new one needs no edit here).
  auto files = std::distance(std::filesystem::directory_iterator(sourceDir() + "/migrations/core/postgresql"),
                             std::filesystem::directory_iterator());
  EXPECT_EQ(queryStrings(url, "SELECT COUNT(*) FROM schema_migrations WHERE component = 'core'").at(0),
            std::to_string(files));
  a.stop();
  b.stop();
}

TEST(Postgres, TwoInstancesRunEachJobSlotOnce) {
  REQUIRE_POSTGRES();
  std::string url = createPostgresDatabase("cc_jobs");
  HostProcess a(echoEntry("{ job_seconds: 1 }"), "", url);
  ASSERT_TRUE(a.start()) << a.output();
  HostProcess b(echoEntry("{ job_seconds: 1 }"), "", url);
  ASSERT_TRUE(b.start()) << b.output();
  std::this_thread::sleep_for(std::chrono::seconds(6));
  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
  auto slots = queryStrings(url, "SELECT slot FROM tp_job_effects");
  std::map<std::string, int> perSlot;
  for (auto& s : slots) ++perSlot[s];
  EXPECT_GE(perSlot.size(), 5u);
  for (auto& [slot, n] : perSlot) EXPECT_EQ(n, 1) << "slot " << slot << " ran " << n << " times";
  auto instances = queryStrings(url, "SELECT DISTINCT instance FROM tp_job_effects");
  EXPECT_GE(instances.size(), 1u);
}
