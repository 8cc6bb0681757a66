// Retention by file age keeps the newest verified backups and the newest backup of all.
#include "backup_files.hpp"
#include "retention.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <utime.h>

using namespace cc::backup;

namespace {

constexpr std::time_t kNow = 1736906400;  // 2025-01-15T02:00:00Z
constexpr std::time_t kDay = 86400;

std::string makeBackup(const cc::test::TempDir& dir, std::time_t when, bool verified) {
  std::string path = (dir.path() / backupFileName("production", when)).string();
  cc::test::writeFile(path, "gz");
  cc::test::writeFile(checksumPath(path), "x");
  cc::test::writeFile(manifestPath(path), "{}");
  if (verified) cc::test::writeFile(verifiedPath(path), "{}");
  struct utimbuf times {when, when};
  ::utime(path.c_str(), &times);
  return path;
}

}  // namespace

TEST(BackupNames, FollowTheGuidesPattern) {
  EXPECT_EQ(backupFileName("production", kNow), "codecouncil-ai_production_20250115_020000.sql.gz");
  EXPECT_EQ(backupTimeFromName("codecouncil-ai_production_20250115_020000.sql.gz", "production"), kNow);
  EXPECT_FALSE(backupTimeFromName("codecouncil-ai_staging_20250115_020000.sql.gz", "production"));
  EXPECT_FALSE(backupTimeFromName("codecouncil-ai_production_2025011_020000.sql.gz", "production"));
  EXPECT_FALSE(backupTimeFromName("codecouncil-ai_production_20250115_020000.sql.gz.sha256", "production"));
}

TEST(Retention, DeletesExpiredBackupsButKeepsTheNewestVerifiedOnes) {
  cc::test::TempDir dir;
  // Newest first: 1 day old (unverified), 10 days (verified), 40, 50, 60 days (verified),
  // 70 days (unverified).
  auto fresh = makeBackup(dir, kNow - 1 * kDay, false);
  auto v10 = makeBackup(dir, kNow - 10 * kDay, true);
  auto v40 = makeBackup(dir, kNow - 40 * kDay, true);
  auto v50 = makeBackup(dir, kNow - 50 * kDay, true);
  auto v60 = makeBackup(dir, kNow - 60 * kDay, true);
  auto old = makeBackup(dir, kNow - 70 * kDay, false);

  auto result = applyRetention(dir.str(), "production", 30, 2, kNow);

  EXPECT_TRUE(std::filesystem::exists(fresh));
  EXPECT_TRUE(std::filesystem::exists(v10));
  EXPECT_TRUE(std::filesystem::exists(v40)) << "second-newest verified backup is kept although expired";
  EXPECT_FALSE(std::filesystem::exists(v50));
  EXPECT_FALSE(std::filesystem::exists(v60));
  EXPECT_FALSE(std::filesystem::exists(old));
  EXPECT_FALSE(std::filesystem::exists(manifestPath(v50))) << "sidecars go with their backup";
  EXPECT_FALSE(std::filesystem::exists(verifiedPath(v60)));
  EXPECT_EQ(result.deleted.size(), 3u);
}

TEST(Retention, NeverDeletesTheNewestBackupEvenWhenAllAreExpired) {
  cc::test::TempDir dir;
  auto newest = makeBackup(dir, kNow - 100 * kDay, false);
  auto older = makeBackup(dir, kNow - 101 * kDay, false);
  applyRetention(dir.str(), "production", 30, 0, kNow);
  EXPECT_TRUE(std::filesystem::exists(newest));
  EXPECT_FALSE(std::filesystem::exists(older));
}

TEST(Retention, IgnoresOtherEnvironmentsAndRemovesStaleTempFiles) {
  cc::test::TempDir dir;
  std::string staging = (dir.path() / backupFileName("staging", kNow - 90 * kDay)).string();
  cc::test::writeFile(staging, "gz");
  struct utimbuf t {kNow - 90 * kDay, kNow - 90 * kDay};
  ::utime(staging.c_str(), &t);
  std::string temp = (dir.path() / ".codecouncil-ai_production_20250101_000000.sql.gz.tmp-abc").string();
  cc::test::writeFile(temp, "partial");
  ::utime(temp.c_str(), &t);
  std::string orphan = (dir.path() / (backupFileName("production", kNow - 5 * kDay) + ".sha256")).string();
  cc::test::writeFile(orphan, "x");
  applyRetention(dir.str(), "production", 30, 3, kNow);
  EXPECT_TRUE(std::filesystem::exists(staging));
  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_FALSE(std::filesystem::exists(orphan));
}
