#include "decrypted_copy.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace cc::backup {
namespace {

// A 0600 file in `dir` that has no name: O_TMPFILE, else mkstemp + unlink.
int namelessFile(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string pattern = (std::filesystem::path(dir) / ".restore.decrypted.tmp-XXXXXX").string();
  fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(pattern.c_str());
  return fd;
}

}  // namespace

DecryptedCopy::DecryptedCopy(const std::string& encryptedPath, const std::string& readPath, const EncryptionKey& key) {
  std::string dir = std::filesystem::path(encryptedPath).parent_path().string();
  if (dir.empty()) dir = ".";
  fd_ = namelessFile(dir);
  // A read-only backup folder (a mounted download): the system's temp folder instead.
  if (fd_ < 0) fd_ = namelessFile(std::filesystem::temp_directory_path().string());
  if (fd_ < 0) throw std::runtime_error("cannot create a temporary file to decrypt " + encryptedPath + ": " +
                                        std::strerror(errno));
  ::fchmod(fd_, 0600);
  try {
    decryptFile(readPath, key, [&](const char* data, std::size_t size) {
      while (size > 0) {
        ssize_t n = ::write(fd_, data, size);
        if (n < 0) {
          if (errno == EINTR) continue;
          throw std::runtime_error("cannot write the decrypted copy of " + encryptedPath + ": " + std::strerror(errno));
        }
        data += n;
        size -= static_cast<std::size_t>(n);
      }
    });
  } catch (...) {
    ::close(fd_);
    throw;
  }
  readPath_ = "/proc/self/fd/" + std::to_string(fd_);
}

DecryptedCopy::~DecryptedCopy() {
  if (fd_ >= 0) ::close(fd_);
}

void copyToNewPrivateFile(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw std::runtime_error("cannot open " + from + ": " + std::strerror(errno));
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) {
    int err = errno;
    ::close(in);
    throw std::runtime_error("cannot create " + to + ": " + std::strerror(err));
  }
  bool ok = ::fchmod(out, 0600) == 0;
  char buf[1 << 16];
  for (ssize_t n; ok && (n = ::read(in, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      ok = errno == EINTR;
      continue;
    }
    for (ssize_t done = 0; ok && done < n;) {
      ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
      if (w < 0) ok = errno == EINTR;
      else done += w;
    }
  }
  ok = ::fsync(out) == 0 && ok;
  ok = ::close(out) == 0 && ok;
  ::close(in);
  if (!ok) {
    ::unlink(to.c_str());
    throw std::runtime_error("cannot write " + to);
  }
}

}  // namespace cc::backup
