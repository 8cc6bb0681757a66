#include "core/auth/password.hpp"

#include <argon2.h>
#include <malloc.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace cc::core {
namespace {

// OWASP Password Storage Cheat Sheet, argon2id minimum configuration.
constexpr std::uint32_t kTimeCost = 2;
constexpr std::uint32_t kMemoryKiB = 19456;
constexpr std::uint32_t kParallelism = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

/// Fills `out` from the kernel CSPRNG. getrandom(2) with flags 0 blocks only until the pool
/// is seeded at boot, never afterwards; it may return short reads (> 256 bytes) or be
/// interrupted by a signal, hence the loop.
void fillRandom(unsigned char* out, std::size_t size) {
  while (size > 0) {
    ssize_t got = ::getrandom(out, size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    out += got;
    size -= static_cast<std::size_t>(got);
  }
}

std::string toHex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[data[i] >> 4];
    hex[2 * i + 1] = kDigits[data[i] & 0x0f];
  }
  return hex;
}

/// A stored hash must be one NUL-free argon2id PHC string: c_str() would otherwise silently
/// verify against a truncated prefix, and accepting argon2i/argon2d would be a downgrade.
bool looksLikeArgon2id(const std::string& encodedHash) {
  return encodedHash.size() > kArgon2idPrefix.size() &&
         std::string_view(encodedHash).substr(0, kArgon2idPrefix.size()) == kArgon2idPrefix &&
         encodedHash.find('\0') == std::string::npos;
}

}  // namespace

std::string hashPassword(const std::string& password) {
  std::array<unsigned char, kSaltBytes> salt{};
  fillRandom(salt.data(), salt.size());

  // argon2_encodedlen includes the terminating NUL and may overestimate slightly; the
  // string is trimmed to the real length below.
  std::string encoded(
      argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltBytes, kHashBytes, Argon2_id), '\0');
  int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(), password.size(),
                                 salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool verifyPassword(const std::string& password, const std::string& encodedHash) {
  if (!looksLikeArgon2id(encodedHash)) return false;
  // argon2id_verify decodes the parameters from the string, recomputes, and compares in
  // constant time; any decoding problem comes back as an error code, never an exception.
  return argon2id_verify(encodedHash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& dummyPasswordHash() {
  // Same parameters as real hashes, so verifying against it costs the same. The random
  // password is never stored, so nothing can ever match. Magic statics make this thread-safe.
  static const std::string hash = hashPassword(randomHex(32));
  return hash;
}

void returnHashMemoryAfterUse() {
  // A fixed threshold also turns glibc's dynamic adjustment off. 4 MiB: far above request
  // bodies and JSON (those stay on the fast heap path), far below an argon2 block.
  ::mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
  // Turning the adjustment off also froze the trim threshold at 128 KiB, where glibc's own
  // rule would have raised it to twice the mmap threshold: every SQLite commit (about 120 KiB
  // of page buffers freed) then gave a per-thread arena's top back with madvise(2), a TLB
  // flush on every core each time; on counted requests (one commit each) that was most of
  // the host's CPU (docs/performance.md, "Throughput as shipped"). 8 MiB is glibc's rule.
  ::mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // OR-accumulate every byte difference instead of returning at the first mismatch;
  // volatile keeps the optimiser from reintroducing an early exit.
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::string randomHex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  fillRandom(buffer.data(), buffer.size());
  return toHex(buffer.data(), buffer.size());
}

}  // namespace cc::core
