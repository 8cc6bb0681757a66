#include "core/files/private_files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace cc::core {
namespace fs = std::filesystem;

namespace {

std::runtime_error systemError(const std::string& what, const fs::path& path) {
  return std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

// Reads the first line; nullopt-like empty string with `exists` false when there is no file.
std::string firstLine(const fs::path& file, bool& exists) {
  std::ifstream in(file);
  exists = static_cast<bool>(in);
  std::string line;
  if (exists) std::getline(in, line);
  return line;
}

void tightenIfShared(const fs::path& file, bool* tightened) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return;
  if (::chmod(file.c_str(), 0600) != 0) throw systemError("cannot make private (chmod 600)", file);
  if (tightened) *tightened = true;
}

// A new file `dir/.name.tmp-XXXXXX`, mode 0600 from the start (mkstemp), holding `content`.
fs::path writeTemporary(const fs::path& file, const std::string& content) {
  std::string pattern = (file.parent_path() / ("." + file.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(pattern.data());  // O_CREAT | O_EXCL, mode 0600
  if (fd < 0) throw systemError("cannot create", pattern);
  const std::string text = content + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(pattern.c_str());
    errno = saved;
    throw systemError("cannot write", pattern);
  }
  return pattern;
}

}  // namespace

void createPrivateDirectories(const fs::path& dir) {
  if (dir.empty() || fs::is_directory(dir)) return;
  createPrivateDirectories(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw systemError("cannot create folder", dir);
}

std::string readOrCreateSecretFile(const fs::path& file, std::size_t minBytes,
                                   const std::function<std::string()>& generate, bool* tightened) {
  bool exists = false;
  std::string value = firstLine(file, exists);
  if (exists && value.size() >= minBytes) {
    tightenIfShared(file, tightened);
    return value;
  }
  createPrivateDirectories(file.parent_path());
  const std::string fresh = generate();
  const fs::path temporary = writeTemporary(file, fresh);
  // link() never replaces: when another host linked its secret first, use that one.
  if (::link(temporary.c_str(), file.c_str()) == 0) {
    ::unlink(temporary.c_str());
    return fresh;
  }
  if (errno == EEXIST) {
    value = firstLine(file, exists);
    if (exists && value.size() >= minBytes) {
      ::unlink(temporary.c_str());
      tightenIfShared(file, tightened);
      return value;
    }
    // A short or empty file (an older version crashed while writing it): replace it whole.
    if (::rename(temporary.c_str(), file.c_str()) == 0) return fresh;
  }
  int saved = errno;
  ::unlink(temporary.c_str());
  errno = saved;
  throw systemError("cannot create", file);
}

}  // namespace cc::core
