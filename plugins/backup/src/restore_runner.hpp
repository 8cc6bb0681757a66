#pragma once
// Checking a backup file, restoring it into a database, and verifying it by a restore into a
// scratch database whose row counts and checksums must equal the manifest's.
#include "backup_settings.hpp"
#include "database_target.hpp"
#include "decrypted_copy.hpp"
#include "held_file.hpp"
#include "manifest.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cc::backup {

struct CheckedBackup {
  std::string path;
  std::shared_ptr<HeldFile> file;           ///< what was checked is what gets restored
  std::string manifestText;                 ///< the exact bytes the signature covers
  std::optional<std::string> signatureText; ///< the .sig file; nullopt when there is none
  Manifest manifest;
  std::uint64_t sqlBytes = 0;
  bool encrypted = false;                   ///< the file on disk is AES-256-GCM encrypted
  std::string encryptionKeyId;              ///< from the file's header when encrypted
  std::shared_ptr<DecryptedCopy> decrypted; ///< an encrypted backup's authenticated content
  /// Where the engines read the dump: the checked inode (or its decrypted copy), whatever
  /// the name points to now.
  std::string readPath() const { return decrypted ? decrypted->readPath() : file ? file->readPath() : path; }
};

/// The equivalent of `sha256sum -c` and `gzip -t`, plus the manifest and the dump's closing
/// line. Throws std::runtime_error naming the first problem. Says nothing about who made
/// the file: see requireSignature(). An encrypted backup is decrypted with `key` (every chunk
/// authenticated) into a nameless copy first; without a key, or with another one, it is
/// refused here, before any database is touched.
CheckedBackup checkBackupFile(const std::string& path, const EncryptionKey& key = EncryptionKey{});

/// Refuses a backup whose signature is missing, malformed, from another key or wrong, or
/// whose signed manifest names another file (a backup under another backup's name). With
/// `forceUnsigned` it returns that reason instead, for the caller to log loudly; "" when
/// the signature is valid.
std::string requireSignature(const CheckedBackup& backup, const SigningKey& key, bool forceUnsigned);

/// Replaces the content of `target` with the backup (engine must match). Throws on failure;
/// the engines restore in one transaction, so a failure leaves `target` as it was.
/// `keepScratchMarker`: the target is a verify scratch database; its marker table stays.
void restoreBackup(const CheckedBackup& backup, const DatabaseTarget& target, const BackupSettings& settings,
                   bool keepScratchMarker = false);

std::vector<TableStats> tableStats(const DatabaseTarget& target);

struct Verification {
  bool ok = false;
  std::vector<std::string> differences;  ///< table mismatches, or the error that stopped it
  std::string forcedPast;                ///< the signature problem --force-unsigned overrode
};

/// What a caller checks in the restored scratch copy besides row counts and checksums (the
/// restore drill: the sentinel); one line per problem, empty when fine.
using ScratchCheck = std::function<std::vector<std::string>(const DatabaseTarget& scratch, const Manifest& manifest)>;

struct VerifyExtras {
  ScratchCheck alsoCheck;
  /// Empty the verify_database_url scratch database afterwards (its marker stays): a drill
  /// leaves no copy of the data behind. The temporary database or file is always removed.
  bool emptyScratchAfter = false;
};

/// Restores into a scratch database (a temp SQLite file; for PostgreSQL verify_database_url,
/// held by a VerifyScratchLease, or a temporary database on the source's server), compares
/// with the manifest and, when equal, writes the ".verified" marker beside the backup.
/// The signature is required like for a restore (the scratch restore runs the dump too),
/// unless `forceUnsigned`.
Verification verifyBackup(const std::string& path, const DatabaseTarget& source, const BackupSettings& settings,
                          bool forceUnsigned = false, const VerifyExtras& extras = {});

}  // namespace cc::backup
