// Encrypted backups (BACKUP_ENCRYPTION_KEY) against the real binary and scripts, on SQLite
// and PostgreSQL: a sentinel row inserted before the backup is nowhere in the file on disk
// (nor in the S3 stand-in's object, see the S3 test below), comes back with the right key,
// and a wrong or missing key, a flipped byte or a cut file is refused before the target
// database changes. `restore --dry-run` / `restore-db.sh --dry-run` report and change nothing.
#include "backup_encryption.hpp"
#include "backup_files.hpp"
#include "backup_signature.hpp"
#include "backup_test_support.hpp"
#include "digest.hpp"
#include "gzip_io.hpp"
#include "manifest.hpp"
#include "s3rver_support.hpp"
#include "signing_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <thread>

using namespace backup_test;

namespace {

const std::string kKey = "5f0e1d2c3b4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const std::string kOtherKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
// The sentinel: a user whose e-mail must never be readable in a backup at rest.
const std::string kSentinel = "sentinel-7c1e9a4b2f@example.com";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string keyId(const std::string& key) { return cc::backup::parseEncryptionKey(key)->id; }

std::map<std::string, std::string> envWith(const std::string& encryptionKey) {
  auto env = signingEnv();
  env["BACKUP_ENCRYPTION_KEY"] = encryptionKey;
  return env;
}

// What the config files say: the key from the environment, empty = not encrypted.
std::string encryptedPluginYaml(const std::string& dir) {
  return pluginYaml(dir, "encryption_key: \"${BACKUP_ENCRYPTION_KEY:-}\"");
}

/// Someone who holds the signing key but not the encryption key edits the encrypted file and
/// brings .sha256, manifest and signature in line: only the encryption can catch it.
void alterAndReSign(const std::string& path, const std::function<void(std::string&)>& edit) {
  std::string bytes = cc::test::readFile(path);
  edit(bytes);
  cc::test::writeFile(path, bytes);
  std::string sha = cc::backup::sha256FileHex(path);
  cc::test::writeFile(cc::backup::checksumPath(path), sha + "  " + std::filesystem::path(path).filename().string() + "\n");
  auto m = cc::backup::Manifest::load(cc::backup::manifestPath(path));
  m.sha256 = sha;
  m.bytes = bytes.size();
  std::string text = m.toJson();
  cc::test::writeFile(cc::backup::manifestPath(path), text);
  cc::test::writeFile(cc::backup::signaturePath(path),
                      cc::backup::signatureFor(cc::backup::signingKeyFrom(kSigningKey, "test"), text));
}

class EncryptedBackup : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "no PostgreSQL";
    source_ = std::make_unique<cc::test::HostProcess>(encryptedPluginYaml(backups_.str()), "",
                                                      databaseFor(GetParam(), "bk_encsrc"));
    ASSERT_TRUE(source_->start(envWith(kKey))) << source_->output();
    source_->signup(kSentinel);
    source_->stop();
    auto r = run(source_->configPath(), {"backup"}, envWith(kKey));
    ASSERT_EQ(r.exitCode, 0) << r.output;
    auto dumps = filesEndingWith(backups_.str(), ".sql.gz.enc");
    ASSERT_EQ(dumps.size(), 1u) << r.output;
    backup_ = dumps[0];
    target_ = std::make_unique<cc::test::HostProcess>(encryptedPluginYaml(backups_.str()), "",
                                                      databaseFor(GetParam(), "bk_encdst"));
    ASSERT_TRUE(target_->start(envWith(kKey))) << target_->output();
    target_->signup("target@example.com");
    target_->stop();
  }

  cc::test::ProcessResult restore(const std::string& key, const std::vector<std::string>& extra = {"--yes"}) {
    std::vector<std::string> args{"restore", backup_};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(target_->configPath(), args, envWith(key));
  }

  /// scripts/<script> with the key in the environment only; exit status and output.
  std::pair<int, std::string> script(const std::string& name, const std::string& args, const std::string& key,
                                     const std::string& config) {
    std::string log = scratch_.str() + "/script.log";
    std::string cmd = "BACKUP_SIGNING_KEY=" + kSigningKey + " BACKUP_ENCRYPTION_KEY=" + key + " BACKUP_DIR='" +
                      backups_.str() + "' BACKUP_MIN_FREE_BYTES=0 CODECOUNCIL_BIN='" + cc::test::hostBinary() +
                      "' CODECOUNCIL_CONFIG='" + config + "' bash " + cc::test::sourceDir() + "/scripts/" + name +
                      " " + args + " > '" + log + "' 2>&1";
    int status = std::system(cmd.c_str());
    std::string out = cc::test::readFile(log);
    std::filesystem::remove(log);
    return {WEXITSTATUS(status), out};
  }

  std::vector<std::string> targetUsers() const {
    return cc::test::queryStrings(target_->databaseUrl(), "SELECT email FROM \"User\" ORDER BY email");
  }

  /// What a restore could change: the users, and for SQLite the database file's bytes.
  std::string targetState() const {
    std::string state;
    for (auto& u : targetUsers()) state += u + "\n";
    std::string url = target_->databaseUrl();
    if (url.rfind("sqlite://", 0) == 0) state += cc::backup::sha256FileHex(url.substr(9));
    return state;
  }

  cc::test::TempDir backups_;
  cc::test::TempDir scratch_;
  std::unique_ptr<cc::test::HostProcess> source_, target_;
  std::string backup_;
};

INSTANTIATE_TEST_SUITE_P(Engines, EncryptedBackup, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace

TEST_P(EncryptedBackup, FileOnDiskHoldsNoPlaintextAndRestoresWithTheKey) {
  std::string bytes = cc::test::readFile(backup_);
  EXPECT_FALSE(contains(bytes, kSentinel));
  EXPECT_EQ(bytes.rfind(std::string("CCBKENC\0", 8), 0), 0u) << "not the encrypted container";
  // Not a gzip stream either (whose literals are not searchable): nothing to decompress.
  EXPECT_THROW(cc::backup::gunzipFile(backup_, [](const char*, std::size_t) {}), std::runtime_error);
  // With the key, the same bytes hold the sentinel: the search above could have found it.
  std::string sql;
  cc::backup::gunzipEncryptedFile(backup_, *cc::backup::parseEncryptionKey(kKey),
                                  [&](const char* d, std::size_t n) { sql.append(d, n); });
  EXPECT_TRUE(contains(sql, kSentinel));

  std::string manifest = cc::test::readFile(cc::backup::manifestPath(backup_));
  EXPECT_TRUE(contains(manifest, "\"encrypted\": true")) << manifest;
  EXPECT_TRUE(contains(manifest, "\"encryptionKeyId\": \"" + keyId(kKey) + "\"")) << manifest;
  EXPECT_EQ(cc::backup::Manifest::fromJson(manifest).sha256, cc::backup::sha256FileHex(backup_))
      << "the checksum is of the file on disk";
  for (const char* sidecar : {".manifest.json", ".sig", ".sha256"}) {
    std::string text = cc::test::readFile(backup_ + sidecar);
    EXPECT_FALSE(contains(text, kKey)) << sidecar;
    EXPECT_FALSE(contains(text, kSentinel)) << sidecar;
  }

  auto verify = run(target_->configPath(), {"backup-verify", backup_}, envWith(kKey));
  EXPECT_EQ(verify.exitCode, 0) << verify.output;
  EXPECT_TRUE(std::filesystem::exists(cc::backup::verifiedPath(backup_)));

  auto r = restore(kKey);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "decrypted with key " + keyId(kKey))) << r.output;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{kSentinel});
  EXPECT_FALSE(contains(r.output, kKey)) << "the key itself is never printed";
}

TEST_P(EncryptedBackup, WrongOrMissingKeyIsRefusedAndTheTargetUnchanged) {
  std::string before = targetState();
  auto wrong = restore(kOtherKey);
  EXPECT_EQ(wrong.exitCode, 1) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "was encrypted with another key (key id " + keyId(kKey) +
                                         "; BACKUP_ENCRYPTION_KEY has key id " + keyId(kOtherKey)))
      << wrong.output;
  EXPECT_FALSE(contains(wrong.output, kKey) || contains(wrong.output, kOtherKey)) << wrong.output;

  // Config without the key and no variable: refused by name, not by a gzip error.
  auto none = restore("");
  EXPECT_EQ(none.exitCode, 1) << none.output;
  EXPECT_TRUE(contains(none.output, "is encrypted (key id " + keyId(kKey) + ") and BACKUP_ENCRYPTION_KEY")) << none.output;

  auto verify = run(target_->configPath(), {"backup-verify", backup_}, envWith(kOtherKey));
  EXPECT_EQ(verify.exitCode, 1) << verify.output;
  EXPECT_TRUE(contains(verify.output, "encrypted with another key")) << verify.output;
  EXPECT_EQ(targetState(), before);
}

TEST_P(EncryptedBackup, FlippedByteOrCutFileIsRefusedAndTheTargetUnchanged) {
  std::string before = targetState();
  std::string original = cc::test::readFile(backup_);
  // Stale .sha256: caught by the checksum first.
  {
    std::string flipped = original;
    flipped[flipped.size() / 2] ^= 0x01;
    cc::test::writeFile(backup_, flipped);
    auto r = restore(kKey);
    EXPECT_EQ(r.exitCode, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "checksum mismatch")) << r.output;
  }
  // Checksums and signature brought in line: only the authentication tag can tell.
  for (auto edit : std::vector<std::function<void(std::string&)>>{
           [](std::string& b) { b[b.size() / 2] ^= 0x01; },                      // a flipped byte in the data
           [](std::string& b) { b[20] ^= 0x01; },                                // a flipped byte in the header's salt
           [](std::string& b) { b.resize(b.size() - 10); },                      // a cut tail
           [](std::string& b) { b.resize(cc::backup::kEncryptionHeaderBytes); },  // only the header left
       }) {
    cc::test::writeFile(backup_, original);
    alterAndReSign(backup_, edit);
    auto r = restore(kKey);
    EXPECT_EQ(r.exitCode, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "is truncated")) << r.output;
    EXPECT_TRUE(contains(r.output, backup_)) << "the message names the backup, not /proc/self/fd: " << r.output;
    auto [status, out] = script("restore-db.sh", "--dry-run '" + backup_ + "' development", kKey, target_->configPath());
    EXPECT_EQ(status, 1) << out;
    EXPECT_TRUE(contains(out, "a restore would be refused")) << out;
    EXPECT_EQ(targetState(), before);
  }
}

TEST_P(EncryptedBackup, ScriptsBackUpEncryptedAndRestoreWithTheKeyFromTheEnvironment) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // next file name (one per second)
  auto [status, out] = script("backup-db.sh", "development --no-upload", kKey, source_->configPath());
  ASSERT_EQ(status, 0) << out;
  auto dumps = filesEndingWith(backups_.str(), ".sql.gz.enc");
  ASSERT_EQ(dumps.size(), 2u) << out;
  EXPECT_FALSE(contains(cc::test::readFile(dumps[1]), kSentinel));
  EXPECT_TRUE(filesEndingWith(backups_.str(), ".sql.gz").empty()) << "no unencrypted copy";

  std::tie(status, out) = script("restore-db.sh", "'" + dumps[1] + "' development --yes", kOtherKey, target_->configPath());
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "encrypted with another key")) << out;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{"target@example.com"});
  std::tie(status, out) = script("restore-db.sh", "'" + dumps[1] + "' development --yes", kKey, target_->configPath());
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(targetUsers(), std::vector<std::string>{kSentinel});
}

TEST_P(EncryptedBackup, DryRunReportsEverythingAndChangesNothing) {
  std::string before = targetState();
  auto [status, out] = script("restore-db.sh", "--dry-run '" + backup_ + "' development", kKey, target_->configPath());
  EXPECT_EQ(status, 0) << out;
  for (const std::string& expected : std::vector<std::string>{std::string("dry run: nothing is changed"), "encrypted:   yes (AES-256-GCM, key id " + keyId(kKey) + ")",
        "key:         matches BACKUP_ENCRYPTION_KEY", std::string("engine:      ") + GetParam(),
        std::string("checksum:    sha256 matches"), "signature:   valid, signed with key",
        std::string("decrypts and authenticates, gzip stream complete"),
        std::string("a restore would replace ALL data in the development database"), std::string("created: "),
        std::string(" ago)"), std::string("rows (from the manifest)")})
    EXPECT_TRUE(contains(out, expected)) << expected << "\n" << out;
  EXPECT_TRUE(contains(out, "User ")) << out;  // per-table rows
  EXPECT_EQ(targetState(), before);

  std::tie(status, out) = script("restore-db.sh", "--dry-run '" + backup_ + "' development", kOtherKey, target_->configPath());
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "DOES NOT MATCH: BACKUP_ENCRYPTION_KEY has key id " + keyId(kOtherKey))) << out;
  EXPECT_TRUE(contains(out, "a restore would be refused: ")) << out;
  EXPECT_TRUE(contains(out, "encrypted with another key")) << out;

  std::filesystem::remove(cc::backup::signaturePath(backup_));
  std::tie(status, out) = script("restore-db.sh", "--dry-run '" + backup_ + "' development", kKey, target_->configPath());
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "is not signed")) << out;

  std::tie(status, out) = script("restore-db.sh", "--dry-run '" + backups_.str() + "/nothing.sql.gz' development", kKey,
                                 target_->configPath());
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(contains(out, "not found")) << out;
  EXPECT_EQ(targetState(), before);
}

TEST_P(EncryptedBackup, DryRunOfAnUnencryptedBackupSaysSo) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto r = run(source_->configPath(), {"backup"}, envWith(""));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto plain = filesEndingWith(backups_.str(), ".sql.gz");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_TRUE(contains(cc::test::readFile(cc::backup::manifestPath(plain[0])), "\"encrypted\": false"));
  std::string before = targetState();
  auto dry = run(target_->configPath(), {"restore", plain[0], "--dry-run"}, envWith(kKey));
  EXPECT_EQ(dry.exitCode, 0) << dry.output;
  EXPECT_TRUE(contains(dry.output, "encrypted:   no")) << dry.output;
  EXPECT_EQ(targetState(), before);
}

TEST_P(EncryptedBackup, DecryptCommandWritesTheCheckedGzipDumpToANewPrivateFile) {
  std::string out = scratch_.str() + "/dump.sql.gz";
  auto wrong = run(target_->configPath(), {"backup-decrypt", backup_, out}, envWith(kOtherKey));
  EXPECT_EQ(wrong.exitCode, 1) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "encrypted with another key")) << wrong.output;
  EXPECT_FALSE(std::filesystem::exists(out));

  auto r = run(target_->configPath(), {"backup-decrypt", backup_, out}, envWith(kKey));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string sql;
  cc::backup::gunzipFile(out, [&](const char* d, std::size_t n) { sql.append(d, n); });
  EXPECT_TRUE(contains(sql, kSentinel));

  auto again = run(target_->configPath(), {"backup-decrypt", backup_, out}, envWith(kKey));
  EXPECT_EQ(again.exitCode, 1) << "never replaces a file: " << again.output;
  auto usage = run(target_->configPath(), {"backup-decrypt", backup_}, envWith(kKey));
  EXPECT_EQ(usage.exitCode, 2) << usage.output;
}

TEST(EncryptionKeyConfig, AMalformedKeyIsRefusedAtStartWithItsPlaceAndNeverEchoed) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(encryptedPluginYaml(backups.str()));
  const std::string bad = "not-a-key-0123456789abcdef0123456789abcdef0123456789abcdef0123456";
  EXPECT_FALSE(host.start(envWith(bad)));
  EXPECT_TRUE(contains(host.output(), ".config.encryption_key (" + host.configPath() + ":")) << host.output();
  EXPECT_TRUE(contains(host.output(), "64 hex digits")) << host.output();
  EXPECT_FALSE(contains(host.output(), bad)) << host.output();

  // Without the key in the config, the variable is checked under its own name.
  cc::test::HostProcess plain(pluginYaml(backups.str()));
  auto r = run(plain.configPath(), {"backup"}, envWith(kKey.substr(0, 32)));
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "BACKUP_ENCRYPTION_KEY: must be 32 random bytes")) << r.output;
  EXPECT_FALSE(contains(r.output, kKey.substr(0, 32))) << r.output;
  EXPECT_TRUE(filesEndingWith(backups.str(), ".enc").empty());
}

// The container itself, beyond what a database-sized test reaches: several chunks, a chunk
// boundary cut, reordered chunks, appended bytes, and the sizes at the edges.
TEST(EncryptionContainer, ChunksAreBoundToTheirPlaceAndTheEnd) {
  cc::test::TempDir dir;
  auto key = *cc::backup::parseEncryptionKey(kKey);
  const std::size_t chunk = 1 << 16, sealed = chunk + 16, header = cc::backup::kEncryptionHeaderBytes;
  auto seal = [&](const std::string& plain) {
    std::string path = (dir.path() / ("f" + std::to_string(plain.size()))).string();
    std::filesystem::remove(path);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    {
      cc::backup::EncryptingWriter w(fd, path, key);
      w.write(reinterpret_cast<const unsigned char*>(plain.data()), plain.size());
      w.finish();
    }
    ::close(fd);
    return path;
  };
  auto open = [&](const std::string& path) {
    std::string out;
    cc::backup::decryptFile(path, key, [&](const char* d, std::size_t n) { out.append(d, n); });
    return out;
  };
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 7}) {
    std::string plain(size, '\0');
    for (std::size_t i = 0; i < size; ++i) plain[i] = static_cast<char>(i * 31 + i / 7);
    EXPECT_EQ(open(seal(plain)), plain) << size;
  }
  std::string plain(3 * chunk + 7, 'x');
  std::string path = seal(plain);
  std::string bytes = cc::test::readFile(path);
  ASSERT_EQ(bytes.size(), header + 3 * sealed + 7 + 16);
  auto refused = [&](std::string altered) {
    cc::test::writeFile(path, altered);
    try {
      open(path);
    } catch (const std::runtime_error& e) {
      return contains(e.what(), "truncated");
    }
    return false;
  };
  EXPECT_TRUE(refused(bytes.substr(0, header + 3 * sealed))) << "cut at a chunk boundary";
  EXPECT_TRUE(refused(bytes.substr(0, header + sealed))) << "only the first chunk";
  std::string swapped = bytes;
  swapped.replace(header, sealed, bytes.substr(header + sealed, sealed));
  swapped.replace(header + sealed, sealed, bytes.substr(header, sealed));
  EXPECT_TRUE(refused(swapped)) << "chunks 0 and 1 swapped";
  EXPECT_TRUE(refused(bytes + "x")) << "a byte appended";
  EXPECT_TRUE(refused(bytes.substr(0, header + 3 * sealed) + bytes.substr(header + 3 * sealed - sealed, sealed)))
      << "a chunk repeated as the last";

  auto other = *cc::backup::parseEncryptionKey(kOtherKey);
  cc::test::writeFile(path, bytes);
  try {
    cc::backup::decryptFile(path, other, [](const char*, std::size_t) {});
    ADD_FAILURE() << "another key opened the file";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "encrypted with another key")) << e.what();
  }
  EXPECT_FALSE(cc::backup::parseEncryptionKey(kKey.substr(1)));
  EXPECT_FALSE(cc::backup::parseEncryptionKey(kKey.substr(1) + "g"));
  EXPECT_FALSE(cc::backup::parseEncryptionKey(""));
}

class EncryptedS3Upload : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string script = s3rverScript();
    if (script.empty()) GTEST_SKIP() << "npm could not install s3rver (see build/test-node/s3rver/npm-install.log)";
    server_ = std::make_unique<S3rver>(script, s3data_.str());
    ASSERT_TRUE(server_->waitReady()) << "s3rver did not start";
  }
  cc::test::TempDir s3data_;
  std::unique_ptr<S3rver> server_;
};

TEST_F(EncryptedS3Upload, TheObjectInS3HoldsNoPlaintext) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(encryptedPluginYaml(backups.str()));
  ASSERT_TRUE(host.start(envWith(kKey))) << host.output();
  host.signup(kSentinel);
  host.stop();
  auto env = envWith(kKey);
  env.insert({{"AWS_ACCESS_KEY_ID", "S3RVER"},
              {"AWS_SECRET_ACCESS_KEY", "S3RVER-secret-value"},
              {"AWS_S3_BACKUP_BUCKET", "backups"},
              {"AWS_REGION", "us-east-1"},
              {"AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(server_->port())}});
  auto r = run(host.configPath(), {"backup"}, env);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto dumps = filesEndingWith(backups.str(), ".sql.gz.enc");
  ASSERT_EQ(dumps.size(), 1u);
  std::string key = std::filesystem::path(dumps[0]).filename().string();
  std::string object = cc::test::readFile(s3data_.path() / "backups" / (key + "._S3rver_object"));
  EXPECT_EQ(object, cc::test::readFile(dumps[0])) << "the object is the encrypted file as it is";
  EXPECT_FALSE(contains(object, kSentinel));
  EXPECT_EQ(object.rfind(std::string("CCBKENC\0", 8), 0), 0u);
  // And with the key the object decrypts to a dump holding the sentinel.
  std::string fetched = (backups.path() / "fetched.enc").string();
  cc::test::writeFile(fetched, object);
  std::string sql;
  cc::backup::gunzipEncryptedFile(fetched, *cc::backup::parseEncryptionKey(kKey),
                                  [&](const char* d, std::size_t n) { sql.append(d, n); });
  EXPECT_TRUE(contains(sql, kSentinel));
  std::string manifest = cc::test::readFile(s3data_.path() / "backups" / (key + ".manifest.json._S3rver_object"));
  EXPECT_FALSE(contains(manifest, kKey));
  EXPECT_TRUE(contains(manifest, "\"encrypted\": true")) << manifest;
}
