#include "restore_drill.hpp"

#include "backup_files.hpp"
#include "backup_runner.hpp"
#include "backup_sentinel.hpp"
#include "private_files.hpp"
#include "restore_runner.hpp"
#include "s3_backup_fetch.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>

namespace cc::backup {

std::string DrillOutcome::summary() const {
  std::string out;
  for (auto& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

namespace {

constexpr const char* kDrillFolderPrefix = ".s3-drill.tmp-";

// Download folders of drills that never finished (the process was killed or the machine went
// down mid-drill) would otherwise stay in backup_dir for ever: retention sweeps files, not
// folders. One untouched for a day cannot belong to a drill still running (drills are daily and
// the scheduler runs one at a time across hosts), so each drill removes those.
void sweepAbandonedDrillFolders(const std::string& backupDir) {
  std::error_code ec;
  const auto cutoff = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24);
  for (auto it = std::filesystem::directory_iterator(backupDir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    if (it->path().filename().string().rfind(kDrillFolderPrefix, 0) != 0 || !it->is_directory(ec)) continue;
    auto modified = it->last_write_time(ec);
    if (!ec && modified < cutoff) std::filesystem::remove_all(it->path(), ec);
  }
}

// A private (0700) folder in backup_dir for a drill's download, removed with everything in it
// (the dump, its sidecars, the scratch SQLite file and the .verified marker).
struct DrillDownloadFolder {
  std::string path;
  explicit DrillDownloadFolder(const std::string& backupDir) {
    std::string pattern = (std::filesystem::path(backupDir) / (std::string(kDrillFolderPrefix) + "XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot create a download folder in " + backupDir + ": " + std::strerror(errno));
    path = pattern;
  }
  ~DrillDownloadFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

DrillOutcome runRestoreDrill(const BackupSettings& settings, const DatabaseTarget& live, const std::string& environment) {
  DrillOutcome outcome;
  auto steady = std::chrono::steady_clock::now();
  outcome.startedAt = isoTimestamp(std::chrono::system_clock::now());
  try {
    VerifyExtras extras{[](const DatabaseTarget& scratch, const Manifest& m) { return sentinelProblems(scratch, m); },
                        true};
    // Newest first; a file under its final name always has its sidecars (the runner writes
    // them before the dump), so the newest is the one to prove, broken or not.
    sweepAbandonedDrillFolders(settings.backupDir);
    auto backups = listBackups(settings.backupDir, environment);
    // What S3 holds is asked of S3 itself: a lifecycle rule or a failed upload means the
    // journal's s3Key may name an object that is not there (and a restored database's journal
    // is older than the bucket).
    std::optional<RemoteBackup> remote;
    if (settings.s3.enabled()) {
      try {
        remote = newestBackupInS3(settings.s3, environment);
      } catch (const std::exception& e) {
        // Credentials allowed to upload but not to list (a write-only IAM policy) still have
        // a local backup to drill: prove that one and say what S3 answered. Without one, the
        // listing error is the reason the drill failed.
        if (backups.empty()) throw;
        outcome.warnings.push_back(std::string("cannot list the S3 copy, drilled the newest local backup: ") +
                                   e.what());
      }
    }
    if (remote && (backups.empty() || remote->createdAt > backups.front().createdAt)) {
      // The newest backup exists only in S3 (this machine lost it, or never had it).
      outcome.file = remote->url;
      outcome.fromS3 = true;
      ensurePrivateDirectory(settings.backupDir);
      DrillDownloadFolder folder(settings.backupDir);
      FetchedBackup fetched = fetchBackupFromS3(settings.s3, remote->name, folder.path);
      auto v = verifyBackup(fetched.path(), live, settings, false, extras);
      outcome.problems = v.differences;
      outcome.ok = v.ok;
    } else if (backups.empty()) {
      outcome.problems = {"no backup of environment " + environment + " in " + settings.backupDir +
                          (settings.s3.enabled() ? " or in S3" : "")};
    } else {
      outcome.file = backups.front().path;
      auto v = verifyBackup(outcome.file, live, settings, false, extras);
      outcome.problems = v.differences;
      outcome.ok = v.ok;
    }
  } catch (const std::exception& e) {
    outcome.ok = false;
    outcome.problems.push_back(e.what());
  }
  if (!outcome.ok && outcome.problems.empty()) outcome.problems.push_back("the drill failed without a reason");
  outcome.durationSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - steady).count();
  outcome.finishedAt = isoTimestamp(std::chrono::system_clock::now());
  return outcome;
}

}  // namespace cc::backup
