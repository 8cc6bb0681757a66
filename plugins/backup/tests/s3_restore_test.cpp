// Restores and restore drills from the S3 copy alone, against the real binary and the s3rver
// fake (s3rver_support.hpp), on SQLite and PostgreSQL: a backup uploaded, its local copy
// deleted, then `codecouncil restore <name> --from-s3` (and scripts/restore-db.sh ... --from-s3)
// brings the data back; a tampered object is refused and changes nothing; a missing object is
// a clear error naming its URL; the drill proves the S3 copy when the local one is gone; an
// encrypted backup comes back from S3 with its key and is refused without it.
#include "backup_encryption.hpp"
#include "backup_files.hpp"
#include "backup_test_support.hpp"
#include "s3rver_support.hpp"

#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace backup_test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::set<std::string> namesIn(const std::string& dir) {
  std::set<std::string> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

/// The value of an unlabelled series in a /metrics body; nullopt when the series is absent.
std::optional<double> gaugeValue(const std::string& body, const std::string& name) {
  auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return std::nullopt;
  at += name.size() + 2;
  return std::stod(body.substr(at, body.find('\n', at) - at));
}

class S3Restore : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "no PostgreSQL";
    std::string script = s3rverScript();
    if (script.empty()) GTEST_SKIP() << "npm could not install s3rver (see build/test-node/s3rver/npm-install.log)";
    server_ = std::make_unique<S3rver>(script, s3data_.str());
    ASSERT_TRUE(server_->waitReady()) << "s3rver did not start";
  }

  std::map<std::string, std::string> env() const {
    auto e = signingEnv();
    e["AWS_ACCESS_KEY_ID"] = "S3RVER";
    e["AWS_SECRET_ACCESS_KEY"] = "S3RVER-secret-value";
    e["AWS_S3_BACKUP_BUCKET"] = "backups";
    e["AWS_REGION"] = "us-east-1";
    e["AWS_ENDPOINT_URL"] = endpoint();
    return e;
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::string stored(const std::string& key) const {
    return (s3data_.path() / "backups" / (key + "._S3rver_object")).string();
  }

  /// A host (the metrics plugin too, and the drill declared) with alice and bob, one backup of
  /// them uploaded to S3, then carol added and every local file of the backup deleted: the
  /// machine that made it lost its disk.
  void backUpAndLoseTheLocalCopy() {
    host_ = std::make_unique<cc::test::HostProcess>(
        cc::test::bundledPlugin("metrics") + cc::test::bundledPlugin("audit") +
            pluginYaml(backups_.str(), "restore_drill: { enabled: true }"),
        "",
        databaseFor(GetParam(), "bk_s3rs"));
    ASSERT_TRUE(host_->start(env())) << host_->output();
    host_->signup("alice@example.com");
    host_->signup("bob@example.com");
    host_->stop();
    auto r = run(host_->configPath(), {"backup"}, env());
    ASSERT_EQ(r.exitCode, 0) << r.output;
    ASSERT_TRUE(contains(r.output, "uploaded to s3://backups/")) << r.output;
    auto dumps = filesEndingWith(backups_.str(), ".sql.gz");
    ASSERT_EQ(dumps.size(), 1u) << r.output;
    name_ = std::filesystem::path(dumps[0]).filename().string();
    ASSERT_TRUE(std::filesystem::exists(stored(name_)));
    ASSERT_TRUE(host_->start(env())) << host_->output();
    host_->signup("carol@example.com");
    host_->stop();
    for (auto& e : std::filesystem::directory_iterator(backups_.str())) std::filesystem::remove_all(e.path());
    ASSERT_EQ(users(), (std::vector<std::string>{"alice@example.com", "bob@example.com", "carol@example.com"}));
  }

  cc::test::ProcessResult restoreFromS3(const std::string& name) {
    return run(host_->configPath(), {"restore", name, "--yes", "--from-s3"}, env());
  }

  std::vector<std::string> users() const {
    return cc::test::queryStrings(host_->databaseUrl(), "SELECT email FROM \"User\" ORDER BY email");
  }

  cc::test::TempDir s3data_;
  cc::test::TempDir backups_;
  std::unique_ptr<S3rver> server_;
  std::unique_ptr<cc::test::HostProcess> host_;
  std::string name_;
};

INSTANTIATE_TEST_SUITE_P(Engines, S3Restore, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace

TEST_P(S3Restore, BackupOnlyInS3RestoresWithEveryCheckAndStaysAsALocalBackup) {
  backUpAndLoseTheLocalCopy();
  auto r = restoreFromS3(name_);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "downloading " + name_ + " from " + endpoint() + "/backups/" + name_)) << r.output;
  EXPECT_TRUE(contains(r.output, "ok: signed with key")) << r.output;
  EXPECT_TRUE(contains(r.output, "row counts and checksums match the manifest")) << r.output;
  EXPECT_FALSE(contains(r.output, "S3RVER-secret-value")) << "the secret reached the output";
  EXPECT_EQ(users(), (std::vector<std::string>{"alice@example.com", "bob@example.com"}));

  // The download is an ordinary local backup now, byte for byte the S3 copy, laid out like one.
  std::string path = backups_.str() + "/" + name_;
  EXPECT_EQ(cc::test::readFile(path), cc::test::readFile(stored(name_)));
  EXPECT_EQ(namesIn(backups_.str()),
            (std::set<std::string>{name_, name_ + ".manifest.json", name_ + ".sig", name_ + ".sha256"}));
  for (auto& f : namesIn(backups_.str()))
    EXPECT_EQ(std::filesystem::status(backups_.str() + "/" + f).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << f;

  // A second fetch never replaces the local copy.
  auto again = restoreFromS3(name_);
  EXPECT_EQ(again.exitCode, 1) << again.output;
  EXPECT_TRUE(contains(again.output, "already exists")) << again.output;
}

TEST_P(S3Restore, WithoutTheFlagAMissingLocalCopyPointsAtIt) {
  backUpAndLoseTheLocalCopy();
  auto r = run(host_->configPath(), {"restore", name_, "--yes"}, env());
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "not found; to fetch the copy in S3, add --from-s3")) << r.output;
  EXPECT_EQ(users().size(), 3u);
}

TEST_P(S3Restore, RestoreScriptPassesFromS3Through) {
  backUpAndLoseTheLocalCopy();
  std::string log = backups_.str() + "/../restore-" + std::to_string(::getpid()) + ".log";
  std::string cmd;
  for (auto& [k, v] : env()) cmd += k + "='" + v + "' ";
  cmd += "BACKUP_DIR='" + backups_.str() + "' CODECOUNCIL_BIN='" + cc::test::hostBinary() + "' CODECOUNCIL_CONFIG='" +
         host_->configPath() + "' bash " + cc::test::sourceDir() + "/scripts/restore-db.sh " + name_ +
         " development --yes --from-s3 > '" + log + "' 2>&1";
  int status = std::system(cmd.c_str());
  std::string out = cc::test::readFile(log);
  std::filesystem::remove(log);
  ASSERT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_TRUE(contains(out, "row counts and checksums match the manifest")) << out;
  EXPECT_EQ(users(), (std::vector<std::string>{"alice@example.com", "bob@example.com"}));
}

TEST_P(S3Restore, TamperedObjectIsRefusedAndChangesNothing) {
  backUpAndLoseTheLocalCopy();
  // One byte of the dump changed in S3: the download's sha256 is not the signed manifest's.
  std::string original = cc::test::readFile(stored(name_));
  std::string altered = original;
  altered[altered.size() / 2] = static_cast<char>(altered[altered.size() / 2] ^ 0x01);
  cc::test::writeFile(stored(name_), altered);
  auto r = restoreFromS3(name_);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "checksum mismatch")) << r.output;
  EXPECT_EQ(users().size(), 3u);
  EXPECT_TRUE(namesIn(backups_.str()).empty()) << "a refused download stayed in backup_dir";

  // The manifest altered to match the altered dump: the signature no longer matches it.
  cc::test::writeFile(stored(name_), original);
  std::string manifest = cc::test::readFile(stored(name_ + ".manifest.json"));
  // Same length (s3rver may announce the stored size): one digit of durationSeconds changed.
  auto at = manifest.find_first_of("0123456789", manifest.find("\"durationSeconds\""));
  ASSERT_NE(at, std::string::npos) << manifest;
  manifest[at] = manifest[at] == '9' ? '8' : static_cast<char>(manifest[at] + 1);
  cc::test::writeFile(stored(name_ + ".manifest.json"), manifest);
  r = restoreFromS3(name_);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "does not match its manifest")) << r.output;
  EXPECT_EQ(users().size(), 3u);
  EXPECT_TRUE(namesIn(backups_.str()).empty()) << "a refused download stayed in backup_dir";
}

TEST_P(S3Restore, MissingObjectIsAClearErrorNamingItsUrl) {
  backUpAndLoseTheLocalCopy();
  std::string absent = "codecouncil-ai_development_20000101_000000.sql.gz";
  auto r = restoreFromS3(absent);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "S3 object " + endpoint() + "/backups/" + absent + " does not exist")) << r.output;
  EXPECT_EQ(users().size(), 3u);
  EXPECT_TRUE(namesIn(backups_.str()).empty());

  // Its sidecars there but the dump gone: still nothing left behind.
  std::filesystem::remove(stored(name_));
  r = restoreFromS3(name_);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "S3 object " + endpoint() + "/backups/" + name_ + " does not exist")) << r.output;
  EXPECT_TRUE(namesIn(backups_.str()).empty());

  // Not a backup name: never sent to S3 as a key.
  r = restoreFromS3("../secrets.txt");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--from-s3 takes a backup file name")) << r.output;
}

TEST_P(S3Restore, DrillProvesTheS3CopyWhenTheLocalOneIsGone) {
  backUpAndLoseTheLocalCopy();
  auto r = run(host_->configPath(), {"jobs", "run", "backup.restore_drill"}, env());
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "drilled the S3 copy " + endpoint() + "/backups/" + name_)) << r.output;
  EXPECT_TRUE(contains(r.output, "restore drill passed: " + name_)) << r.output;
  EXPECT_EQ(cc::test::queryStrings(host_->databaseUrl(), "SELECT status FROM backup_restore_drills"),
            std::vector<std::string>{"succeeded"});
  // Its event says which copy it proved (the audit log keeps it).
  auto drills = cc::test::queryStrings(
      host_->databaseUrl(), "SELECT metadata FROM \"AuditLog\" WHERE action = 'backup_restore_drill_succeeded'");
  ASSERT_EQ(drills.size(), 1u) << r.output;
  EXPECT_TRUE(contains(drills[0], "\"source\":\"s3\"")) << drills[0];
  // The download, its sidecars and the scratch copy are gone; the live data is untouched.
  EXPECT_TRUE(namesIn(backups_.str()).empty()) << r.output;
  EXPECT_EQ(users().size(), 3u);
  ASSERT_TRUE(host_->start(env())) << host_->output();
  std::string body = host_->get("/metrics").body;
  host_->stop();
  EXPECT_EQ(gaugeValue(body, "backup_last_restore_drill_success"), 1.0) << body;

  // A tampered S3 copy fails the drill, naming the problem, and leaves nothing behind either.
  std::string altered = cc::test::readFile(stored(name_));
  altered[altered.size() / 2] = static_cast<char>(altered[altered.size() / 2] ^ 0x01);
  cc::test::writeFile(stored(name_), altered);
  auto bad = run(host_->configPath(), {"jobs", "run", "backup.restore_drill"}, env());
  EXPECT_EQ(bad.exitCode, 1) << bad.output;
  EXPECT_TRUE(contains(bad.output, "restore drill FAILED for " + name_)) << bad.output;
  EXPECT_TRUE(contains(bad.output, "checksum mismatch")) << bad.output;
  EXPECT_TRUE(namesIn(backups_.str()).empty()) << bad.output;
}

TEST_P(S3Restore, DrillRemovesDownloadFoldersThatAnInterruptedDrillLeftBehind) {
  backUpAndLoseTheLocalCopy();
  // A drill killed mid-download two days ago, and one that may still be running (just started).
  auto abandoned = std::filesystem::path(backups_.str()) / ".s3-drill.tmp-abc123";
  auto running = std::filesystem::path(backups_.str()) / ".s3-drill.tmp-def456";
  for (const auto& folder : {abandoned, running}) {
    std::filesystem::create_directory(folder);
    cc::test::writeFile((folder / "partial.sql.gz").string(), "half a download");
  }
  std::filesystem::last_write_time(abandoned, std::filesystem::file_time_type::clock::now() - std::chrono::hours(48));
  auto r = run(host_->configPath(), {"jobs", "run", "backup.restore_drill"}, env());
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "restore drill passed: " + name_)) << r.output;
  EXPECT_FALSE(std::filesystem::exists(abandoned)) << "an abandoned drill folder stayed in backup_dir";
  EXPECT_TRUE(std::filesystem::exists(running / "partial.sql.gz")) << "a drill that may be running lost its folder";
  EXPECT_EQ(namesIn(backups_.str()), (std::set<std::string>{".s3-drill.tmp-def456", "partial.sql.gz"}));
}

TEST_P(S3Restore, DrillWithCredentialsThatCannotListDrillsTheLocalCopyAndSaysSo) {
  backUpAndLoseTheLocalCopy();
  auto again = run(host_->configPath(), {"backup"}, env());  // a second backup, kept locally
  ASSERT_EQ(again.exitCode, 0) << again.output;
  auto dumps = filesEndingWith(backups_.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u);
  std::string local = std::filesystem::path(dumps[0]).filename().string();
  auto unknown = env();
  unknown["AWS_ACCESS_KEY_ID"] = "UNKNOWNKEY";
  auto r = run(host_->configPath(), {"jobs", "run", "backup.restore_drill"}, unknown);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot list the S3 copy, drilled the newest local backup: S3 ListObjectsV2 " +
                                     endpoint() + "/backups failed: HTTP 403 InvalidAccessKeyId"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "restore drill passed: " + local)) << r.output;
  EXPECT_FALSE(contains(r.output, "S3RVER-secret-value")) << r.output;
  auto drills = cc::test::queryStrings(
      host_->databaseUrl(), "SELECT metadata FROM \"AuditLog\" WHERE action = 'backup_restore_drill_succeeded'");
  ASSERT_EQ(drills.size(), 1u) << r.output;
  EXPECT_TRUE(contains(drills[0], "\"source\":\"backup_dir\"")) << drills[0];

  // With no local backup at all, the listing error is the drill's failure.
  for (auto& e : std::filesystem::directory_iterator(backups_.str())) std::filesystem::remove_all(e.path());
  auto none = run(host_->configPath(), {"jobs", "run", "backup.restore_drill"}, unknown);
  EXPECT_EQ(none.exitCode, 1) << none.output;
  EXPECT_TRUE(contains(none.output, "restore drill FAILED for (no backup): S3 ListObjectsV2")) << none.output;
}

// The machine with the backups and the key lost its disk; the encrypted backup is only in S3.
// With another key or none, the restore is refused by name before the database changes and
// leaves no download behind; with the key it restores.
TEST_P(S3Restore, AnEncryptedBackupOnlyInS3RestoresWithItsKeyAndIsRefusedWithoutIt) {
  const std::string key = "5f0e1d2c3b4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
  const std::string otherKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  auto keyId = [](const std::string& k) { return cc::backup::parseEncryptionKey(k)->id; };
  auto envWithKey = [&](const std::string& k) {
    auto e = env();
    e["BACKUP_ENCRYPTION_KEY"] = k;
    return e;
  };
  host_ = std::make_unique<cc::test::HostProcess>(
      cc::test::bundledPlugin("audit") + pluginYaml(backups_.str(), "encryption_key: \"${BACKUP_ENCRYPTION_KEY:-}\""),
      "", databaseFor(GetParam(), "bk_s3enc"));
  ASSERT_TRUE(host_->start(envWithKey(key))) << host_->output();
  host_->signup("alice@example.com");
  host_->stop();
  auto r = run(host_->configPath(), {"backup"}, envWithKey(key));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  ASSERT_TRUE(contains(r.output, "uploaded to s3://backups/")) << r.output;
  auto dumps = filesEndingWith(backups_.str(), ".sql.gz.enc");
  ASSERT_EQ(dumps.size(), 1u) << r.output;
  const std::string name = std::filesystem::path(dumps[0]).filename().string();
  ASSERT_EQ(cc::test::readFile(stored(name)), cc::test::readFile(dumps[0])) << "S3 holds the encrypted file";
  ASSERT_TRUE(host_->start(envWithKey(key))) << host_->output();
  host_->signup("carol@example.com");
  host_->stop();
  for (auto& e : std::filesystem::directory_iterator(backups_.str())) std::filesystem::remove_all(e.path());

  auto restoreWith = [&](const std::string& k) {
    return run(host_->configPath(), {"restore", name, "--yes", "--from-s3"}, envWithKey(k));
  };
  auto wrong = restoreWith(otherKey);
  EXPECT_EQ(wrong.exitCode, 1) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "was encrypted with another key (key id " + keyId(key) +
                                         "; BACKUP_ENCRYPTION_KEY has key id " + keyId(otherKey)))
      << wrong.output;
  EXPECT_FALSE(contains(wrong.output, key) || contains(wrong.output, otherKey)) << "a key reached the output";
  EXPECT_EQ(users(), (std::vector<std::string>{"alice@example.com", "carol@example.com"}));
  EXPECT_TRUE(namesIn(backups_.str()).empty()) << "a refused download stayed in backup_dir";

  auto none = restoreWith("");
  EXPECT_EQ(none.exitCode, 1) << none.output;
  EXPECT_TRUE(contains(none.output, "is encrypted (key id " + keyId(key) + ") and BACKUP_ENCRYPTION_KEY")) << none.output;
  EXPECT_EQ(users(), (std::vector<std::string>{"alice@example.com", "carol@example.com"}));
  EXPECT_TRUE(namesIn(backups_.str()).empty()) << "a refused download stayed in backup_dir";

  auto right = restoreWith(key);
  ASSERT_EQ(right.exitCode, 0) << right.output;
  EXPECT_TRUE(contains(right.output, "decrypted with key " + keyId(key))) << right.output;
  EXPECT_TRUE(contains(right.output, "row counts and checksums match the manifest")) << right.output;
  EXPECT_FALSE(contains(right.output, key)) << "the key itself is never printed";
  EXPECT_EQ(users(), std::vector<std::string>{"alice@example.com"});
}
