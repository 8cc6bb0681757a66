#include "atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace cc::backup {
namespace {

std::string randomSuffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 10; ++i) s += chars[rng() % 36];
  return s;
}

std::string folderOf(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

std::string temporaryPathFor(const std::string& dir, const std::string& finalName) {
  return (std::filesystem::path(dir) / ("." + finalName + ".tmp-" + randomSuffix())).string();
}

void fsyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("cannot fsync " + dir + ": " + std::strerror(errno));
}

void writeFileAtomically(const std::string& path, const std::string& content) {
  std::string dir = folderOf(path);
  std::string tmp = temporaryPathFor(dir, std::filesystem::path(path).filename().string());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0 && ok) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    else {
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + why);
  }
  fsyncDirectory(dir);
}

void publishNoReplace(const std::string& temporary, const std::string& finalPath) {
  // link() fails with EEXIST instead of replacing, unlike rename().
  if (::link(temporary.c_str(), finalPath.c_str()) != 0)
    throw std::runtime_error("cannot create " + finalPath + ": " + std::strerror(errno));
  ::unlink(temporary.c_str());
  fsyncDirectory(folderOf(finalPath));
}

}  // namespace cc::backup
