#pragma once
// SHA-256 and HMAC-SHA-256 through OpenSSL (Poco 1.11's HMACEngine<SHA2Engine> does not compile).
#include <cstdint>
#include <string>

namespace cc::backup {

/// Raw 32-byte digest of `data`.
std::string sha256(const std::string& data);
std::string sha256Hex(const std::string& data);
/// Hex digest of a file's content, read in blocks. Throws std::runtime_error when unreadable.
std::string sha256FileHex(const std::string& path);
/// Raw 32-byte HMAC-SHA-256 of `data` under `key`.
std::string hmacSha256(const std::string& key, const std::string& data);
std::string toHex(const std::string& bytes);

/// Incremental SHA-256 for streams too large to hold in memory.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size);
  std::string finishHex();

 private:
  void* ctx_;
};

}  // namespace cc::backup
