#include "private_files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace cc::backup {

void createPrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  }
  // The umask can only take bits away; fchmod states the mode outright.
  int rc = ::fchmod(fd, 0600);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error("cannot chmod " + path + ": " + std::strerror(err));
}

std::string ensurePrivateDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::path target = fs::absolute(dir).lexically_normal();
  // Top-down, so each folder this call creates gets 0700 before anything goes into it.
  fs::path partial;
  bool created = false;
  for (auto& part : target) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0) {
      created = true;
      if (::chmod(partial.c_str(), 0700) != 0)
        throw std::runtime_error("cannot chmod " + partial.string() + ": " + std::strerror(errno));
    } else if (errno != EEXIST) {
      throw std::runtime_error("cannot create folder " + partial.string() + ": " + std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw std::runtime_error(dir + " is not a folder");
  if (::access(target.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error("folder " + dir + " is not writable: " + std::strerror(errno));
  if (!created && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "folder " + dir + " has mode " + mode +
           ": other accounts can list it (the backups themselves are 0600); chmod 700 it unless shared on purpose";
  }
  return "";
}

}  // namespace cc::backup
