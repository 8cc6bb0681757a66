// `codecouncil jobs` and `codecouncil jobs run NAME` through the real binary, on SQLite and
// PostgreSQL: a bundled plugin's job (audit retention) runs once by hand and has its effect; a
// job held by another instance's lease is not run, by hand or by the scheduler; a stale lease
// is taken over; unknown names are usage errors with a suggestion.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <thread>

using namespace cc::test;

namespace {

enum class Db { SQLite, PostgreSQL };

std::string databaseUrlFor(Db db) {
  if (db == Db::SQLite) return "";  // HostProcess's own SQLite file
  return createPostgresDatabase("cc_jobs");
}

std::string isoUtc(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buffer;
}

const std::string kAudit = bundledPlugin("audit", "{ retention_days: 1, retention_schedule: '0 3 * * *' }");

class JobsCommand : public ::testing::TestWithParam<Db> {
 protected:
  void SetUp() override {
    if (GetParam() == Db::PostgreSQL && postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set (scripts/test sets it)";
  }

  /// A host whose audit log holds two signups, both dated 2000 (older than retention_days).
  std::unique_ptr<HostProcess> hostWithOldAuditRows() {
    auto host = std::make_unique<HostProcess>(kAudit, "", databaseUrlFor(GetParam()));
    EXPECT_TRUE(host->start()) << host->output();
    host->signup("old1@example.com");
    host->signup("old2@example.com");
    EXPECT_EQ(host->stop(), 0);  // the audit writer has flushed
    execute(host->databaseUrl(), "UPDATE \"AuditLog\" SET \"createdAt\" = '2000-01-01T00:00:00.000Z'");
    EXPECT_EQ(oldRows(*host), "2");
    return host;
  }

  static std::string oldRows(const HostProcess& host) {
    return queryStrings(host.databaseUrl(), "SELECT COUNT(*) FROM \"AuditLog\" WHERE \"createdAt\" < '2001'").at(0);
  }
};

}  // namespace

TEST_P(JobsCommand, ListsJobsWithSchedules) {
  HostProcess host(kAudit, "", databaseUrlFor(GetParam()));
  for (auto args : {std::vector<std::string>{"jobs"}, std::vector<std::string>{"jobs", "list"}}) {
    args.insert(args.end(), {"--config", host.configPath()});
    auto r = runHost(args);
    EXPECT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("audit.retention  0 3 * * *"), std::string::npos) << r.output;
  }
}

TEST_P(JobsCommand, RunsABundledJobOnceByHand) {
  auto host = hostWithOldAuditRows();
  auto r = runHost({"jobs", "run", "audit.retention", "--config", host->configPath()});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("job audit.retention: succeeded in "), std::string::npos) << r.output;
  EXPECT_EQ(oldRows(*host), "0");
  // The purge records itself, and the run is recorded like a scheduled one; the lease is gone.
  EXPECT_EQ(queryStrings(host->databaseUrl(), "SELECT COUNT(*) FROM \"AuditLog\" WHERE action = 'audit_purged'").at(0),
            "1");
  EXPECT_EQ(queryStrings(host->databaseUrl(),
                         "SELECT status FROM scheduled_job_runs WHERE job = 'audit.retention'"),
            std::vector<std::string>{"succeeded"});
  EXPECT_EQ(queryStrings(host->databaseUrl(), "SELECT COUNT(*) FROM scheduled_job_locks").at(0), "0");
}

TEST_P(JobsCommand, DoesNotRunWhileAnotherInstanceHoldsTheJob) {
  auto host = hostWithOldAuditRows();
  execute(host->databaseUrl(), "INSERT INTO scheduled_job_locks (job, \"instanceId\", \"renewedAt\") VALUES "
                               "('audit.retention', 'other-host', '" + isoUtc(std::chrono::system_clock::now()) + "')");
  auto busy = runHost({"jobs", "run", "audit.retention", "--config", host->configPath()});
  EXPECT_EQ(busy.exitCode, 1) << busy.output;
  EXPECT_NE(busy.output.find("job audit.retention: not run: running on instance other-host"), std::string::npos)
      << busy.output;
  EXPECT_EQ(oldRows(*host), "2");
  EXPECT_EQ(queryStrings(host->databaseUrl(), "SELECT \"instanceId\" FROM scheduled_job_locks"),
            std::vector<std::string>{"other-host"});

  // A lease not renewed for more than two minutes was left by a host that died: taken over.
  execute(host->databaseUrl(), "UPDATE scheduled_job_locks SET \"renewedAt\" = '" +
                                   isoUtc(std::chrono::system_clock::now() - std::chrono::minutes(3)) + "'");
  auto r = runHost({"jobs", "run", "audit.retention", "--config", host->configPath()});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(oldRows(*host), "0");
  EXPECT_EQ(queryStrings(host->databaseUrl(), "SELECT COUNT(*) FROM scheduled_job_locks").at(0), "0");
}

TEST_P(JobsCommand, SchedulerSkipsASlotWhileAnotherInstanceHoldsTheJob) {
  std::string plugin = "  - name: tp_echo\n    path: " + testPluginDir() + "/libcc_tp_echo.so\n    migrations: " +
                       sourceDir() + "/tests/plugins/tp_echo/migrations\n    config: { job_seconds: 1 }\n";
  HostProcess host(plugin, "", databaseUrlFor(GetParam()));
  ASSERT_EQ(runHost({"migrate", "--config", host.configPath()}).exitCode, 0);
  execute(host.databaseUrl(), "INSERT INTO scheduled_job_locks (job, \"instanceId\", \"renewedAt\") VALUES "
                              "('tp_echo.tick', 'by-hand-elsewhere', '" + isoUtc(std::chrono::system_clock::now()) + "')");
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_TRUE(host.waitForOutput("skipped, the job is running on instance by-hand-elsewhere", 5000)) << host.output();
  EXPECT_EQ(queryStrings(host.databaseUrl(), "SELECT COUNT(*) FROM tp_job_effects").at(0), "0");
  auto skipped = queryStrings(host.databaseUrl(), "SELECT error FROM scheduled_job_runs WHERE status = 'skipped'");
  ASSERT_FALSE(skipped.empty());
  EXPECT_EQ(skipped.front(), "running on instance by-hand-elsewhere");
  // Released: the next slot runs.
  execute(host.databaseUrl(), "DELETE FROM scheduled_job_locks");
  bool ran = false;
  for (int i = 0; i < 50 && !ran; ++i) {
    ran = queryStrings(host.databaseUrl(), "SELECT COUNT(*) FROM tp_job_effects").at(0) != "0";
    if (!ran) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling the database, not the log
  }
  EXPECT_TRUE(ran) << host.output();
  EXPECT_EQ(host.stop(), 0);
}

TEST_P(JobsCommand, UnknownJobIsAUsageErrorWithASuggestion) {
  HostProcess host(kAudit, "", databaseUrlFor(GetParam()));
  auto typo = runHost({"jobs", "run", "audit.retentoin", "--config", host.configPath()});
  EXPECT_EQ(typo.exitCode, 2) << typo.output;
  EXPECT_NE(typo.output.find("no job 'audit.retentoin' (did you mean 'audit.retention'?)"), std::string::npos)
      << typo.output;
  auto shortName = runHost({"jobs", "run", "retention", "--config", host.configPath()});
  EXPECT_EQ(shortName.exitCode, 2);
  EXPECT_NE(shortName.output.find("(did you mean 'audit.retention'?)"), std::string::npos) << shortName.output;
  auto unrelated = runHost({"jobs", "run", "zzzzzzzz", "--config", host.configPath()});
  EXPECT_EQ(unrelated.exitCode, 2);
  EXPECT_EQ(unrelated.output.find("did you mean"), std::string::npos) << unrelated.output;
  EXPECT_EQ(runHost({"jobs", "run", "--config", host.configPath()}).exitCode, 2);
  EXPECT_EQ(runHost({"jobs", "frobnicate", "--config", host.configPath()}).exitCode, 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, JobsCommand, ::testing::Values(Db::SQLite, Db::PostgreSQL),
                         [](const auto& info) { return info.param == Db::SQLite ? "SQLite" : "PostgreSQL"; });
