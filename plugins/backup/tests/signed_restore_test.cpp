// A restore runs whatever the dump says, so the real binary (`codecouncil restore`,
// `backup-verify`) and scripts/restore-db.sh only run dumps this deployment signed
// (HMAC-SHA-256 of the manifest, key outside the backup folder), unless the operator forces
// it, loudly; and even a signed dump never gets to run psql meta-commands (`\!`) or, on
// SQLite, ATTACH. Every refused restore leaves the target as it was.
#include "backup_files.hpp"
#include "backup_signature.hpp"
#include "backup_test_support.hpp"
#include "digest.hpp"
#include "gzip_io.hpp"
#include "manifest.hpp"
#include "signing_key.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <functional>
#include <future>
#include <set>
#include <thread>

using namespace backup_test;

namespace {

const std::string kKey = kSigningKey;
const std::string kOtherKey = "0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff";

std::map<std::string, std::string> withKey(const std::string& key = kKey) { return signingEnv(key); }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string gunzipToString(const std::string& path) {
  std::string out;
  cc::backup::gunzipFile(path, [&](const char* d, std::size_t n) { out.append(d, n); });
  return out;
}

/// What someone with write access to the backup folder can do: change the dump and bring
/// the .sha256 and the manifest's sha256/sizes in line. With `resignWith` they also hold the
/// signing key (the worst case for the meta-command tests); without it the old .sig stays.
void rewriteBackup(const std::string& path, const std::function<std::string(std::string)>& edit,
                   const std::string& resignWith = "") {
  std::string sql = edit(gunzipToString(path));
  std::string temp = path + ".edit";
  {
    cc::backup::GzipWriter out(temp, 6);
    out.write(sql);
    out.finish();
  }
  std::filesystem::rename(temp, path);
  std::string name = std::filesystem::path(path).filename().string();
  std::string sha = cc::backup::sha256FileHex(path);
  cc::test::writeFile(cc::backup::checksumPath(path), sha + "  " + name + "\n");
  auto m = cc::backup::Manifest::load(cc::backup::manifestPath(path));
  m.sha256 = sha;
  m.bytes = std::filesystem::file_size(path);
  m.sqlBytes = sql.size();
  std::string text = m.toJson();
  cc::test::writeFile(cc::backup::manifestPath(path), text);
  if (!resignWith.empty())
    cc::test::writeFile(cc::backup::signaturePath(path),
                        cc::backup::signatureFor(cc::backup::signingKeyFrom(resignWith, "test"), text));
}

/// Inserts `text` after the first line that starts with `after`.
std::string insertAfter(std::string sql, const std::string& after, const std::string& text) {
  auto at = sql.find("\n" + after);
  EXPECT_NE(at, std::string::npos) << "no line starting with " << after;
  auto eol = sql.find('\n', at + 1);
  sql.insert(eol + 1, text);
  return sql;
}

/// pg_dump's own `\restrict <key>` key, "" when the dump has none.
std::string dumpRestrictKey(const std::string& sql) {
  auto at = sql.find("\n\\restrict ");
  if (at == std::string::npos) return "";
  auto start = at + 11;  // "\n\\restrict "
  return sql.substr(start, sql.find('\n', start) - start);
}

/// A source host with one user and one backup of it, and a target host (its own database)
/// with one user of its own: the target must never change when a restore is refused.
class SignedRestore : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "no PostgreSQL";
    source_ = std::make_unique<cc::test::HostProcess>(pluginYaml(backups_.str()), "",
                                                      databaseFor(GetParam(), "bk_sgsrc"));
    ASSERT_TRUE(source_->start(withKey())) << source_->output();
    source_->signup("source@example.com");
    auto r = run(source_->configPath(), {"backup"}, withKey());
    ASSERT_EQ(r.exitCode, 0) << r.output;
    auto dumps = filesEndingWith(backups_.str(), ".sql.gz");
    ASSERT_EQ(dumps.size(), 1u);
    backup_ = dumps[0];
    target_ = std::make_unique<cc::test::HostProcess>(pluginYaml(backups_.str()), "",
                                                      databaseFor(GetParam(), "bk_sgdst"));
    ASSERT_TRUE(target_->start(withKey())) << target_->output();
    target_->signup("target@example.com");
    target_->stop();
  }

  cc::test::ProcessResult restore(const std::vector<std::string>& extra = {}, const std::string& key = kKey) {
    std::vector<std::string> args{"restore", backup_, "--yes"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(target_->configPath(), args, withKey(key));
  }

  /// scripts/restore-db.sh <name> development --yes [extra]; exit status and output.
  std::pair<int, std::string> restoreByScript(const std::string& extra = "") {
    std::string log = backups_.str() + "/../restore-" + std::to_string(::getpid()) + ".log";
    std::string cmd = "BACKUP_SIGNING_KEY=" + kKey + " BACKUP_DIR='" + backups_.str() + "' CODECOUNCIL_BIN='" +
                      cc::test::hostBinary() + "' CODECOUNCIL_CONFIG='" + target_->configPath() + "' bash " +
                      cc::test::sourceDir() + "/scripts/restore-db.sh " +
                      std::filesystem::path(backup_).filename().string() + " development --yes " + extra + " > '" +
                      log + "' 2>&1";
    int status = std::system(cmd.c_str());
    std::string out = cc::test::readFile(log);
    std::filesystem::remove(log);
    return {WEXITSTATUS(status), out};
  }

  std::vector<std::string> targetUsers() const {
    return cc::test::queryStrings(target_->databaseUrl(), "SELECT email FROM \"User\" ORDER BY email");
  }

  cc::test::TempDir backups_;
  cc::test::TempDir scratch_;
  std::unique_ptr<cc::test::HostProcess> source_, target_;
  std::string backup_;
};

INSTANTIATE_TEST_SUITE_P(Engines, SignedRestore, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace

TEST_P(SignedRestore, SignedBackupRestoresWithTheSameKeyAndNotWithAnother) {
  std::string sig = cc::test::readFile(cc::backup::signaturePath(backup_));
  EXPECT_EQ(sig.rfind("hmac-sha256 " + cc::backup::signingKeyFrom(kKey, "").id + " ", 0), 0u) << sig;

  auto other = restore({}, kOtherKey);
  EXPECT_EQ(other.exitCode, 1) << other.output;
  EXPECT_TRUE(contains(other.output, "was signed with another key (key id " + cc::backup::signingKeyFrom(kKey, "").id))
      << other.output;
  EXPECT_FALSE(contains(other.output, kKey)) << "the key itself is never printed";
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"target@example.com"});

  auto r = restore();
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "ok: signed with key " + cc::backup::signingKeyFrom(kKey, "").id)) << r.output;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"source@example.com"});
}

TEST_P(SignedRestore, UnsignedBackupIsRefusedUnlessForcedAndForcingIsLoud) {
  std::filesystem::remove(cc::backup::signaturePath(backup_));
  auto refused = restore();
  EXPECT_EQ(refused.exitCode, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "is not signed")) << refused.output;
  EXPECT_TRUE(contains(refused.output, "--force-unsigned")) << refused.output;
  auto verify = run(target_->configPath(), {"backup-verify", backup_}, withKey());
  EXPECT_EQ(verify.exitCode, 1) << verify.output;
  EXPECT_FALSE(std::filesystem::exists(cc::backup::verifiedPath(backup_)));
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"target@example.com"});

  auto forced = restore({"--force-unsigned"});
  ASSERT_EQ(forced.exitCode, 0) << forced.output;
  EXPECT_TRUE(contains(forced.output, "WARNING: restore --force-unsigned: using " + backup_)) << forced.output;
  EXPECT_TRUE(contains(forced.output, "NOT SIGNED")) << forced.output;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"source@example.com"});
}

TEST_P(SignedRestore, TamperedBackupWithAStaleSignatureIsRefused) {
  rewriteBackup(backup_, [](std::string sql) {
    auto at = sql.find("source@example.com");
    EXPECT_NE(at, std::string::npos);
    return sql.replace(at, 18, "attack@example.com");
  });
  auto r = restore();
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "does not match its manifest: the backup was altered after it was signed")) << r.output;
  auto verify = run(target_->configPath(), {"backup-verify", backup_}, withKey());
  EXPECT_EQ(verify.exitCode, 1) << verify.output;
  EXPECT_TRUE(contains(verify.output, "altered after it was signed")) << verify.output;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"target@example.com"});
}

TEST_P(SignedRestore, AnOlderSignedBackupUnderTheNewestNameIsRefused) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // next file name (one per second)
  source_->signup("newer@example.com");
  ASSERT_EQ(run(source_->configPath(), {"backup"}, withKey()).exitCode, 0);
  auto dumps = filesEndingWith(backups_.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 2u);
  // Roll back: the older backup, with its own valid signature, under the newer one's name.
  for (const char* suffix : {"", ".sha256", ".manifest.json", ".sig"})
    std::filesystem::copy_file(dumps[0] + suffix, dumps[1] + suffix, std::filesystem::copy_options::overwrite_existing);
  backup_ = dumps[1];
  auto r = restore();
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "a backup under another backup's name")) << r.output;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"target@example.com"});
}

TEST_P(SignedRestore, InjectedMetaCommandOrAttachNeverRunsEvenWhenReSigned) {
  std::string pwned = (scratch_.path() / "pwned").string();
  if (GetParam() == "postgresql") {
    rewriteBackup(
        backup_,
        [&](std::string sql) {
          // The dump's own key is no help: \unrestrict with it is dropped, psql stays restricted.
          std::string key = dumpRestrictKey(sql);
          EXPECT_FALSE(key.empty()) << "pg_dump 15.14+ writes \\restrict";
          return insertAfter(sql, "SET statement_timeout", "\\unrestrict " + key + "\n\\! touch " + pwned + "\n");
        },
        kKey);
  } else {
    rewriteBackup(
        backup_,
        [&](std::string sql) {
          return insertAfter(sql, "CREATE TABLE", "ATTACH DATABASE '" + pwned + "' AS evil;\nCREATE TABLE evil.t (x);\n");
        },
        kKey);
  }
  auto r = restore();
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, GetParam() == "postgresql" ? "the dump contains a psql meta-command"
                                                            : "the dump contains ATTACH"))
      << r.output;
  if (GetParam() == "postgresql")  // psql refused \! itself: the dump's \unrestrict was dropped
    EXPECT_TRUE(contains(r.output, "backslash commands are restricted")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(pwned)) << r.output;
  auto verify = run(target_->configPath(), {"backup-verify", backup_}, withKey());
  EXPECT_EQ(verify.exitCode, 1) << verify.output;
  EXPECT_FALSE(std::filesystem::exists(pwned)) << verify.output;
  auto [status, out] = restoreByScript();
  EXPECT_EQ(status, 1) << out;
  EXPECT_FALSE(std::filesystem::exists(pwned)) << out;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"target@example.com"});
}

TEST_P(SignedRestore, RestoreScriptRefusesUnsignedUnlessForcedAndRestoresSigned) {
  auto [status, out] = restoreByScript();
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"source@example.com"});

  cc::test::execute(target_->databaseUrl(), "DELETE FROM \"User\"");
  std::filesystem::remove(cc::backup::signaturePath(backup_));
  std::tie(status, out) = restoreByScript();
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "is not signed")) << out;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{});
  std::tie(status, out) = restoreByScript("--force-unsigned");
  EXPECT_EQ(status, 0) << out;
  EXPECT_TRUE(contains(out, "WARNING: restore --force-unsigned")) << out;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"source@example.com"});
}

TEST(SigningKey, ProductionWithoutAKeyIsRefusedAndAShortKeyNeverEchoed) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()));
  auto r = run(host.configPath(), {"--env", "production", "backup"}, {{"BACKUP_SIGNING_KEY", ""}});
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "plugins[0].config.signing_key (" + host.configPath() + ":")) << r.output;
  EXPECT_TRUE(contains(r.output, "is required in production")) << r.output;
  EXPECT_TRUE(filesEndingWith(backups.str(), ".sql.gz").empty());

  auto shortKey = run(host.configPath(), {"backup"}, {{"BACKUP_SIGNING_KEY", "tooshort-secret-xyz"}});
  EXPECT_NE(shortKey.exitCode, 0) << shortKey.output;
  EXPECT_TRUE(contains(shortKey.output, "BACKUP_SIGNING_KEY: must be at least 32 characters")) << shortKey.output;
  EXPECT_FALSE(contains(shortKey.output, "tooshort-secret-xyz")) << shortKey.output;
}

TEST(SigningKey, DevelopmentGeneratesAPrivateKeyOnceAndRestoresWithIt) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()));
  ASSERT_TRUE(host.start({{"BACKUP_SIGNING_KEY", ""}})) << host.output();
  host.signup("dev@example.com");
  auto b = run(host.configPath(), {"backup"}, {{"BACKUP_SIGNING_KEY", ""}});
  ASSERT_EQ(b.exitCode, 0) << b.output;
  auto keyFile = host.dir().path() / "data" / "backup-signing.key";
  ASSERT_TRUE(std::filesystem::exists(keyFile));
  struct stat st {};
  ASSERT_EQ(::stat(keyFile.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string key = cc::test::readFile(keyFile);
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_FALSE(contains(cc::test::readFile(dumps[0] + ".sig"), key.substr(0, 32)));
  host.stop();
  auto r = run(host.configPath(), {"restore", dumps[0], "--yes"}, {{"BACKUP_SIGNING_KEY", ""}});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(cc::test::readFile(keyFile), key) << "the key is made once";
}

TEST(SigningKey, ConcurrentFirstRunsAgreeOnOneGeneratedKey) {
  // No backup_dir in the config: each run writes to its own BACKUP_DIR.
  cc::test::HostProcess host(cc::test::bundledPlugin("backup", "{ schedule: \"off\", min_dump_bytes: 100 }"));
  ASSERT_TRUE(host.start({{"BACKUP_SIGNING_KEY", ""}})) << host.output();  // migrations done once
  host.stop();
  auto keyFile = host.dir().path() / "data" / "backup-signing.key";
  std::filesystem::remove(keyFile);  // the runs below are the first to need a key

  constexpr int kRuns = 6;
  std::vector<std::unique_ptr<cc::test::TempDir>> dirs;
  std::vector<std::future<cc::test::ProcessResult>> runs;
  for (int i = 0; i < kRuns; ++i) {
    dirs.push_back(std::make_unique<cc::test::TempDir>());
    std::map<std::string, std::string> env{{"BACKUP_SIGNING_KEY", ""}, {"BACKUP_DIR", dirs.back()->str()}};
    runs.push_back(std::async(std::launch::async, [&host, env] { return run(host.configPath(), {"backup"}, env); }));
  }
  std::set<std::string> keyIds;
  for (int i = 0; i < kRuns; ++i) {
    auto r = runs[static_cast<std::size_t>(i)].get();
    ASSERT_EQ(r.exitCode, 0) << r.output;
    auto sigs = filesEndingWith(dirs[static_cast<std::size_t>(i)]->str(), ".sig");
    ASSERT_EQ(sigs.size(), 1u);
    keyIds.insert(cc::test::readFile(sigs[0]).substr(12, 16));
  }
  EXPECT_EQ(keyIds.size(), 1u) << "every run signed with the one key that was kept";
  EXPECT_EQ(*keyIds.begin(), cc::backup::signingKeyFrom(cc::test::readFile(keyFile).substr(0, 64), "").id);
  for (auto& f : filesEndingWith((host.dir().path() / "data").string(), ""))
    EXPECT_EQ(f.find(".tmp-"), std::string::npos) << "temp key file left behind: " << f;
}
