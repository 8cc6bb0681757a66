#pragma once
// The restore drill: the newest backup of this environment in backup_dir (or in S3, when S3
// is configured and has a newer one: then it is downloaded into a private temporary folder in
// backup_dir and removed after the drill), checked (checksum,
// signature, decryption) and restored into the scratch verify database exactly as
// `backup-verify` does (never the live database), then every table's row count and checksum
// compared with the manifest and the backup_sentinel row compared with the backup's name and
// time. The scratch copy is removed (or emptied) afterwards.
#include "backup_settings.hpp"
#include "database_target.hpp"

#include <string>
#include <vector>

namespace cc::backup {

struct DrillOutcome {
  bool ok = false;
  std::string file;                   ///< the backup drilled (its object URL when from S3); empty when none
  bool fromS3 = false;                ///< the local copy was missing: the S3 copy was downloaded
  /// Said in the log as warnings, not failures (S3 could not be listed, the local copy was drilled).
  std::vector<std::string> warnings;
  std::vector<std::string> problems;  ///< mismatches, or the error that stopped the drill
  std::string startedAt, finishedAt;  ///< ISO-8601 UTC
  double durationSeconds = 0;
  /// The problems on one line ("; "), for logs, events and the journal.
  std::string summary() const;
};

/// Never throws: failures are in the outcome.
DrillOutcome runRestoreDrill(const BackupSettings& settings, const DatabaseTarget& live, const std::string& environment);

}  // namespace cc::backup
