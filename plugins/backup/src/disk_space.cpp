#include "disk_space.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace cc::backup {
namespace {

std::string plainNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string megabytes(std::uint64_t bytes) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

SpaceDecision decideFreeSpace(const std::string& dir, std::uint64_t estimateBytes, double factor,
                              std::uint64_t reserveBytes, std::uint64_t freeBytes) {
  SpaceDecision d;
  d.freeBytes = freeBytes;
  // Saturating arithmetic: an absurd estimate or reserve must refuse, never wrap to "fits".
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  // The factor in parts per million and integer maths: 100 MB x 1.1 is 110 MB exactly, not
  // 110 MB + 1 byte as in doubles.
  auto ppm = static_cast<unsigned __int128>(std::llround(std::clamp(factor, 0.0, 1e6) * 1e6));
  unsigned __int128 scaled = (static_cast<unsigned __int128>(estimateBytes) * ppm + 999'999) / 1'000'000;
  std::uint64_t need = scaled >= kMax ? kMax : static_cast<std::uint64_t>(scaled);
  d.requiredBytes = need > kMax - reserveBytes ? kMax : need + reserveBytes;
  d.ok = freeBytes >= d.requiredBytes;
  if (!d.ok)
    d.reason = "not enough free space in " + dir + ": need ~" + megabytes(d.requiredBytes) + ", have " +
               megabytes(freeBytes) + " (estimated backup size " + megabytes(estimateBytes) + " x " +
               plainNumber(factor) + " + min_free_bytes " + megabytes(reserveBytes) + ")";
  return d;
}

std::uint64_t freeBytesIn(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0)
    throw std::runtime_error("cannot read the free space of " + dir + ": " + std::strerror(errno));
  return static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_frsize);
}

}  // namespace cc::backup
