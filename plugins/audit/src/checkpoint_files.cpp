#include "checkpoint_files.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cc::audit {

namespace {

constexpr const char* kPrefix = "checkpoint-";
constexpr const char* kSuffix = ".json";
constexpr std::size_t kDigits = 10;
constexpr std::uintmax_t kMaxFileBytes = 64 * 1024;  // a checkpoint is ~400 bytes

std::string fileName(std::int64_t number) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%010lld", static_cast<long long>(number));
  return std::string(kPrefix) + digits + kSuffix;
}

// The number in "checkpoint-0000000042.json", or -1 for any other name.
std::int64_t numberIn(const std::string& name) {
  std::string prefix = kPrefix, suffix = kSuffix;
  if (name.size() != prefix.size() + kDigits + suffix.size()) return -1;
  if (name.compare(0, prefix.size(), prefix) != 0) return -1;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return -1;
  std::int64_t n = 0;
  for (std::size_t i = prefix.size(); i < prefix.size() + kDigits; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    n = n * 10 + (name[i] - '0');
  }
  return n;
}

void writeAll(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

void fsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string checkpointDir(const std::string& dataDir) { return (fs::path(dataDir) / "audit-checkpoints").string(); }

std::vector<CheckpointFile> readCheckpointFiles(const std::string& dir) {
  std::vector<CheckpointFile> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    std::string name = item.path().filename().string();
    std::int64_t number = numberIn(name);
    if (number < 0) continue;
    CheckpointFile f;
    f.name = name;
    f.numberInName = number;
    std::error_code sizeError;
    auto size = fs::file_size(item.path(), sizeError);
    if (sizeError || size > kMaxFileBytes) {
      f.problem = sizeError ? "cannot be read" : "is larger than a checkpoint can be";
    } else {
      std::ifstream in(item.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      try {
        f.checkpoint = checkpointFromJson(text.str());
        if (f.checkpoint->number != number) {
          f.problem = "holds checkpoint #" + std::to_string(f.checkpoint->number) + ", not the number in its name";
          f.checkpoint.reset();
        }
      } catch (const std::exception& e) {
        f.problem = std::string("is not a valid checkpoint: ") + e.what();
      }
    }
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(),
            [](const CheckpointFile& a, const CheckpointFile& b) { return a.numberInName < b.numberInName; });
  return files;
}

std::int64_t highestCheckpointFile(const std::string& dir) {
  std::int64_t highest = 0;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  for (const auto& item : fs::directory_iterator(dir, ec))
    highest = std::max(highest, numberIn(item.path().filename().string()));
  return highest;
}

void writeCheckpointFile(const std::string& dir, const Checkpoint& c) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  std::string finalPath = (fs::path(dir) / fileName(c.number)).string();
  if (fs::exists(finalPath, ec)) return;
  // Unique per writer: two threads (or hosts sharing the folder) may write the same checkpoint.
  static std::atomic<unsigned> serial{0};
  std::string temporary = finalPath + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(serial++);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + temporary + ": " + std::strerror(errno));
  try {
    writeAll(fd, toJson(c) + "\n", temporary);
    if (::fsync(fd) != 0) throw std::runtime_error("cannot fsync " + temporary + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  // link() refuses to replace: a checkpoint file, once there, is never overwritten.
  if (::link(temporary.c_str(), finalPath.c_str()) != 0 && errno != EEXIST) {
    int err = errno;
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot create " + finalPath + ": " + std::strerror(err));
  }
  ::unlink(temporary.c_str());
  fsyncPath(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace cc::audit
