#pragma once
// Writing to a file descriptor whole: write(2) may write less than asked or be interrupted,
// and a backup that silently lost its tail would still look complete to its writer.
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace cc::backup {

/// Writes all `size` bytes to `fd`, retrying short and interrupted writes; throws
/// "cannot write <path>: <reason>" on any other failure.
inline void writeAll(int fd, const unsigned char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace cc::backup
