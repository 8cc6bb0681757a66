#pragma once
// Checking a backup file, restoring it into a database, and verifying it by a restore into a
// scratch database whose row counts and checksums must equal the manifest's.
#include "backup_settings.hpp"
#include "database_target.hpp"
#include "manifest.hpp"

#include <string>
#include <vector>

namespace cc::backup {

struct CheckedBackup {
  std::string path;
  Manifest manifest;
  std::uint64_t sqlBytes = 0;
};

/// The equivalent of `sha256sum -c` and `gzip -t`, plus the manifest and the dump's closing
/// line. Throws std::runtime_error naming the first problem.
CheckedBackup checkBackupFile(const std::string& path);

/// Replaces the content of `target` with the backup (engine must match). Throws on failure;
/// the engines restore in one transaction, so a failure leaves `target` as it was.
/// `keepScratchMarker`: the target is a verify scratch database; its marker table stays.
void restoreBackup(const CheckedBackup& backup, const DatabaseTarget& target, const BackupSettings& settings,
                   bool keepScratchMarker = false);

std::vector<TableStats> tableStats(const DatabaseTarget& target);

struct Verification {
  bool ok = false;
  std::vector<std::string> differences;  ///< table mismatches, or the error that stopped it
};

/// Restores into a scratch database (a temp SQLite file; for PostgreSQL verify_database_url,
/// held by a VerifyScratchLease, or a temporary database on the source's server), compares
/// with the manifest and, when equal, writes the ".verified" marker beside the backup.
Verification verifyBackup(const std::string& path, const DatabaseTarget& source, const BackupSettings& settings);

}  // namespace cc::backup
