#include "gzip_io.hpp"

#include "backup_encryption.hpp"
#include "fd_io.hpp"

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

}  // namespace

GzipWriter::GzipWriter(const std::string& path, int level, const EncryptionKey* key) : path_(path) {
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
  try {
    if (key && !key->empty()) encrypt_ = std::make_unique<EncryptingWriter>(fd_, path_, *key);
  } catch (...) {
    deflateEnd(zs);
    delete zs;
    stream_ = nullptr;
    ::close(fd_);
    fd_ = -1;
    throw;
  }
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
    if (encrypt_) encrypt_->write(out, kChunk - zs->avail_out);
    else writeAll(fd_, out, kChunk - zs->avail_out, path_);
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
  if (encrypt_) encrypt_->finish();
  finished_ = true;
  if (::fsync(fd_) != 0) throw std::runtime_error("cannot fsync " + path_ + ": " + std::strerror(errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw std::runtime_error("cannot close " + path_ + ": " + std::strerror(errno));
  }
  fd_ = -1;
}

namespace {

// zlib inflate fed with compressed bytes as they come (from the file or from decryption);
// finish() fails unless exactly one complete gzip stream was seen.
class Inflater {
 public:
  Inflater(std::string path, const std::function<void(const char*, std::size_t)>& sink)
      : path_(std::move(path)), sink_(sink), out_(kChunk) {
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) throw std::runtime_error("zlib inflateInit failed");
  }
  ~Inflater() { inflateEnd(&zs_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  void push(const unsigned char* data, std::size_t size) {
    if (size == 0) return;
    if (ended_) throw std::runtime_error(path_ + " has trailing data after the gzip stream");
    zs_.next_in = const_cast<unsigned char*>(data);
    zs_.avail_in = static_cast<uInt>(size);
    while (zs_.avail_in > 0 || zs_.avail_out == 0) {
      zs_.next_out = out_.data();
      zs_.avail_out = static_cast<uInt>(out_.size());
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR)
        throw std::runtime_error(path_ + " is corrupt (" + (zs_.msg ? zs_.msg : "bad data") + ")");
      std::size_t produced = out_.size() - zs_.avail_out;
      if (produced) sink_(reinterpret_cast<const char*>(out_.data()), produced);
      total_ += produced;
      if (rc == Z_STREAM_END) {
        ended_ = true;
        if (zs_.avail_in > 0) throw std::runtime_error(path_ + " has trailing data after the gzip stream");
        break;
      }
      if (rc == Z_BUF_ERROR) break;
    }
  }

  std::uint64_t finish() const {
    if (!ended_) throw std::runtime_error(path_ + " is truncated (the gzip stream has no end)");
    return total_;
  }

 private:
  std::string path_;
  const std::function<void(const char*, std::size_t)>& sink_;
  z_stream zs_{};
  std::vector<unsigned char> out_;
  std::uint64_t total_ = 0;
  bool ended_ = false;
};

}  // namespace

std::uint64_t gunzipFile(const std::string& path, const std::function<void(const char*, std::size_t)>& sink) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  Inflater inflater(path, sink);
  std::vector<unsigned char> in(kChunk);
  for (;;) {
    ssize_t n = ::read(fd, in.data(), in.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    inflater.push(in.data(), static_cast<std::size_t>(n));
  }
  return inflater.finish();
}

std::uint64_t gunzipEncryptedFile(const std::string& path, const EncryptionKey& key,
                                  const std::function<void(const char*, std::size_t)>& sink) {
  Inflater inflater(path, sink);
  decryptFile(path, key, [&](const char* data, std::size_t size) {
    inflater.push(reinterpret_cast<const unsigned char*>(data), size);
  });
  return inflater.finish();
}

}  // namespace cc::backup
