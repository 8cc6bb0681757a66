// Backups check free space before writing: the decision with given numbers, statvfs on a real
// small file system, and `codecouncil backup` / backup-db.sh refusing on a nearly full tmpfs
// (mounted by the test; skipped with a reason when mounting is not permitted).
#include "backup_test_support.hpp"
#include "disk_space.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

using namespace backup_test;
using cc::backup::decideFreeSpace;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

/// A tmpfs of `bytes` mounted on a fresh folder under `parent`; unmounted on destruction.
/// Declare it after the TempDir it lives in, so it is unmounted before the folder goes.
class TmpfsMount {
 public:
  TmpfsMount(const cc::test::TempDir& parent, std::uint64_t bytes) : dir_((parent.path() / "disk").string()) {
    std::filesystem::create_directories(dir_);
    std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0) mounted_ = true;
    else error_ = std::strerror(errno);
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

#define MOUNT_TMPFS_OR_SKIP(name, parent, bytes)                                                         \
  TmpfsMount name(parent, bytes);                                                                        \
  if (!name.mounted())                                                                                   \
  GTEST_SKIP() << "cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): " << name.error()

/// Takes all but `leaveFree` bytes of the file system holding `dir` with one real file.
std::string fillLeaving(const std::string& dir, std::uint64_t leaveFree) {
  std::string path = dir + "/filler.bin";
  std::uint64_t size = cc::backup::freeBytesIn(dir) - leaveFree;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  EXPECT_GE(fd, 0) << std::strerror(errno);
  EXPECT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(size)), 0);
  ::close(fd);
  return path;
}

std::vector<std::string> filesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> runStatuses(const std::string& databaseUrl) {
  return cc::test::queryStrings(databaseUrl, "SELECT status FROM backup_runs ORDER BY \"finishedAt\"");
}

}  // namespace

// --- the decision, with given numbers -------------------------------------------------------

TEST(FreeSpaceDecision, FitsExactlyAtEstimateTimesFactorPlusReserve) {
  // 100 MB * 1.1 + 50 MB = 160 MB.
  auto d = decideFreeSpace("/backups", 100'000'000, 1.1, 50'000'000, 160'000'000);
  EXPECT_TRUE(d.ok) << d.reason;
  EXPECT_EQ(d.requiredBytes, 160'000'000u);
  EXPECT_TRUE(d.reason.empty());
  EXPECT_FALSE(decideFreeSpace("/backups", 100'000'000, 1.1, 50'000'000, 159'999'999).ok);
}

TEST(FreeSpaceDecision, RefusalNamesTheFolderWhatIsNeededAndWhatIsFree) {
  auto d = decideFreeSpace("/mnt/backups", 100'000'000, 1.1, 1'000'000'000, 300'000'000);
  ASSERT_FALSE(d.ok);
  EXPECT_EQ(d.requiredBytes, 1'110'000'000u);
  EXPECT_EQ(d.freeBytes, 300'000'000u);
  EXPECT_EQ(d.reason,
            "not enough free space in /mnt/backups: need ~1110.0 MB, have 300.0 MB "
            "(estimated backup size 100.0 MB x 1.1 + min_free_bytes 1000.0 MB)");
}

TEST(FreeSpaceDecision, ReserveAloneCanRefuseAndFactorScalesTheEstimate) {
  EXPECT_FALSE(decideFreeSpace("/b", 0, 1.1, 1 << 30, (1 << 30) - 1).ok) << "the reserve is kept free";
  EXPECT_TRUE(decideFreeSpace("/b", 0, 1.1, 0, 0).ok) << "an empty estimate and no reserve always fit";
  EXPECT_EQ(decideFreeSpace("/b", 1000, 2.0, 0, 0).requiredBytes, 2000u);
  EXPECT_EQ(decideFreeSpace("/b", 1000, 1.0, 0, 0).requiredBytes, 1000u);
  EXPECT_EQ(decideFreeSpace("/b", 1001, 1.1, 0, 0).requiredBytes, 1102u) << "rounded up, never down";
}

TEST(FreeSpaceDecision, HugeNumbersSaturateInsteadOfWrappingToFits) {
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  auto d = decideFreeSpace("/b", kMax / 2, 3.0, 0, kMax - 1);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.requiredBytes, kMax);
  EXPECT_FALSE(decideFreeSpace("/b", 10, 1.0, kMax - 5, kMax - 1).ok);
}

// --- statvfs on a real small file system ----------------------------------------------------

TEST(FreeSpaceReading, StatvfsSeesTheSizeOfASmallTmpfsAndWhatAFileTakes) {
  cc::test::TempDir parent;
  MOUNT_TMPFS_OR_SKIP(disk, parent, 2 * kMiB);
  EXPECT_EQ(cc::backup::freeBytesIn(disk.dir()), 2 * kMiB);
  fillLeaving(disk.dir(), 256 * 1024);
  EXPECT_EQ(cc::backup::freeBytesIn(disk.dir()), 256u * 1024);
  EXPECT_THROW(cc::backup::freeBytesIn(disk.dir() + "/missing"), std::runtime_error);
}

// --- the real binary on a nearly full disk --------------------------------------------------

class BackupFreeSpace : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Engines, BackupFreeSpace, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(BackupFreeSpace, RefusesUpFrontOnAFullDiskRecordsTheReasonAndLeavesNothing) {
  SKIP_WITHOUT_POSTGRES(GetParam());
  cc::test::TempDir parent;
  // 64 MiB holds a test database's backup (PostgreSQL's estimate, pg_database_size, is ~8 MB);
  // tmpfs only uses memory for what is written.
  MOUNT_TMPFS_OR_SKIP(disk, parent, 64 * kMiB);
  cc::test::HostProcess host(pluginYaml(disk.dir()), "", databaseFor(GetParam(), "bk_space"));
  ASSERT_TRUE(host.start()) << host.output();
  for (int i = 0; i < 3; ++i) host.signup("space" + std::to_string(i) + "@example.com");
  host.stop();

  // 1. The default reserve (min_free_bytes 1 GiB) does not fit on a 64 MiB disk.
  auto r = run(host.configPath(), {"backup"});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("FAILED: not enough free space in " + disk.dir() + ": need ~"), std::string::npos)
      << r.output;
  EXPECT_TRUE(filesIn(disk.dir()).empty()) << "refused before writing anything";

  // 2. No reserve, but the disk is full but for 64 KiB: the estimate itself does not fit.
  cc::test::HostProcess noReserve(pluginYaml(disk.dir(), "min_free_bytes: 0"), "", host.databaseUrl());
  std::string filler = fillLeaving(disk.dir(), 64 * 1024);
  r = run(noReserve.configPath(), {"backup"});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("not enough free space in " + disk.dir()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("have 0.1 MB"), std::string::npos) << "the real statvfs reading: " << r.output;
  EXPECT_EQ(filesIn(disk.dir()), std::vector<std::string>{"filler.bin"}) << "no temp, snapshot or partial dump";
  EXPECT_EQ(std::filesystem::file_size(filler), 64 * kMiB - 64 * 1024) << "other data on the disk untouched";

  // 3. Room again: the same check lets the backup through (the estimate fits on 64 MiB).
  std::filesystem::remove(filler);
  r = run(noReserve.configPath(), {"backup"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(filesEndingWith(disk.dir(), ".sql.gz").size(), 1u);

  // Refusals go through the failure path of every backup failure: failed rows with the reason
  // in backup_runs, which a serving instance publishes as backup_failed.
  EXPECT_EQ(runStatuses(host.databaseUrl()), (std::vector<std::string>{"failed", "failed", "succeeded"}));
  auto errors = cc::test::queryStrings(host.databaseUrl(),
                                       "SELECT error FROM backup_runs WHERE status = 'failed' ORDER BY \"finishedAt\"");
  ASSERT_EQ(errors.size(), 2u);
  for (auto& e : errors) EXPECT_EQ(e.rfind("not enough free space in " + disk.dir(), 0), 0u) << e;
}

TEST(BackupFreeSpaceConfig, RejectsAFactorOutOfRange) {
  cc::test::TempDir backups;
  cc::test::HostProcess host(pluginYaml(backups.str(), "free_space_factor: -1"));
  auto r = run(host.configPath(), {"backup"});
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("free_space_factor"), std::string::npos) << r.output;
  EXPECT_TRUE(filesIn(backups.str()).empty());
}

// --- scripts/backup-db.sh -------------------------------------------------------------------

namespace {

cc::test::ProcessResult runBackupScript(const std::string& config, const std::string& backupDir,
                                        const std::string& extraEnv, const std::string& logDir) {
  std::string log = logDir + "/script.log";
  std::string cmd = extraEnv + " BACKUP_DIR='" + backupDir + "' CODECOUNCIL_BIN='" + cc::test::hostBinary() +
                    "' CODECOUNCIL_CONFIG='" + config + "' bash " + cc::test::sourceDir() +
                    "/scripts/backup-db.sh development > '" + log + "' 2>&1";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, cc::test::readFile(log)};
}

}  // namespace

TEST(BackupScriptFreeSpace, RefusesBeforeRunningTheBinaryAndHonoursTheReserveVariable) {
  cc::test::TempDir parent, logs;
  MOUNT_TMPFS_OR_SKIP(disk, parent, 64 * kMiB);
  // No backup_dir in the config: the script's BACKUP_DIR decides, as in production.
  cc::test::HostProcess host(cc::test::bundledPlugin("backup", "{ schedule: \"off\", min_dump_bytes: 100 }"));
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("script-space@example.com");
  host.stop();
  // A folder that does not exist yet: the script checks the disk it would be created on.
  std::string backupDir = disk.dir() + "/nightly";

  auto r = runBackupScript(host.configPath(), backupDir, "", logs.str());
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("backup-db.sh: not enough free space in " + backupDir), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("have 67.1 MB"), std::string::npos) << r.output;
  EXPECT_TRUE(filesIn(disk.dir()).empty());
  EXPECT_TRUE(runStatuses(host.databaseUrl()).empty()) << "the binary never ran";

  // BACKUP_MIN_FREE_BYTES lowers the reserve for the script and the plugin alike.
  r = runBackupScript(host.configPath(), backupDir, "BACKUP_MIN_FREE_BYTES=1048576", logs.str());
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(filesEndingWith(backupDir, ".sql.gz").size(), 1u) << r.output;
  EXPECT_EQ(runStatuses(host.databaseUrl()), std::vector<std::string>{"succeeded"});

  r = runBackupScript(host.configPath(), backupDir, "BACKUP_MIN_FREE_BYTES=lots", logs.str());
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("BACKUP_MIN_FREE_BYTES"), std::string::npos) << r.output;
}
