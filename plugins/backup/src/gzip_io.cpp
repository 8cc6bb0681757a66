#include "gzip_io.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace cc::backup {
namespace {

constexpr std::size_t kChunk = 1 << 16;
constexpr std::size_t kTail = 4096;

void writeAll(int fd, const unsigned char* data, std::size_t size, const std::string& path) {
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

}  // namespace

GzipWriter::GzipWriter(const std::string& path, int level) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  if (::fchmod(fd_, 0600) != 0) {  // the umask may have taken the owner's bits
    ::close(fd_);
    throw std::runtime_error("cannot chmod " + path + ": " + std::strerror(errno));
  }
  auto* zs = new z_stream{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(zs, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    delete zs;
    ::close(fd_);
    throw std::runtime_error("zlib deflateInit failed");
  }
  stream_ = zs;
}

GzipWriter::~GzipWriter() {
  if (stream_) {
    deflateEnd(static_cast<z_stream*>(stream_));
    delete static_cast<z_stream*>(stream_);
  }
  if (fd_ >= 0) ::close(fd_);
}

void GzipWriter::deflateChunk(int flush) {
  auto* zs = static_cast<z_stream*>(stream_);
  unsigned char out[kChunk];
  int rc = Z_OK;
  do {
    zs->next_out = out;
    zs->avail_out = kChunk;
    rc = deflate(zs, flush);
    if (rc == Z_STREAM_ERROR) throw std::runtime_error("zlib deflate failed");
    writeAll(fd_, out, kChunk - zs->avail_out, path_);
  } while (zs->avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

void GzipWriter::write(const char* data, std::size_t size) {
  if (finished_) throw std::logic_error("GzipWriter already finished");
  auto* zs = static_cast<z_stream*>(stream_);
  zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  zs->avail_in = static_cast<uInt>(size);
  deflateChunk(Z_NO_FLUSH);
  uncompressed_ += size;
  tail_.append(data, size);
  if (tail_.size() > 2 * kTail) tail_.erase(0, tail_.size() - kTail);
}

void GzipWriter::finish() {
  if (finished_) return;
  auto* zs = static_cast<z_stream*>(stream_);
  zs->next_in = nullptr;
  zs->avail_in = 0;
  deflateChunk(Z_FINISH);
  finished_ = true;
  if (::fsync(fd_) != 0) throw std::runtime_error("cannot fsync " + path_ + ": " + std::strerror(errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw std::runtime_error("cannot close " + path_ + ": " + std::strerror(errno));
  }
  fd_ = -1;
}

std::uint64_t gunzipFile(const std::string& path, const std::function<void(const char*, std::size_t)>& sink) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    ::close(fd);
    throw std::runtime_error("zlib inflateInit failed");
  }
  std::vector<unsigned char> in(kChunk), out(kChunk);
  std::uint64_t total = 0;
  bool ended = false;
  std::string error;
  try {
    while (!ended) {
      ssize_t n = ::read(fd, in.data(), in.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
      }
      if (n == 0) break;
      zs.next_in = in.data();
      zs.avail_in = static_cast<uInt>(n);
      while (zs.avail_in > 0 || zs.avail_out == 0) {
        zs.next_out = out.data();
        zs.avail_out = static_cast<uInt>(out.size());
        int rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR)
          throw std::runtime_error(path + " is corrupt (" + (zs.msg ? zs.msg : "bad data") + ")");
        std::size_t produced = out.size() - zs.avail_out;
        if (produced) sink(reinterpret_cast<const char*>(out.data()), produced);
        total += produced;
        if (rc == Z_STREAM_END) {
          ended = true;
          break;
        }
        if (rc == Z_BUF_ERROR) break;
      }
    }
    if (!ended) throw std::runtime_error(path + " is truncated (the gzip stream has no end)");
    if (zs.avail_in > 0) throw std::runtime_error(path + " has trailing data after the gzip stream");
    unsigned char extra;
    ssize_t more = ::read(fd, &extra, 1);
    if (more > 0) throw std::runtime_error(path + " has trailing data after the gzip stream");
  } catch (...) {
    inflateEnd(&zs);
    ::close(fd);
    throw;
  }
  inflateEnd(&zs);
  ::close(fd);
  return total;
}

}  // namespace cc::backup
