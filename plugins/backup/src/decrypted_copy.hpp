#pragma once
// The decrypted (still gzip-compressed) content of an encrypted backup, in a file without a
// name: created with O_TMPFILE (or created and unlinked at once), mode 0600, in the backup's
// folder, so it vanishes when the process ends, even on a crash. The restore engines read it
// through /proc/self/fd/N like any held backup file. Decrypting everything first means a
// restore never starts on bytes whose last chunk has not been authenticated yet.
#include "backup_encryption.hpp"

#include <string>

namespace cc::backup {

class DecryptedCopy {
 public:
  /// Decrypts `encryptedPath` (read through `readPath`) into a nameless file beside it.
  /// Throws what decryptFile() throws (wrong key, truncated, altered).
  DecryptedCopy(const std::string& encryptedPath, const std::string& readPath, const EncryptionKey& key);
  ~DecryptedCopy();
  DecryptedCopy(const DecryptedCopy&) = delete;
  DecryptedCopy& operator=(const DecryptedCopy&) = delete;

  /// A path that opens the decrypted copy.
  const std::string& readPath() const { return readPath_; }

 private:
  int fd_ = -1;
  std::string readPath_;
};

/// Copies `from` into a new file `to` (refused when it exists), mode 0600, fsynced: for
/// `codecouncil backup-decrypt`, whose output holds the whole database in the clear.
void copyToNewPrivateFile(const std::string& from, const std::string& to);

}  // namespace cc::backup
