#include "signing_key.hpp"

#include "digest.hpp"
#include "private_files.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace cc::backup {
namespace {

constexpr const char* kKeyFileName = "backup-signing.key";

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

std::string readKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the signing key " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key = trimmed(ss.str());
  if (key.size() < kMinSigningKeyLength)
    throw std::runtime_error("the signing key in " + path + " is shorter than " +
                             std::to_string(kMinSigningKeyLength) + " characters");
  return key;
}

// A new random key, published with link() so that two processes starting at once agree on
// one key instead of each signing with its own.
std::string createKeyFile(const std::string& path) {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a signing key");
  std::string key = toHex(std::string(reinterpret_cast<char*>(bytes), sizeof bytes));
  std::string temp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + temp + ": " + std::strerror(errno));
  std::string line = key + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  int linked = ok ? ::link(temp.c_str(), path.c_str()) : -1;
  int err = errno;
  ::unlink(temp.c_str());
  if (!ok) throw std::runtime_error("cannot write " + temp);
  if (linked != 0 && err != EEXIST) throw std::runtime_error("cannot create " + path + ": " + std::strerror(err));
  return readKeyFile(path);  // ours, or the one another process published first
}

bool isInside(const std::filesystem::path& child, const std::filesystem::path& folder) {
  auto c = std::filesystem::weakly_canonical(child);
  auto f = std::filesystem::weakly_canonical(folder);
  auto mismatch = std::mismatch(f.begin(), f.end(), c.begin(), c.end());
  return mismatch.first == f.end();
}

}  // namespace

SigningKey signingKeyFrom(const std::string& secret, const std::string& origin) {
  SigningKey k;
  k.secret = secret;
  k.id = toHex(hmacSha256(secret, "codecouncil backup signing key id")).substr(0, 16);
  k.origin = origin;
  return k;
}

void resolveSigningKey(BackupSettings& settings, const ConfigNode& pluginConfig, const HostInfo& host) {
  if (!settings.signing.empty()) return;
  if (host.environment == "production")
    throw ConfigError(pluginConfig["signing_key"].where(),
                      "is required in production: set BACKUP_SIGNING_KEY (at least " +
                          std::to_string(kMinSigningKeyLength) +
                          " characters, e.g. openssl rand -hex 32) and keep it outside backup_dir and its off-site "
                          "copies; backups are signed with it and restores refuse what it did not sign");
  std::filesystem::path file = std::filesystem::path(host.dataDir) / kKeyFileName;
  if (isInside(file, settings.backupDir))
    throw ConfigError(pluginConfig["signing_key"].where(),
                      "is not set, and the generated key " + file.string() +
                          " would sit inside backup_dir, beside what it signs: set BACKUP_SIGNING_KEY or move backup_dir");
  ensurePrivateDirectory(host.dataDir);  // usually there already; how open it is is the host's business
  std::error_code ec;
  std::string secret = std::filesystem::exists(file, ec) ? readKeyFile(file.string()) : createKeyFile(file.string());
  settings.signing = signingKeyFrom(secret, file.string());
}

}  // namespace cc::backup
