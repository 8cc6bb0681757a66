#include "retention.hpp"

#include "backup_files.hpp"

#include <filesystem>
#include <sys/stat.h>

namespace cc::backup {
namespace {

void removeWithSidecars(const std::string& path) {
  std::error_code ec;
  // The dump goes first: a sidecar without its dump is harmless, the reverse is not.
  std::filesystem::remove(path, ec);
  std::filesystem::remove(checksumPath(path), ec);
  std::filesystem::remove(manifestPath(path), ec);
  std::filesystem::remove(signaturePath(path), ec);
  std::filesystem::remove(verifiedPath(path), ec);
}

// Leftovers of interrupted runs: temp files and snapshots older than a day, sidecars whose
// dump is gone.
void removeLeftovers(const std::string& dir, const std::string& environment, std::time_t now) {
  std::error_code ec;
  const std::string prefix = "codecouncil-ai_" + environment + "_";
  for (auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    std::string path = entry.path().string();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    bool temp = name.rfind("." + prefix, 0) == 0 || name.rfind(".snapshot.db.tmp-", 0) == 0 ||
                name.rfind(".verify.db.tmp-", 0) == 0;
    if (temp && name.find(".tmp-") != std::string::npos && now - st.st_mtime > 86400) {
      std::filesystem::remove(path, ec);
      continue;
    }
    if (name.rfind(prefix, 0) != 0) continue;
    for (const char* suffix : {".sha256", ".manifest.json", ".sig", ".verified"}) {
      std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
        std::string dump = path.substr(0, path.size() - s.size());
        if (!std::filesystem::exists(dump, ec)) std::filesystem::remove(path, ec);
      }
    }
  }
}

}  // namespace

RetentionResult applyRetention(const std::string& dir, const std::string& environment, int retentionDays,
                               int keepVerified, std::time_t now) {
  RetentionResult result;
  auto backups = listBackups(dir, environment);
  int verifiedSeen = 0;
  for (std::size_t i = 0; i < backups.size(); ++i) {
    auto& b = backups[i];
    bool protectedVerified = b.verified && verifiedSeen < keepVerified;
    if (b.verified) ++verifiedSeen;
    bool newest = i == 0;
    bool expired = now - b.modifiedAt > static_cast<std::time_t>(retentionDays) * 86400;
    if (expired && !protectedVerified && !newest) {
      removeWithSidecars(b.path);
      result.deleted.push_back(b.name);
    } else {
      result.kept.push_back(b.name);
    }
  }
  removeLeftovers(dir, environment, now);
  return result;
}

}  // namespace cc::backup
