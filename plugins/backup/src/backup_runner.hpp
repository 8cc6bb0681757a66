#pragma once
// One backup, start to finish: dump a consistent snapshot to a temp file, check it, publish
// it under its final name with its .sha256 and manifest, optionally verify and upload it,
// then apply retention. The same code runs for `codecouncil backup`, the scripts and the
// scheduled job.
#include "backup_settings.hpp"
#include "database_target.hpp"

#include <Poco/Logger.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cc::backup {

struct BackupOptions {
  bool verify = false;
  bool upload = true;
  /// Takes the audit log's signed checkpoint for the manifest (AuditCheckpoints::checkpointNow);
  /// unset, or nullopt from it, leaves the manifest without one.
  std::function<std::optional<std::string>()> auditCheckpoint;
  /// Writes the backup_sentinel row naming this backup (file name, manifest createdAt) into
  /// the live database just before the dump (backup_sentinel.hpp); a failure fails the run,
  /// since a restore drill of that backup could not prove whose data it restored. Unset: no
  /// sentinel (tests that dump a bare database).
  using SentinelWriter = std::function<void(const std::string& file, const std::string& createdAt)>;
  SentinelWriter writeSentinel;
};

struct BackupOutcome {
  bool ok = false;
  std::string error;        ///< set when !ok
  std::string file;         ///< final path (empty when nothing was written)
  std::string engine;
  std::uint64_t bytes = 0;
  double durationSeconds = 0;
  bool verified = false;
  std::string s3Key;
  std::string startedAt, finishedAt;  ///< ISO-8601 UTC
  std::vector<std::string> pruned;
};

class BackupRunner {
 public:
  BackupRunner(BackupSettings settings, DatabaseTarget database, std::string environment, std::string version,
               Poco::Logger& logger);
  /// Never throws: failures are in the outcome. A failed run leaves no file under a final name.
  BackupOutcome run(const BackupOptions& options);

 private:
  void dumpAndPublish(BackupOutcome& outcome, const BackupOptions& options, const std::string& auditCheckpoint);
  /// The checkpoint for the manifest, "" when there is none. A failure is logged, not fatal:
  /// the backup matters more than its copy of the checkpoint.
  std::string takeAuditCheckpoint(const BackupOptions& options);
  /// Bytes backup_dir must hold at the peak of a run (an upper bound).
  std::uint64_t estimatedPeakBytes() const;
  /// Throws "not enough free space in <dir>: ..." when the estimate does not fit.
  void refuseWithoutFreeSpace() const;
  void upload(BackupOutcome& outcome);

  BackupSettings settings_;
  DatabaseTarget database_;
  std::string environment_;
  std::string version_;
  Poco::Logger& logger_;
};

/// ISO-8601 UTC with milliseconds, like the host's timestamps.
std::string isoTimestamp(std::chrono::system_clock::time_point when);

}  // namespace cc::backup
