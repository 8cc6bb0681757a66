// The restore drill (`backup.restore_drill`) against the real binary on SQLite and PostgreSQL:
// the newest backup restored into the scratch database passes and sets both drill gauges on
// /metrics (read back from the journal by a restarted host); a dump that lacks rows its
// (re-signed) manifest counts, a dump without its sentinel row, an older dump under a newer
// name and a wrong encryption key each fail with what is wrong named; the live database keeps
// its rows and gains no table; two hosts on one PostgreSQL drill once per slot.
#include "backup_files.hpp"
#include "backup_signature.hpp"
#include "backup_test_support.hpp"
#include "digest.hpp"
#include "gzip_io.hpp"
#include "manifest.hpp"
#include "signing_key.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <thread>

using namespace backup_test;

namespace {

const std::string kDrillKey = "5f0e1d2c3b4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const std::string kWrongKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// The metrics plugin (for /metrics) and the backup plugin with its drill job declared (at the
/// default daily time unless `extra` configures restore_drill).
std::string drillPlugins(const std::string& dir, const std::string& extra = "") {
  if (extra.find("restore_drill:") != std::string::npos) return cc::test::bundledPlugin("metrics") + pluginYaml(dir, extra);
  return cc::test::bundledPlugin("metrics") +
         pluginYaml(dir, "restore_drill: { enabled: true }" + (extra.empty() ? "" : ", " + extra));
}

cc::test::ProcessResult runDrill(const std::string& config, const std::map<std::string, std::string>& env) {
  return run(config, {"jobs", "run", "backup.restore_drill"}, env);
}

/// The value of an unlabelled series in a /metrics body; nullopt when the series is absent.
std::optional<double> gaugeValue(const std::string& body, const std::string& name) {
  auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return std::nullopt;
  at += name.size() + 2;
  return std::stod(body.substr(at, body.find('\n', at) - at));
}

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::set<std::string> namesIn(const std::string& dir) {
  std::set<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

/// The dump as SQL text.
std::string dumpText(const std::string& path) {
  std::string sql;
  cc::backup::gunzipFile(path, [&](const char* data, std::size_t size) { sql.append(data, size); });
  return sql;
}

/// What someone holding the signing key can do: replace the dump of `path` by `sql`, and bring
/// .sha256, manifest (after `editManifest`) and signature in line, so only the drill can tell.
void replaceDumpAndReSign(const std::string& path, const std::string& sql,
                          const std::function<void(cc::backup::Manifest&)>& editManifest = {}) {
  std::string fresh = path + ".new";
  {
    cc::backup::GzipWriter out(fresh);
    out.write(sql);
    out.finish();
  }
  std::filesystem::rename(fresh, path);
  std::string sha = cc::backup::sha256FileHex(path);
  std::string name = std::filesystem::path(path).filename().string();
  cc::test::writeFile(cc::backup::checksumPath(path), sha + "  " + name + "\n");
  auto m = cc::backup::Manifest::load(cc::backup::manifestPath(path));
  m.sha256 = sha;
  m.bytes = std::filesystem::file_size(path);
  m.sqlBytes = sql.size();
  if (editManifest) editManifest(m);
  std::string text = m.toJson();
  cc::test::writeFile(cc::backup::manifestPath(path), text);
  cc::test::writeFile(cc::backup::signaturePath(path),
                      cc::backup::signatureFor(cc::backup::signingKeyFrom(kSigningKey, "test"), text));
}

/// `sql` without the first row of `table`: an INSERT line of the SQLite dumper, or the first
/// data line of pg_dump's COPY block.
std::string withoutFirstRow(std::string sql, const std::string& engine, const std::string& table) {
  bool quoted = table != "backup_sentinel";
  std::string start = engine == "sqlite" ? "\nINSERT INTO \"" + table + "\" VALUES("
                                         : "\nCOPY public." + (quoted ? "\"" + table + "\"" : table) + " (";
  auto at = sql.find(start);
  EXPECT_NE(at, std::string::npos) << "no rows of " << table << " in the dump";
  if (at == std::string::npos) return sql;
  at += 1;
  if (engine != "sqlite") at = sql.find('\n', at) + 1;  // the first data line after COPY ... FROM stdin;
  sql.erase(at, sql.find('\n', at) + 1 - at);
  return sql;
}

class RestoreDrill : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "no PostgreSQL";
  }

  /// A host with two users and one backup of them, made by `codecouncil backup`.
  void prepare(const std::string& extra = "", const std::map<std::string, std::string>& env = signingEnv()) {
    env_ = env;
    host_ = std::make_unique<cc::test::HostProcess>(drillPlugins(backups_.str(), extra), "",
                                                    databaseFor(GetParam(), "bk_drill"));
    ASSERT_TRUE(host_->start(env_)) << host_->output();
    host_->signup("alice@example.com");
    host_->signup("bob@example.com");
    host_->stop();
    auto r = run(host_->configPath(), {"backup"}, env_);
    ASSERT_EQ(r.exitCode, 0) << r.output;
    auto dumps = filesEndingWith(backups_.str(), extra.find("encryption_key") == std::string::npos ? ".sql.gz"
                                                                                                    : ".sql.gz.enc");
    ASSERT_EQ(dumps.size(), 1u) << r.output;
    backup_ = dumps[0];
    name_ = std::filesystem::path(backup_).filename().string();
  }

  cc::test::ProcessResult drill(const std::map<std::string, std::string>& env) { return runDrill(host_->configPath(), env); }
  cc::test::ProcessResult drill() { return drill(env_); }

  std::vector<std::string> liveTables() const {
    return cc::test::queryStrings(
        host_->databaseUrl(),
        GetParam() == "sqlite" ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                               : "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE "
                                 "table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
  }
  std::vector<std::string> liveUsers() const {
    return cc::test::queryStrings(host_->databaseUrl(), "SELECT email FROM \"User\" ORDER BY email");
  }
  std::vector<std::string> drills() const {
    return cc::test::queryStrings(host_->databaseUrl(),
                                  "SELECT status FROM backup_restore_drills ORDER BY \"finishedAt\"");
  }
  /// /metrics of the host started again: the gauges as read back from the journal.
  std::string metricsAfterRestart() {
    EXPECT_TRUE(host_->start(env_)) << host_->output();
    std::string body = host_->get("/metrics").body;
    host_->stop();
    return body;
  }
  std::string emptyTableChecksum() const { return GetParam() == "sqlite" ? "0000000000000000" : "0"; }

  cc::test::TempDir backups_;
  std::unique_ptr<cc::test::HostProcess> host_;
  std::map<std::string, std::string> env_;
  std::string backup_, name_;
};

INSTANTIATE_TEST_SUITE_P(Engines, RestoreDrill, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace

TEST_P(RestoreDrill, NewestBackupDrillsGreenSetsBothGaugesAndLeavesTheLiveDatabaseAlone) {
  prepare();
  auto tablesBefore = liveTables();
  auto filesBefore = namesIn(backups_.str());
  EXPECT_EQ(cc::test::queryStrings(host_->databaseUrl(), "SELECT \"backupFile\" FROM backup_sentinel"),
            std::vector<std::string>{name_});
  double before = unixNow();
  auto r = drill();
  double after = unixNow();
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "restore drill passed: " + name_)) << r.output;
  EXPECT_TRUE(contains(r.output, "job backup.restore_drill: succeeded")) << r.output;
  EXPECT_EQ(drills(), std::vector<std::string>{"succeeded"});

  // The live database: the same rows, the same tables (nothing of the scratch copy leaked).
  EXPECT_EQ(liveUsers(), (std::vector<std::string>{"alice@example.com", "bob@example.com"}));
  EXPECT_EQ(liveTables(), tablesBefore);
  // No scratch file left beside the backups; the drilled backup is now marked verified.
  auto filesAfter = namesIn(backups_.str());
  for (auto& f : filesAfter)
    if (!filesBefore.count(f)) EXPECT_EQ(f, name_ + ".verified");

  std::string body = metricsAfterRestart();
  EXPECT_EQ(gaugeValue(body, "backup_last_restore_drill_success"), 1.0) << body;
  auto at = gaugeValue(body, "backup_last_restore_drill_timestamp_seconds");
  ASSERT_TRUE(at.has_value()) << body;
  EXPECT_GE(*at, before - 1);
  EXPECT_LE(*at, after + 1);
  EXPECT_TRUE(contains(body, "# HELP backup_last_restore_drill_timestamp_seconds Unix time of the last SUCCESSFUL"))
      << body;
}

TEST_P(RestoreDrill, DumpLackingRowsItsManifestCountsFailsNamingTheTable) {
  prepare();
  replaceDumpAndReSign(backup_, withoutFirstRow(dumpText(backup_), GetParam(), "User"));
  auto r = drill();
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "restore drill FAILED for " + name_)) << r.output;
  EXPECT_TRUE(contains(r.output, "User: 1 rows, expected 2")) << r.output;
  EXPECT_EQ(drills(), std::vector<std::string>{"failed"});
  EXPECT_EQ(liveUsers(), (std::vector<std::string>{"alice@example.com", "bob@example.com"}));

  std::string body = metricsAfterRestart();
  EXPECT_EQ(gaugeValue(body, "backup_last_restore_drill_success"), 0.0) << body;
  // Never a successful drill: no last-success time (not a 0 that reads as "1970").
  EXPECT_FALSE(gaugeValue(body, "backup_last_restore_drill_timestamp_seconds").has_value()) << body;
}

TEST_P(RestoreDrill, MissingOrForeignSentinelFails) {
  prepare();
  // An older dump under a newer name, re-signed as that name: counts and checksums all match.
  auto when = cc::backup::backupTimeFromName(name_, "development");
  ASSERT_TRUE(when.has_value()) << name_;
  std::string newer = cc::backup::backupFileName("development", *when + 3600);
  std::string newerPath = backups_.str() + "/" + newer;
  std::filesystem::copy_file(backup_, newerPath);
  auto m = cc::backup::Manifest::load(cc::backup::manifestPath(backup_));
  m.file = newer;
  std::string text = m.toJson();
  cc::test::writeFile(cc::backup::manifestPath(newerPath), text);
  cc::test::writeFile(cc::backup::checksumPath(newerPath), m.sha256 + "  " + newer + "\n");
  cc::test::writeFile(cc::backup::signaturePath(newerPath),
                      cc::backup::signatureFor(cc::backup::signingKeyFrom(kSigningKey, "test"), text));
  auto foreign = drill();
  EXPECT_EQ(foreign.exitCode, 1) << foreign.output;
  EXPECT_TRUE(contains(foreign.output, "restore drill FAILED for " + newer)) << foreign.output;
  EXPECT_TRUE(contains(foreign.output, "the restored data is from backup " + name_ + ", not " + newer))
      << foreign.output;
  for (auto& f : {newerPath, cc::backup::manifestPath(newerPath), cc::backup::checksumPath(newerPath),
                  cc::backup::signaturePath(newerPath)})
    std::filesystem::remove(f);

  // The dump without its sentinel row, the manifest counting an empty backup_sentinel.
  replaceDumpAndReSign(backup_, withoutFirstRow(dumpText(backup_), GetParam(), "backup_sentinel"),
                       [this](cc::backup::Manifest& manifest) {
                         for (auto& t : manifest.tables)
                           if (t.name == "backup_sentinel") {
                             t.rows = 0;
                             t.checksum = emptyTableChecksum();
                           }
                       });
  auto missing = drill();
  EXPECT_EQ(missing.exitCode, 1) << missing.output;
  EXPECT_TRUE(contains(missing.output, "restore drill FAILED for " + name_)) << missing.output;
  EXPECT_TRUE(contains(missing.output, "backup_sentinel: no sentinel row in the backup")) << missing.output;
  // Only the sentinel is wrong: the manifest's counts and checksums match the restored copy.
  EXPECT_FALSE(contains(missing.output, "rows, expected")) << missing.output;
  EXPECT_FALSE(contains(missing.output, "checksum")) << missing.output;
  EXPECT_EQ(drills(), (std::vector<std::string>{"failed", "failed"}));
}

TEST_P(RestoreDrill, EncryptedBackupDrillsWithItsKeyAndFailsClearlyWithAnother) {
  auto env = signingEnv();
  env["BACKUP_ENCRYPTION_KEY"] = kDrillKey;
  prepare("encryption_key: \"${BACKUP_ENCRYPTION_KEY:-}\"", env);
  auto good = drill();
  ASSERT_EQ(good.exitCode, 0) << good.output;
  EXPECT_TRUE(contains(good.output, "restore drill passed: " + name_)) << good.output;

  auto wrongEnv = env;
  wrongEnv["BACKUP_ENCRYPTION_KEY"] = kWrongKey;
  auto wrong = drill(wrongEnv);
  EXPECT_EQ(wrong.exitCode, 1) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "restore drill FAILED for " + name_)) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "was encrypted with another key")) << wrong.output;
  EXPECT_FALSE(contains(wrong.output, kDrillKey) || contains(wrong.output, kWrongKey)) << "a key reached the log";
  EXPECT_EQ(drills(), (std::vector<std::string>{"succeeded", "failed"}));
  EXPECT_EQ(liveUsers(), (std::vector<std::string>{"alice@example.com", "bob@example.com"}));
}

// PostgreSQL with verify_database_url: the drill restores there and empties it afterwards,
// keeping only the scratch marker, so no copy of the data stays behind.
TEST(RestoreDrillScratch, VerifyDatabaseIsEmptiedAfterTheDrill) {
  SKIP_WITHOUT_POSTGRES(std::string("postgresql"));
  cc::test::TempDir backups;
  std::string scratch = cc::test::createPostgresDatabase("bk_drillscratch");
  cc::test::HostProcess host(drillPlugins(backups.str(), "verify_database_url: \"" + scratch + "\""), "",
                             cc::test::createPostgresDatabase("bk_drillsrc"));
  ASSERT_TRUE(host.start(signingEnv())) << host.output();
  host.signup("scratch@example.com");
  host.stop();
  auto b = run(host.configPath(), {"backup"}, signingEnv());
  ASSERT_EQ(b.exitCode, 0) << b.output;
  auto r = runDrill(host.configPath(), signingEnv());
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(cc::test::queryStrings(scratch, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                                            "c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"),
            std::vector<std::string>{"codecouncil_verify_scratch"});
}

// Two hosts on one database (PostgreSQL when there is one), the drill every minute: one drill
// per slot, and both instances report it.
TEST(RestoreDrillSchedule, TwoHostsDrillOncePerSlotAndBothReportIt) {
  cc::test::TempDir backups;
  std::string database = cc::test::postgresAdminUrl().empty() ? "" : cc::test::createPostgresDatabase("bk_drill2");
  std::string extra = "schedule: \"off\", publish_interval_seconds: 1, restore_drill: { schedule: \"* * * * *\" }";
  cc::test::HostProcess a(drillPlugins(backups.str(), extra), "", database);
  ASSERT_TRUE(a.start(signingEnv())) << a.output();
  a.signup("shared@example.com");
  a.stop();
  auto b0 = run(a.configPath(), {"backup"}, signingEnv());
  ASSERT_EQ(b0.exitCode, 0) << b0.output;
  cc::test::HostProcess b(drillPlugins(backups.str(), extra), "", a.databaseUrl());
  ASSERT_TRUE(a.start(signingEnv())) << a.output();
  ASSERT_TRUE(b.start(signingEnv())) << b.output();
  auto count = [&](const std::string& sql) { return cc::test::queryStrings(a.databaseUrl(), sql).at(0); };
  for (int i = 0; i < 80 * 10 && count("SELECT COUNT(*) FROM backup_restore_drills") == "0"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(cc::test::queryStrings(a.databaseUrl(), "SELECT status FROM backup_restore_drills"),
            std::vector<std::string>{"succeeded"})
      << a.output() << b.output();
  EXPECT_EQ(count("SELECT COUNT(*) FROM scheduled_job_runs WHERE job = 'backup.restore_drill'"), "1");
  for (auto* host : {&a, &b}) {
    std::optional<double> success;
    for (int i = 0; i < 50 && success != 1.0; ++i) {
      success = gaugeValue(host->get("/metrics").body, "backup_last_restore_drill_success");
      if (success != 1.0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(success, 1.0) << host->output();
  }
}
