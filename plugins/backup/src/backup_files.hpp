#pragma once
// Names of backup files and their sidecars, and the listing of a backup folder.
//   codecouncil-ai_<environment>_<YYYYMMDD_HHMMSS>.sql.gz   the dump (UTC time)
//   codecouncil-ai_<environment>_<YYYYMMDD_HHMMSS>.sql.gz.enc   the same, encrypted
//                              (backup_encryption.hpp); its sidecars are named after it
//   ....sql.gz.sha256          "<hex>  <name>" (sha256sum -c compatible)
//   ....sql.gz.manifest.json   engine, versions, per-table row counts and checksums
//   ....sql.gz.sig             HMAC-SHA-256 of the manifest (backup_signature.hpp)
//   ....sql.gz.verified        written when a restore into a scratch database matched
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace cc::backup {

std::string backupFileName(const std::string& environment, std::time_t when, bool encrypted = false);
/// "codecouncil-ai_<environment>_": what every backup file name of `environment` starts with.
std::string backupNamePrefix(const std::string& environment);
/// The UTC time in a backup file name of `environment`, or nullopt when the name is not one.
std::optional<std::time_t> backupTimeFromName(const std::string& name, const std::string& environment);
/// True for the name of a backup dump of any environment (names a caller passes on to S3 as
/// a key must be one: no folders, no other objects of the bucket).
bool isBackupFileName(const std::string& name);

inline std::string checksumPath(const std::string& backup) { return backup + ".sha256"; }
inline std::string manifestPath(const std::string& backup) { return backup + ".manifest.json"; }
inline std::string signaturePath(const std::string& backup) { return backup + ".sig"; }
inline std::string verifiedPath(const std::string& backup) { return backup + ".verified"; }

struct BackupFile {
  std::string path;
  std::string name;
  std::time_t createdAt = 0;  ///< from the name
  std::time_t modifiedAt = 0; ///< file mtime: what retention ages by
  bool verified = false;
};

/// Backups of `environment` in `dir`, newest first.
std::vector<BackupFile> listBackups(const std::string& dir, const std::string& environment);

}  // namespace cc::backup
