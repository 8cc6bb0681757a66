#include "backup_encryption.hpp"

#include "digest.hpp"
#include "fd_io.hpp"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace cc::backup {
namespace {

constexpr char kMagic[8] = {'C', 'C', 'B', 'K', 'E', 'N', 'C', '\0'};
constexpr unsigned char kVersion = 1;
constexpr unsigned char kChunkLog2 = 16;  // 64 KiB, like age
constexpr std::size_t kKeyIdBytes = 8, kSaltBytes = 32, kPrefixBytes = 7, kTagBytes = 16;
constexpr std::size_t kKeyIdAt = 10, kSaltAt = kKeyIdAt + kKeyIdBytes, kPrefixAt = kSaltAt + kSaltBytes;
static_assert(kPrefixAt + kPrefixBytes == kEncryptionHeaderBytes);
constexpr const char* kHkdfInfo = "codecouncil backup encryption v1";

std::string keyIdBytes(const std::string& key) {
  return sha256(std::string("codecouncil backup encryption key id") + key).substr(0, kKeyIdBytes);
}

std::string hkdf(const std::string& key, const std::string& salt) {
  std::string out(32, '\0');
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  std::size_t len = out.size();
  bool ok = ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_salt(ctx, reinterpret_cast<const unsigned char*>(salt.data()),
                                        static_cast<int>(salt.size())) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, reinterpret_cast<const unsigned char*>(key.data()),
                                       static_cast<int>(key.size())) > 0 &&
            EVP_PKEY_CTX_add1_hkdf_info(ctx, reinterpret_cast<const unsigned char*>(kHkdfInfo),
                                        static_cast<int>(std::strlen(kHkdfInfo))) > 0 &&
            EVP_PKEY_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), &len) > 0 && len == out.size();
  EVP_PKEY_CTX_free(ctx);
  if (!ok) throw std::runtime_error("HKDF-SHA-256 failed (OpenSSL)");
  return out;
}

std::string nonceFor(const std::string& header, std::uint32_t counter, bool last) {
  std::string nonce = header.substr(kPrefixAt, kPrefixBytes);
  for (int shift = 24; shift >= 0; shift -= 8) nonce.push_back(static_cast<char>((counter >> shift) & 0xff));
  nonce.push_back(last ? 1 : 0);
  return nonce;
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

// One chunk, sealed (encrypt) or opened (decrypt); false when the tag does not match.
bool gcm(bool encrypt, const std::string& key, const std::string& nonce, const std::string& aad,
         const unsigned char* in, std::size_t size, unsigned char* out, unsigned char* tag) {
  CipherCtx c;
  auto* k = reinterpret_cast<const unsigned char*>(key.data());
  auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  int len = 0;
  if (!c.ctx || EVP_CipherInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1 ||
      EVP_CipherInit_ex(c.ctx, nullptr, nullptr, k, iv, encrypt) != 1 ||
      EVP_CipherUpdate(c.ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                       static_cast<int>(aad.size())) != 1)
    throw std::runtime_error("AES-256-GCM setup failed (OpenSSL)");
  if (size > 0 && EVP_CipherUpdate(c.ctx, out, &len, in, static_cast<int>(size)) != 1)
    throw std::runtime_error("AES-256-GCM failed (OpenSSL)");
  if (!encrypt && EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) != 1)
    throw std::runtime_error("AES-256-GCM tag setup failed (OpenSSL)");
  if (EVP_CipherFinal_ex(c.ctx, out + len, &len) != 1) {
    if (encrypt) throw std::runtime_error("AES-256-GCM failed (OpenSSL)");
    return false;
  }
  if (encrypt && EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1)
    throw std::runtime_error("AES-256-GCM tag failed (OpenSSL)");
  return true;
}

// Reads up to `size` bytes (fewer only at the end of the file).
std::size_t readFully(int fd, unsigned char* data, std::size_t size, const std::string& path) {
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, data + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string readHeader(int fd, const std::string& path) {
  std::string header(kEncryptionHeaderBytes, '\0');
  std::size_t got = readFully(fd, reinterpret_cast<unsigned char*>(header.data()), header.size(), path);
  if (got < sizeof kMagic || std::memcmp(header.data(), kMagic, sizeof kMagic) != 0)
    throw std::runtime_error(path + " is not an encrypted backup (no CCBKENC header)");
  if (got < header.size()) throw std::runtime_error(path + " is truncated (its encryption header is incomplete)");
  if (static_cast<unsigned char>(header[8]) != kVersion)
    throw std::runtime_error(path + " uses encryption format version " +
                             std::to_string(static_cast<unsigned char>(header[8])) +
                             ", this codecouncil reads version 1");
  if (static_cast<unsigned char>(header[9]) != kChunkLog2)
    throw std::runtime_error(path + " has an unsupported encryption chunk size");
  return header;
}

}  // namespace

std::optional<EncryptionKey> parseEncryptionKey(const std::string& text) {
  if (text.size() != 64) return std::nullopt;
  std::string bytes;
  for (std::size_t i = 0; i < 64; i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(hi * 16 + lo));
  }
  return EncryptionKey{bytes, toHex(keyIdBytes(bytes))};
}

bool isEncryptedBackup(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return false;
  char magic[sizeof kMagic];
  return ::read(f.fd, magic, sizeof magic) == static_cast<ssize_t>(sizeof magic) &&
         std::memcmp(magic, kMagic, sizeof magic) == 0;
}

std::string encryptedKeyId(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  return toHex(readHeader(f.fd, path).substr(kKeyIdAt, kKeyIdBytes));
}

EncryptingWriter::EncryptingWriter(int fd, std::string path, const EncryptionKey& key)
    : fd_(fd), path_(std::move(path)) {
  std::string random(kSaltBytes + kPrefixBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size())) != 1)
    throw std::runtime_error("no randomness for the backup encryption");
  header_.assign(kMagic, sizeof kMagic);
  header_.push_back(static_cast<char>(kVersion));
  header_.push_back(static_cast<char>(kChunkLog2));
  header_ += keyIdBytes(key.bytes) + random;
  fileKey_ = hkdf(key.bytes, random.substr(0, kSaltBytes));
  writeAll(fd_, reinterpret_cast<const unsigned char*>(header_.data()), header_.size(), path_);
}

EncryptingWriter::~EncryptingWriter() { OPENSSL_cleanse(fileKey_.data(), fileKey_.size()); }

void EncryptingWriter::write(const unsigned char* data, std::size_t size) {
  if (finished_) throw std::logic_error("EncryptingWriter already finished");
  const std::size_t chunk = std::size_t{1} << kChunkLog2;
  while (size > 0) {
    // A full buffer is sealed as "not last" only once more data arrives: the last chunk
    // is whatever finish() finds, so the writer never needs to know the total size.
    if (buffer_.size() == chunk) seal(false);
    std::size_t take = std::min(size, chunk - buffer_.size());
    buffer_.append(reinterpret_cast<const char*>(data), take);
    data += take;
    size -= take;
  }
}

void EncryptingWriter::finish() {
  if (finished_) return;
  seal(true);
  finished_ = true;
}

void EncryptingWriter::seal(bool last) {
  if (counter_ == UINT32_MAX) throw std::runtime_error("backup too large to encrypt (2^32 chunks)");
  std::vector<unsigned char> out(buffer_.size() + kTagBytes);
  gcm(true, fileKey_, nonceFor(header_, counter_, last), header_,
      reinterpret_cast<const unsigned char*>(buffer_.data()), buffer_.size(), out.data(), out.data() + buffer_.size());
  writeAll(fd_, out.data(), out.size(), path_);
  ++counter_;
  buffer_.clear();
}

std::uint64_t decryptFile(const std::string& path, const EncryptionKey& key,
                          const std::function<void(const char*, std::size_t)>& sink) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  std::string header = readHeader(f.fd, path);
  std::string fileKeyId = toHex(header.substr(kKeyIdAt, kKeyIdBytes));
  if (fileKeyId != key.id)
    throw std::runtime_error(path + " was encrypted with another key (key id " + fileKeyId +
                             "; BACKUP_ENCRYPTION_KEY has key id " + key.id +
                             "): restore it with the key it was made with (docs/backup.md, rotating the key)");
  std::string fileKey = hkdf(key.bytes, header.substr(kSaltAt, kSaltBytes));
  const std::size_t chunk = std::size_t{1} << kChunkLog2;
  // One sealed chunk plus one byte of look-ahead: a full chunk is the last one only when
  // nothing follows it.
  std::vector<unsigned char> in(chunk + kTagBytes + 1), out(chunk);
  std::size_t have = readFully(f.fd, in.data(), in.size(), path);
  std::uint64_t total = 0;
  for (std::uint32_t counter = 0;; ++counter) {
    bool last = have <= chunk + kTagBytes;
    std::size_t sealed = last ? have : chunk + kTagBytes;
    if (sealed < kTagBytes)
      throw std::runtime_error(path + " is truncated (encrypted chunk " + std::to_string(counter) + " is cut off)");
    std::size_t size = sealed - kTagBytes;
    if (!gcm(false, fileKey, nonceFor(header, counter, last), header, in.data(), size, out.data(), in.data() + size)) {
      OPENSSL_cleanse(fileKey.data(), fileKey.size());
      throw std::runtime_error(path + " is truncated or was altered: encrypted chunk " + std::to_string(counter) +
                               " fails authentication (AES-256-GCM)");
    }
    if (size > 0) sink(reinterpret_cast<const char*>(out.data()), size);
    total += size;
    if (last) break;
    in[0] = in[chunk + kTagBytes];  // the look-ahead byte starts the next chunk
    have = 1 + readFully(f.fd, in.data() + 1, in.size() - 1, path);
  }
  OPENSSL_cleanse(fileKey.data(), fileKey.size());
  return total;
}

}  // namespace cc::backup
