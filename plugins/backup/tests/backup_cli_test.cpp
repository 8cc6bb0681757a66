// `codecouncil backup`, `restore` and `backup-verify` on the real binary, on SQLite and (with
// CC_TEST_POSTGRES_URL) PostgreSQL.
#include "backup_test_support.hpp"
#include "manifest.hpp"

#include <codecouncil/sdk/json.hpp>

#include <atomic>
#include <sys/wait.h>
#include <thread>

using namespace backup_test;

class BackupCli : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Engines, BackupCli, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(BackupCli, RoundTripRestoresEqualCountsAndChecksums) {
  SKIP_WITHOUT_POSTGRES(GetParam());
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()), "", databaseFor(GetParam(), "bk_src"));
  ASSERT_TRUE(host.start()) << host.output();
  for (int i = 0; i < 5; ++i) host.signup("user" + std::to_string(i) + "@example.com");

  auto r = run(host.configPath(), {"backup"}, signingEnv());
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u) << r.output;
  std::string name = std::filesystem::path(dumps[0]).filename().string();
  EXPECT_EQ(name.rfind("codecouncil-ai_development_", 0), 0u) << name;
  ASSERT_TRUE(std::filesystem::exists(dumps[0] + ".sha256"));
  auto manifest = cc::backup::Manifest::load(dumps[0] + ".manifest.json");
  EXPECT_EQ(manifest.engine, GetParam());
  EXPECT_FALSE(manifest.serverVersion.empty());
  bool sawUsers = false;
  for (auto& t : manifest.tables)
    if (t.name == "User") {
      EXPECT_EQ(t.rows, 5);
      sawUsers = true;
    }
  EXPECT_TRUE(sawUsers);
  EXPECT_EQ((std::filesystem::status(dumps[0]).permissions() & std::filesystem::perms::others_read),
            std::filesystem::perms::none) << "a backup must not be world-readable";

  // Verification: a restore into a scratch database equals the manifest.
  auto v = run(host.configPath(), {"backup-verify", name}, signingEnv());
  ASSERT_EQ(v.exitCode, 0) << v.output;
  EXPECT_TRUE(std::filesystem::exists(dumps[0] + ".verified"));

  // Restore into another environment's (empty) database, which holds the same signing key.
  cc::test::HostProcess target(pluginYaml(backups.str()), "", databaseFor(GetParam(), "bk_dst"));
  auto restored = run(target.configPath(), {"restore", dumps[0], "--yes"}, signingEnv());
  ASSERT_EQ(restored.exitCode, 0) << restored.output;
  EXPECT_NE(restored.output.find("row counts and checksums match the manifest"), std::string::npos) << restored.output;
  EXPECT_EQ(cc::test::queryStrings(target.databaseUrl(), "SELECT COUNT(*) FROM \"User\""),
            std::vector<std::string>{"5"});
  EXPECT_EQ(cc::test::queryStrings(target.databaseUrl(), "SELECT email FROM \"User\" ORDER BY email LIMIT 1"),
            std::vector<std::string>{"user0@example.com"});
}

TEST_P(BackupCli, RestoreWithoutConfirmationChangesNothing) {
  SKIP_WITHOUT_POSTGRES(GetParam());
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()), "", databaseFor(GetParam(), "bk_confirm"));
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("keep@example.com");
  ASSERT_EQ(run(host.configPath(), {"backup"}).exitCode, 0);
  host.signup("later@example.com");
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u);
  auto r = run(host.configPath(), {"restore", dumps[0]});  // stdin is /dev/null: no "yes"
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("cancelled"), std::string::npos) << r.output;
  EXPECT_EQ(cc::test::queryStrings(host.databaseUrl(), "SELECT COUNT(*) FROM \"User\""), std::vector<std::string>{"2"});
  EXPECT_EQ(run(host.configPath(), {"restore"}).exitCode, 2);
  EXPECT_EQ(run(host.configPath(), {"restore", dumps[0], "--bogus"}).exitCode, 2);
  EXPECT_EQ(run(host.configPath(), {"backup", "--bogus"}).exitCode, 2);
}

TEST_P(BackupCli, BackupsDuringConcurrentWritesAreConsistentSnapshots) {
  SKIP_WITHOUT_POSTGRES(GetParam());
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()), "", databaseFor(GetParam(), "bk_load"));
  ASSERT_TRUE(host.start()) << host.output();
  cc::test::execute(host.databaseUrl(), "CREATE TABLE load_rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
  cc::test::execute(host.databaseUrl(), "CREATE TABLE load_mirror (id INTEGER PRIMARY KEY)");
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  auto db = cc::test::openTestDatabase(host.databaseUrl());
  std::thread writer([&] {
    using namespace Poco::Data::Keywords;
    for (int i = 1; !stop; ++i) {
      // Two tables written in one transaction: a consistent snapshot has equal counts.
      db->transaction([&](Poco::Data::Session& s) {
        s << db->sql("INSERT INTO load_rows VALUES (?, 'row')"), use(i), now;
        s << db->sql("INSERT INTO load_mirror VALUES (?)"), use(i), now;
      });
      written = i;
    }
  });
  while (written < 20) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto first = run(host.configPath(), {"backup", "--verify"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // next file name (one per second)
  auto second = run(host.configPath(), {"backup", "--verify"});
  stop = true;
  writer.join();
  ASSERT_EQ(first.exitCode, 0) << first.output;
  ASSERT_EQ(second.exitCode, 0) << second.output;
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 2u);
  for (auto& d : dumps) {
    auto m = cc::backup::Manifest::load(d + ".manifest.json");
    std::int64_t rows = -1, mirror = -2;
    for (auto& t : m.tables) {
      if (t.name == "load_rows") rows = t.rows;
      if (t.name == "load_mirror") mirror = t.rows;
    }
    EXPECT_EQ(rows, mirror) << d;
    EXPECT_GT(rows, 0);
    EXPECT_LE(rows, written.load());
    EXPECT_TRUE(std::filesystem::exists(d + ".verified")) << d;
  }
}

TEST_P(BackupCli, TruncatedBackupIsDetectedAndNothingIsRestored) {
  SKIP_WITHOUT_POSTGRES(GetParam());
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()), "", databaseFor(GetParam(), "bk_trunc"));
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("one@example.com");
  ASSERT_EQ(run(host.configPath(), {"backup"}).exitCode, 0);
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u);
  std::filesystem::resize_file(dumps[0], std::filesystem::file_size(dumps[0]) / 2);
  host.signup("two@example.com");

  auto r = run(host.configPath(), {"restore", dumps[0], "--yes"});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("checksum mismatch"), std::string::npos) << r.output;
  auto v = run(host.configPath(), {"backup-verify", dumps[0]});
  EXPECT_EQ(v.exitCode, 1) << v.output;
  EXPECT_EQ(cc::test::queryStrings(host.databaseUrl(), "SELECT COUNT(*) FROM \"User\""), std::vector<std::string>{"2"});
}

TEST_P(BackupCli, FailedBackupExitsNonZeroKeepsOlderBackupsAndIsRecorded) {
  SKIP_WITHOUT_POSTGRES(GetParam());
  cc::test::TempDir backups;
  cc::test::HostProcess good(pluginYaml(backups.str()), "", databaseFor(GetParam(), "bk_fail"));
  ASSERT_TRUE(good.start()) << good.output();
  ASSERT_EQ(run(good.configPath(), {"backup"}).exitCode, 0);
  good.stop();
  auto before = filesEndingWith(backups.str(), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  // PostgreSQL: pg_dump fails; SQLite: the dump is "suspiciously small".
  std::string extra = GetParam() == "postgresql" ? "pg_dump: /bin/false" : "min_dump_bytes: 100000000";
  cc::test::HostProcess bad(pluginYaml(backups.str(), extra), "", good.databaseUrl());
  auto r = run(bad.configPath(), {"backup"});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("FAILED"), std::string::npos) << r.output;
  EXPECT_EQ(filesEndingWith(backups.str(), ""), before) << "no new file, no partial file, older ones kept";
  EXPECT_EQ(cc::test::queryStrings(good.databaseUrl(),
                                   "SELECT status FROM backup_runs ORDER BY \"finishedAt\""),
            (std::vector<std::string>{"succeeded", "failed"}));
}

TEST(BackupCliDown, DatabaseThatIsDownGivesNonZeroExitAndNoFile) {
  cc::test::TempDir backups;
  std::string url = "postgresql://cc:topsecretpw@127.0.0.1:" + std::to_string(cc::test::freePort()) + "/cc";
  cc::test::HostProcess host(pluginYaml(backups.str() + "/out"), "", url);
  auto r = run(host.configPath(), {"backup"});
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_TRUE(filesEndingWith(backups.str() + "/out", "").empty());
  EXPECT_EQ(r.output.find("topsecretpw"), std::string::npos) << "the password was printed: " << r.output;
}

TEST(BackupPublisher, ServingInstancePublishesRunsRecordedByTheCli) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str(), "publish_interval_seconds: 1"));
  ASSERT_TRUE(host.start()) << host.output();
  ASSERT_EQ(run(host.configPath(), {"backup"}).exitCode, 0);
  std::vector<std::string> pending{"1"};
  for (int i = 0; i < 100 && pending != std::vector<std::string>{"0"}; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pending = cc::test::queryStrings(host.databaseUrl(), "SELECT COUNT(*) FROM backup_runs WHERE \"publishedAt\" IS NULL");
  }
  EXPECT_EQ(pending, std::vector<std::string>{"0"}) << host.output();
}

TEST(BackupScripts, WrapTheBinaryForBackupAndRestore) {
  cc::test::TempDir backups;
  // No backup_dir in the config: the scripts' BACKUP_DIR decides.
  cc::test::HostProcess host(cc::test::bundledPlugin("backup", "{ schedule: \"off\", min_dump_bytes: 100 }"));
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("script@example.com");
  std::string env = "BACKUP_SIGNING_KEY=" + kSigningKey + " BACKUP_DIR='" + backups.str() + "' CODECOUNCIL_BIN='" +
                    cc::test::hostBinary() + "' ";
  std::string log = backups.str() + "/../script-" + std::to_string(::getpid()) + ".log";
  std::string backup = env + "CODECOUNCIL_CONFIG='" + host.configPath() + "' bash " + cc::test::sourceDir() +
                       "/scripts/backup-db.sh development > '" + log + "' 2>&1";
  ASSERT_EQ(std::system(backup.c_str()), 0) << cc::test::readFile(log);
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u) << cc::test::readFile(log);
  EXPECT_NE(std::filesystem::path(dumps[0]).filename().string().find("codecouncil-ai_development_"), std::string::npos);

  cc::test::HostProcess target(cc::test::bundledPlugin("backup", "{ schedule: \"off\" }"));
  std::string name = std::filesystem::path(dumps[0]).filename().string();
  std::string restore = env + "CODECOUNCIL_CONFIG='" + target.configPath() + "' bash " + cc::test::sourceDir() +
                        "/scripts/restore-db.sh " + name + " development --yes > '" + log + "' 2>&1";
  ASSERT_EQ(std::system(restore.c_str()), 0) << cc::test::readFile(log);
  EXPECT_NE(cc::test::readFile(log).find("User"), std::string::npos) << cc::test::readFile(log);
  EXPECT_EQ(cc::test::queryStrings(target.databaseUrl(), "SELECT email FROM \"User\""),
            std::vector<std::string>{"script@example.com"});

  std::string usage = env + "bash " + cc::test::sourceDir() + "/scripts/restore-db.sh > '" + log + "' 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(usage.c_str())), 2);
  std::filesystem::remove(log);
}

TEST(BackupSchedule, RunsOncePerSlotAcrossTwoInstances) {
  cc::test::TempDir backupsA, backupsB;
  // Every minute, so the test sees a slot within ~60 s; both instances share one database.
  cc::test::HostProcess a(pluginYaml(backupsA.str(), "schedule: \"* * * * *\", publish_interval_seconds: 1"));
  cc::test::HostProcess b(pluginYaml(backupsB.str(), "schedule: \"* * * * *\", publish_interval_seconds: 1"), "",
                          a.databaseUrl());
  ASSERT_TRUE(a.start()) << a.output();
  ASSERT_TRUE(b.start()) << b.output();
  std::size_t total = 0;
  for (int i = 0; i < 80 * 10 && total == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    total = filesEndingWith(backupsA.str(), ".sql.gz").size() + filesEndingWith(backupsB.str(), ".sql.gz").size();
  }
  ASSERT_EQ(total, 1u) << a.output() << b.output();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  total = filesEndingWith(backupsA.str(), ".sql.gz").size() + filesEndingWith(backupsB.str(), ".sql.gz").size();
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(cc::test::queryStrings(a.databaseUrl(),
                                   "SELECT status || '/' || \"triggeredBy\" || '/' || (\"publishedAt\" IS NOT NULL) "
                                   "FROM backup_runs"),
            std::vector<std::string>{"succeeded/scheduled/1"});
  EXPECT_EQ(cc::test::queryStrings(a.databaseUrl(), "SELECT COUNT(*) FROM scheduled_job_runs WHERE job = 'backup.run'"),
            std::vector<std::string>{"1"});
}

TEST(BackupSchedule, ScheduledBackupManifestCarriesTheAuditCheckpoint) {
  cc::test::TempDir backups;
  const std::string key = "backup-test-checkpoint-key-0123456789abcdef";
  cc::test::HostProcess host(cc::test::bundledPlugin("audit", "{ checkpoint_key: \"" + key + "\" }") +
                             pluginYaml(backups.str(), "schedule: \"* * * * *\", publish_interval_seconds: 1"));
  ASSERT_TRUE(host.start()) << host.output();
  std::vector<std::string> manifests;
  for (int i = 0; i < 80 * 10 && manifests.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    manifests = filesEndingWith(backups.str(), ".manifest.json");
  }
  ASSERT_EQ(manifests.size(), 1u) << host.output();
  auto manifest = cc::backup::Manifest::load(manifests[0]);
  ASSERT_FALSE(manifest.auditCheckpoint.empty()) << cc::test::readFile(manifests[0]);
  auto checkpoint = cc::json::parseObject(manifest.auditCheckpoint);
  // The very checkpoint the audit plugin signed and keeps: same number and signature.
  std::string number = std::to_string(checkpoint->getValue<long long>("number"));
  EXPECT_EQ(cc::test::queryStrings(host.databaseUrl(),
                                   "SELECT signature FROM \"AuditCheckpoint\" WHERE number = " + number),
            std::vector<std::string>{checkpoint->getValue<std::string>("signature")});
  EXPECT_FALSE(checkpoint->getValue<std::string>("headHash").empty());
  EXPECT_EQ(cc::test::readFile(manifests[0]).find(key), std::string::npos) << "the key never leaves the config";
}

// SQLite's wait for its write lock is not fair: another process that keeps the lock through
// one whole busy_timeout_ms must not fail the backup, whose one write (the sentinel row) is
// tried again. Here the lock is held for 700 ms with busy_timeout_ms 300: a single try that
// starts within 400 ms of the command fails; three tries always outlast the lock.
TEST(BackupCliSqlite, ABackupOutlastsAWriteLockHeldLongerThanOneBusyTimeout) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()));
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("alice@example.com");
  host.stop();
  std::string config = cc::test::readFile(host.configPath());
  auto pos = config.find("  migrations_dir: ");
  ASSERT_NE(pos, std::string::npos) << config;
  config.insert(pos, "  busy_timeout_ms: 300\n");
  cc::test::writeFile(host.configPath(), config);

  auto db = cc::test::openTestDatabase(host.databaseUrl());
  auto s = db->session();
  db->begin(s);  // BEGIN IMMEDIATE: the write lock is this process's until the rollback
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    db->rollback(s);
  });
  auto r = run(host.configPath(), {"backup"});
  release.join();
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(filesEndingWith(backups.str(), ".sql.gz").size(), 1u) << r.output;
}
