// Off-site copy to a local fake S3 (s3rver from npm, installed under the build folder on
// first use). s3rver parses the SigV4 Authorization header and checks the access key id
// (S3RVER) but does not recompute v4 signatures: those are proven against AWS's published
// vectors in sigv4_test.cpp. It records the storage class it was given.
#include "backup_test_support.hpp"
#include "s3_client.hpp"
#include "s3rver_support.hpp"

using namespace backup_test;

namespace {

class S3Upload : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string script = s3rverScript();
    if (script.empty()) GTEST_SKIP() << "npm could not install s3rver (see build/test-node/s3rver/npm-install.log)";
    server_ = std::make_unique<S3rver>(script, s3data_.str());
    ASSERT_TRUE(server_->waitReady()) << "s3rver did not start";
  }
  std::map<std::string, std::string> awsEnv(const std::string& keyId = "S3RVER") const {
    return {{"AWS_ACCESS_KEY_ID", keyId},
            {"AWS_SECRET_ACCESS_KEY", "S3RVER-secret-value"},
            {"AWS_S3_BACKUP_BUCKET", "backups"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(server_->port())}};
  }
  std::string stored(const std::string& key, const std::string& what) const {
    return (s3data_.path() / "backups" / (key + "._S3rver_" + what)).string();
  }

  cc::test::TempDir s3data_;
  std::unique_ptr<S3rver> server_;
};

}  // namespace

TEST_F(S3Upload, BackupAndManifestAreUploadedAsGlacier) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()));
  auto r = run(host.configPath(), {"backup"}, awsEnv());
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("uploaded to s3://backups/"), std::string::npos) << r.output;
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u);
  std::string key = std::filesystem::path(dumps[0]).filename().string();

  ASSERT_TRUE(std::filesystem::exists(stored(key, "object"))) << r.output;
  EXPECT_EQ(std::filesystem::file_size(stored(key, "object")), std::filesystem::file_size(dumps[0]));
  EXPECT_NE(cc::test::readFile(stored(key, "metadata.json")).find("\"x-amz-storage-class\": \"GLACIER\""),
            std::string::npos)
      << cc::test::readFile(stored(key, "metadata.json"));
  EXPECT_TRUE(std::filesystem::exists(stored(key + ".manifest.json", "object")));
  // The signature travels with the copy, so a backup fetched from S3 restores too (the key does not).
  EXPECT_EQ(cc::test::readFile(stored(key + ".sig", "object")), cc::test::readFile(dumps[0] + ".sig"));

  // Our own HeadObject sees the same.
  cc::backup::S3Settings s3;
  s3.bucket = "backups";
  s3.endpoint = "http://127.0.0.1:" + std::to_string(server_->port());
  s3.pathStyle = true;
  cc::backup::S3Client client(s3, {"S3RVER", "S3RVER", ""});
  auto info = client.head(key);
  EXPECT_EQ(info.size, std::filesystem::file_size(dumps[0]));
  EXPECT_EQ(info.storageClass, "GLACIER");
}

TEST_F(S3Upload, StorageClassIsConfigurable) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str(), "s3: { storage_class: STANDARD_IA, prefix: \"nightly/\" }"));
  auto r = run(host.configPath(), {"backup"}, awsEnv());
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto dumps = filesEndingWith(backups.str(), ".sql.gz");
  ASSERT_EQ(dumps.size(), 1u);
  std::string key = "nightly/" + std::filesystem::path(dumps[0]).filename().string();
  EXPECT_NE(cc::test::readFile(stored(key, "metadata.json")).find("STANDARD_IA"), std::string::npos);
}

TEST_F(S3Upload, RejectedUploadFailsTheRunWithoutLeakingTheSecret) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()));
  auto r = run(host.configPath(), {"backup"}, awsEnv("UNKNOWNKEY"));
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("InvalidAccessKeyId"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("S3RVER-secret-value"), std::string::npos) << r.output;
  // The local backup is complete and kept: only the off-site copy failed.
  EXPECT_EQ(filesEndingWith(backups.str(), ".sql.gz").size(), 1u);
  EXPECT_EQ(cc::test::queryStrings(host.databaseUrl(), "SELECT status FROM backup_runs"),
            std::vector<std::string>{"failed"});
}

TEST_F(S3Upload, MissingCredentialsFailTheRun) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str()));
  auto env = awsEnv();
  env["AWS_SECRET_ACCESS_KEY"] = "";
  auto r = run(host.configPath(), {"backup"}, env);
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("AWS_SECRET_ACCESS_KEY is not set"), std::string::npos) << r.output;
}
