// The real host behind Debian's pgbouncer, started here on a free port in front of the test
// PostgreSQL (docs/deployment.md, "PgBouncer"):
//   - with pool_mode = transaction and database.transaction_pooling off, the host refuses to
//     start and names the setting (instead of failing at random under load);
//   - a session-mode pool needs no setting and is not mistaken for one;
//   - hosts starting together through one pgbouncer apply every migration exactly once (the
//     migration lock is transaction-level; a session-level one stays behind on a server
//     connection);
//   - with the setting on, the backup plugin wants database.direct_url (pg_dump needs a server
//     session of its own) and then dumps through it.
// The rate-limit, webhook and credit suites also run through pgbouncer: the pgbouncer.* ctest
// entries (cmake/Testing.cmake, cc_add_pgbouncer_run).
#include "support/host_process.hpp"
#include "support/pgbouncer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

using namespace cc::test;

namespace {

class BehindPgBouncer : public ::testing::Test {
 protected:
  void start(const std::string& poolMode) {
    direct_ = createPostgresDatabase("cc_bouncer");
    if (direct_.empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    if (pgbouncerBinary().empty()) GTEST_SKIP() << "pgbouncer is not installed (scripts/test installs it)";
    bouncer_ = std::make_unique<PgBouncer>(postgresAdminUrl(), poolMode, 10);
    ASSERT_TRUE(bouncer_->ready()) << bouncer_->log();
    url_ = bouncer_->through(direct_);
  }
  std::string direct_, url_;
  std::unique_ptr<PgBouncer> bouncer_;
};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_F(BehindPgBouncer, TransactionModeWithoutTheSettingRefusesToStartAndNamesIt) {
  START_OR_RETURN("transaction");
  HostProcess host("  []", "database:\n  transaction_pooling: false\n", url_);
  EXPECT_FALSE(host.start()) << "the host ran with named prepared statements behind transaction pooling";
  EXPECT_NE(host.output().find("database.url ("), std::string::npos) << host.output();
  EXPECT_NE(host.output().find("transaction-pooling proxy"), std::string::npos) << host.output();
  EXPECT_NE(host.output().find("database.transaction_pooling: true"), std::string::npos) << host.output();
  EXPECT_EQ(queryStrings(direct_, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'User'"),
            std::vector<std::string>{"0"})
      << "it stopped before the migrations";
}

TEST_F(BehindPgBouncer, TransactionModeWithTheSettingServes) {
  START_OR_RETURN("transaction");
  HostProcess host("  []", "", url_);  // HostProcess turns transaction_pooling on for this URL
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_TRUE(host.waitForOutput("database.transaction_pooling: statements leave nothing on the server session"));
  std::string token = host.signup("pooled@example.com");
  EXPECT_EQ(host.get("/api/auth/me", token).status, 200);
  EXPECT_EQ(queryStrings(direct_, "SELECT email FROM \"User\""), std::vector<std::string>{"pooled@example.com"});
}

TEST_F(BehindPgBouncer, SessionModeNeedsNoSetting) {
  START_OR_RETURN("session");
  HostProcess host("  []", "", url_);
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(host.get("/api/auth/me", host.signup("session@example.com")).status, 200);
}

TEST_F(BehindPgBouncer, HostsStartingTogetherApplyEachMigrationOnce) {
  START_OR_RETURN("transaction");
  std::vector<std::unique_ptr<HostProcess>> hosts;
  for (int i = 0; i < 3; ++i) hosts.push_back(std::make_unique<HostProcess>("  []", "", url_));
  std::vector<std::thread> starting;
  std::vector<int> started(hosts.size(), 0);
  for (std::size_t i = 0; i < hosts.size(); ++i)
    starting.emplace_back([&, i] { started[i] = hosts[i]->start() ? 1 : 0; });
  for (auto& t : starting) t.join();
  std::size_t applied = 0;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    ASSERT_EQ(started[i], 1) << hosts[i]->output();
    applied += occurrences(hosts[i]->output(), "applied migration core/");
  }
  std::size_t core = 0;
  for (auto& entry : std::filesystem::directory_iterator(sourceDir() + "/migrations/core/postgresql"))
    core += entry.path().extension() == ".sql";
  EXPECT_EQ(applied, core) << "each core migration applied by exactly one host";
  EXPECT_EQ(queryStrings(direct_, "SELECT COUNT(*) FROM schema_migrations WHERE component = 'core'"),
            std::vector<std::string>{std::to_string(core)});
}

TEST_F(BehindPgBouncer, BackupsNeedADirectUrlAndUseIt) {
  START_OR_RETURN("transaction");
  TempDir backups;
  std::string plugin = bundledPlugin("backup", "{ backup_dir: \"" + backups.str() +
                                                   "\", schedule: \"off\", min_dump_bytes: 100 }");
  HostProcess without(plugin, "", url_);
  EXPECT_FALSE(without.start());
  EXPECT_NE(without.output().find("database.transaction_pooling ("), std::string::npos) << without.output();
  EXPECT_NE(without.output().find("backups need database.direct_url"), std::string::npos) << without.output();

  // direct_url names another database here, one with a table of its own, so the dump shows
  // which URL pg_dump used (in production both name the same database).
  std::string marked = createPostgresDatabase("cc_bouncer_direct");
  execute(marked, "CREATE TABLE direct_marker (id INTEGER)");
  HostProcess with(plugin, "database:\n  direct_url: " + marked + "\n", url_);
  ASSERT_TRUE(with.start()) << with.output();
  auto r = runHost({"backup", "--config", with.configPath()}, {}, 180);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  std::string manifest;
  for (auto& entry : std::filesystem::directory_iterator(backups.path()))
    if (entry.path().string().find(".manifest.json") != std::string::npos) manifest = readFile(entry.path());
  EXPECT_NE(manifest.find("direct_marker"), std::string::npos) << r.output << manifest;
}
