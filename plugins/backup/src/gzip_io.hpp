#pragma once
// gzip files through zlib: a writer that fsyncs, and a reader that fails on truncation or a
// bad CRC instead of returning a short stream (the equivalent of `gzip -t`).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace cc::backup {

struct EncryptionKey;
class EncryptingWriter;

class GzipWriter {
 public:
  /// Creates `path` (must not exist; mode 0600) and compresses into it at `level` (1-9).
  /// With a non-empty `key` the gzip stream is encrypted before it reaches the file
  /// (backup_encryption.hpp), so no plaintext byte is ever written.
  GzipWriter(const std::string& path, int level = 9, const EncryptionKey* key = nullptr);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void write(const char* data, std::size_t size);
  void write(const std::string& text) { write(text.data(), text.size()); }
  /// Flushes the gzip trailer and fsyncs the file. Throws on any I/O error.
  void finish();

  std::uint64_t uncompressedBytes() const { return uncompressed_; }
  /// The last few KiB of uncompressed data (to check a dump's closing line).
  const std::string& tail() const { return tail_; }

 private:
  void deflateChunk(int flush);
  std::string path_;
  int fd_ = -1;
  void* stream_ = nullptr;
  std::unique_ptr<EncryptingWriter> encrypt_;
  std::uint64_t uncompressed_ = 0;
  std::string tail_;
  bool finished_ = false;
};

/// Streams the uncompressed content of `path` to `sink` in chunks. Throws std::runtime_error
/// ("... is truncated" / "... is corrupt") when the file is not one complete gzip stream.
/// Returns the number of uncompressed bytes.
std::uint64_t gunzipFile(const std::string& path, const std::function<void(const char*, std::size_t)>& sink);

/// The same for an encrypted backup: decrypted (and authenticated) chunk by chunk, then
/// gunzipped. Throws for a wrong key, a truncated or altered file, or a bad gzip stream.
std::uint64_t gunzipEncryptedFile(const std::string& path, const EncryptionKey& key,
                                  const std::function<void(const char*, std::size_t)>& sink);

}  // namespace cc::backup
