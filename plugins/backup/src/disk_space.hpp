#pragma once
// The free-space check made before a backup writes anything: a full disk must refuse the
// backup up front (with a clear reason) instead of failing half-way, or filling the disk the
// database itself may need.
#include <cstdint>
#include <string>

namespace cc::backup {

struct SpaceDecision {
  bool ok = false;
  std::uint64_t requiredBytes = 0;  ///< estimate * factor + reserve
  std::uint64_t freeBytes = 0;
  std::string reason;               ///< set when !ok
};

/// Pure decision: refuse when freeBytes < estimateBytes * factor + reserveBytes.
/// `dir` only appears in the reason ("not enough free space in <dir>: need ~X MB, have Y MB").
SpaceDecision decideFreeSpace(const std::string& dir, std::uint64_t estimateBytes, double factor,
                              std::uint64_t reserveBytes, std::uint64_t freeBytes);

/// Bytes an unprivileged writer may still use in the file system holding `dir` (statvfs:
/// f_bavail * f_frsize, so the blocks reserved for root do not count). Throws on error.
std::uint64_t freeBytesIn(const std::string& dir);

/// "12.3 MB" (10^6 bytes, one decimal) for messages.
std::string megabytes(std::uint64_t bytes);

}  // namespace cc::backup
