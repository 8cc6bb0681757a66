#pragma once
// The backup plugin's settings: its `config:` map, with the environment variables the
// guide names (BACKUP_DIR, RETENTION_DAYS, AWS_*) as fallbacks when a key is absent.
#include "backup_encryption.hpp"

#include <codecouncil/sdk/config_reader.hpp>

#include <cstdint>
#include <string>

namespace cc::backup {

struct S3Settings {
  std::string bucket;          ///< empty: no off-site copy
  std::string prefix;          ///< key prefix, e.g. "codecouncil/"
  std::string region = "us-east-1";
  std::string endpoint;        ///< empty: https://s3.<region>.amazonaws.com
  std::string storageClass = "GLACIER";
  bool pathStyle = false;      ///< bucket in the path instead of the host name
  int timeoutSeconds = 300;
  /// Files larger than this go up as a multipart upload (a single PUT is refused above 5 GB).
  std::uint64_t multipartThresholdBytes = std::uint64_t{64} << 20;
  /// Size of every part but the last; S3 refuses smaller non-final parts than 5 MiB.
  std::uint64_t partSizeBytes = std::uint64_t{16} << 20;
  int partAttempts = 3;        ///< tries per part before the whole upload is aborted
  bool enabled() const { return !bucket.empty(); }

  /// The `s3:` keys; absent (or empty) ones fall back to the AWS_* variables.
  static void describe(ConfigReader& r, S3Settings& s);
};

/// The `restore_drill:` keys: the scheduled restore drill (restore_drill.hpp).
struct RestoreDrillSettings {
  bool enabled = true;
  /// Cron in UTC; daily, two hours after the default backup. "off" (or empty) disables it too.
  std::string schedule = "0 4 * * *";
  bool scheduled() const { return enabled && !schedule.empty() && schedule != "off"; }

  static void describe(ConfigReader& r, RestoreDrillSettings& s);
};

/// See signing_key.hpp.
struct SigningKey {
  std::string secret;  ///< never logged
  std::string id;      ///< first 16 hex digits of HMAC(secret, a fixed label): safe to show
  std::string origin;  ///< "signing_key", "BACKUP_SIGNING_KEY" or the key file's path
  bool empty() const { return secret.empty(); }
};

struct BackupSettings {
  std::string backupDir = "/var/backups/codecouncil-ai";
  std::string schedule = "0 2 * * *";  ///< empty or "off": no scheduled backup
  int retentionDays = 30;
  int keepVerified = 3;
  bool verifyAfterBackup = false;
  std::string verifyDatabaseUrl;       ///< PostgreSQL scratch database; empty: a temporary one
  std::int64_t minDumpBytes = 1024;    ///< smaller uncompressed dumps are refused
  /// Free space that must remain in backup_dir after the backup (BACKUP_MIN_FREE_BYTES): a
  /// backup must never take the last bytes of a disk the database may share.
  std::int64_t minFreeBytes = std::int64_t{1} << 30;
  double freeSpaceFactor = 1.1;        ///< safety margin on the size estimate
  std::string pgDump = "pg_dump";
  std::string psql = "psql";
  int publishIntervalSeconds = 30;
  S3Settings s3;
  RestoreDrillSettings restoreDrill;
  /// `signing_key` / $BACKUP_SIGNING_KEY as configured; resolveSigningKey() completes it.
  SigningKey signing;
  /// `encryption_key` / $BACKUP_ENCRYPTION_KEY as given (64 hex digits); empty: backups are
  /// not encrypted. Never logged; check() refuses anything else than 64 hex digits.
  std::string encryptionKeyText;
  EncryptionKey encryption;            ///< parsed from encryptionKeyText by finish()
  bool encrypted() const { return !encryption.empty(); }

  /// The plugin's config keys, with BACKUP_DIR, RETENTION_DAYS, BACKUP_MIN_FREE_BYTES and
  /// BACKUP_SIGNING_KEY, BACKUP_ENCRYPTION_KEY as fallbacks when a key is absent.
  static void describe(ConfigReader& r, BackupSettings& s);
  static void finish(BackupSettings& s);
  static void check(const BackupSettings& s, const ConfigNode& config, ConfigErrors& errors);
  /// A copy with a relative backup_dir resolved against `configDir`.
  BackupSettings resolvedAgainst(const std::string& configDir) const;
};

}  // namespace cc::backup
