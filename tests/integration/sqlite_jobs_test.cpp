// Scheduled jobs on SQLite: two host processes sharing one database file run each slot once.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace cc::test;

TEST(SqliteJobs, TwoInstancesOnOneFileRunEachSlotOnce) {
  TempDir shared;
  std::string url = "sqlite://" + (shared.path() / "shared.db").string();
  std::string plugin = "  - name: tp_echo\n    path: " + testPluginDir() + "/libcc_tp_echo.so\n    migrations: " +
                       sourceDir() + "/tests/plugins/tp_echo/migrations\n    config: { job_seconds: 1 }\n";
  HostProcess a(plugin, "", url);
  ASSERT_TRUE(a.start()) << a.output();
  HostProcess b(plugin, "", url);
  ASSERT_TRUE(b.start()) << b.output();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
  std::map<std::string, int> perSlot;
  for (auto& s : queryStrings(url, "SELECT slot FROM tp_job_effects")) ++perSlot[s];
  EXPECT_GE(perSlot.size(), 4u);
  for (auto& [slot, n] : perSlot) EXPECT_EQ(n, 1) << "slot " << slot;
  auto runs = queryStrings(url, "SELECT status FROM scheduled_job_runs WHERE job = 'tp_echo.tick'");
  EXPECT_EQ(runs.size(), perSlot.size());
}
