#pragma once
// Encrypted backups: AES-256-GCM in fixed chunks (OpenSSL EVP), the streaming-AEAD shape of
// age and Tink, so a dump of any size is sealed and opened in constant memory and a cut-off,
// reordered or altered file fails instead of restoring part of a database.
//
// File layout (all integers big-endian):
//   header, 57 bytes:  "CCBKENC\0" | version 1 | log2(chunk size) 16 | key id (8 bytes)
//                      | salt (32 random bytes) | nonce prefix (7 random bytes)
//   chunks:            AES-256-GCM(plaintext chunk) || 16-byte tag, 64 KiB of plaintext each,
//                      the last one shorter (possibly empty)
// Chunk key  = HKDF-SHA-256(configured key, salt, "codecouncil backup encryption v1"): a fresh
//              key per file, the configured key is never used raw.
// Chunk nonce = nonce prefix | chunk counter (4 bytes) | 1 for the last chunk, else 0: a chunk
//              moved, dropped or marked last where it was not fails authentication.
// AAD        = the whole header, so version, key id and salt cannot be swapped either.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace cc::backup {

/// The configured BACKUP_ENCRYPTION_KEY: 32 bytes, given as 64 hex digits.
struct EncryptionKey {
  std::string bytes;  ///< 32 raw bytes; never logged, never in argv or a manifest
  std::string id;     ///< 16 hex digits of SHA-256("codecouncil backup encryption key id" | key)
  bool empty() const { return bytes.empty(); }
};

/// Parses 64 hex digits (`openssl rand -hex 32`); nullopt for anything else. The message a
/// caller prints must never contain `text`.
std::optional<EncryptionKey> parseEncryptionKey(const std::string& text);
inline constexpr const char* kEncryptionKeyRule =
    "must be 32 random bytes written as 64 hex digits (openssl rand -hex 32)";

inline constexpr std::size_t kEncryptionHeaderBytes = 57;

/// True when `path` starts with the encrypted-backup magic (false for a gzip dump).
bool isEncryptedBackup(const std::string& path);
/// The key id in an encrypted file's header; throws when the header is malformed.
std::string encryptedKeyId(const std::string& path);

/// Seals bytes written to it into `fd` (owned by the caller), chunk by chunk.
class EncryptingWriter {
 public:
  EncryptingWriter(int fd, std::string path, const EncryptionKey& key);
  ~EncryptingWriter();
  EncryptingWriter(const EncryptingWriter&) = delete;
  EncryptingWriter& operator=(const EncryptingWriter&) = delete;
  void write(const unsigned char* data, std::size_t size);
  /// Seals the last chunk. Throws on I/O errors.
  void finish();

 private:
  void seal(bool last);
  int fd_;
  std::string path_;
  std::string fileKey_;
  std::string header_;
  std::string buffer_;
  std::uint32_t counter_ = 0;
  bool finished_ = false;
};

/// Opens an encrypted file and streams the plaintext to `sink` chunk by chunk; a chunk
/// reaches the sink only after its tag checked. Throws std::runtime_error naming `path`
/// when it is not an encrypted backup, was made with another key ("... encrypted with
/// another key (key id X; BACKUP_ENCRYPTION_KEY has key id Y)"), or is truncated or altered.
/// Returns the number of plaintext bytes.
std::uint64_t decryptFile(const std::string& path, const EncryptionKey& key,
                          const std::function<void(const char*, std::size_t)>& sink);

}  // namespace cc::backup
