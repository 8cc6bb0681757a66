#pragma once
// A backup file opened once and read through that descriptor from then on: the checks
// (checksum, signature) and the restore see the same inode even if someone with write
// access to the backup folder swaps the name in between.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace cc::backup {

class HeldFile {
 public:
  explicit HeldFile(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    std::string viaFd = "/proc/self/fd/" + std::to_string(fd_);
    // Opening /proc/self/fd/N reopens this very inode; without /proc, fall back to the name.
    readPath_ = ::access(viaFd.c_str(), R_OK) == 0 ? viaFd : path;
  }
  ~HeldFile() { ::close(fd_); }
  HeldFile(const HeldFile&) = delete;
  HeldFile& operator=(const HeldFile&) = delete;

  const std::string& path() const { return path_; }
  /// A path that opens the held inode.
  const std::string& readPath() const { return readPath_; }

 private:
  std::string path_;
  int fd_;
  std::string readPath_;
};

}  // namespace cc::backup
