#pragma once
// Password hashing and small secret-handling helpers for the auth layer.
// Hashes are argon2id PHC strings, so parameters travel with each hash and can be raised
// later without a migration: old hashes keep verifying with the parameters they carry.
#include <cstddef>
#include <string>
#include <string_view>

namespace cc::core {

/// argon2id (OWASP minimum: m=19456 KiB, t=2, p=1), 16-byte salt from getrandom(2), 32-byte
/// hash; returns the PHC string "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>".
/// Throws std::runtime_error / std::system_error only if argon2 or the kernel RNG fails.
std::string hashPassword(const std::string& password);

/// Verifies against a PHC string using argon2's own constant-time verify. Only argon2id
/// hashes are accepted (no silent downgrade to argon2i/argon2d). Returns false for
/// malformed hashes; never throws.
bool verifyPassword(const std::string& password, const std::string& encodedHash);

/// A valid hash (same parameters as hashPassword) of a random, discarded password, so a
/// login for an unknown email costs the same time as a real one. Computed once, on first use.
const std::string& dummyPasswordHash();

/// Process-wide, once at start-up: allocations of 4 MiB and more (argon2id's 19 MiB block)
/// are mapped and unmapped on free, so memory goes back to the system after every hash.
/// glibc otherwise raises its mmap threshold after the first such free and keeps later blocks
/// in its per-thread arenas: resident memory then creeps towards arenas x 19 MiB even with
/// few hashes at once (measured: +111 MiB after 3 x 64 parallel logins with 2 hash slots,
/// +36 MiB with this setting). Freed heap memory is kept up to 8 MiB per arena (glibc's own
/// rule for that threshold) so that a freed SQLite page buffer is reused, not unmapped.
void returnHashMemoryAfterUse();

/// Constant-time comparison for secrets: the time depends on the lengths only, never on
/// where the contents differ. Lengths are not treated as secret.
bool constantTimeEquals(std::string_view a, std::string_view b);

/// `bytes` random bytes from getrandom(2), lowercase hex-encoded (2 * bytes characters).
/// Throws std::system_error if the kernel RNG fails.
std::string randomHex(std::size_t bytes);

}  // namespace cc::core
