#include "backup_files.hpp"

#include <filesystem>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>

namespace cc::backup {
namespace {
const std::string kPrefix = "codecouncil-ai_";
const std::string kSuffix = ".sql.gz";
// An encrypted dump is not a gzip file: the extra suffix keeps `gunzip -t` and file
// managers from mistaking it for one, and the guide's name stays its prefix.
const std::string kEncryptedSuffix = ".sql.gz.enc";
}  // namespace

std::string backupFileName(const std::string& environment, std::time_t when, bool encrypted) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
  return kPrefix + environment + "_" + stamp + (encrypted ? kEncryptedSuffix : kSuffix);
}

std::string backupNamePrefix(const std::string& environment) { return kPrefix + environment + "_"; }

std::optional<std::time_t> backupTimeFromName(const std::string& name, const std::string& environment) {
  std::string head = backupNamePrefix(environment);
  auto endsWith = [&](const std::string& suffix) {
    return name.size() == head.size() + 15 + suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (!endsWith(kSuffix) && !endsWith(kEncryptedSuffix)) return std::nullopt;
  if (name.compare(0, head.size(), head) != 0) return std::nullopt;
  std::string stamp = name.substr(head.size(), 15);
  for (std::size_t i = 0; i < stamp.size(); ++i)
    if (i == 8 ? stamp[i] != '_' : !std::isdigit(static_cast<unsigned char>(stamp[i]))) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(stamp.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(stamp.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(stamp.substr(6, 2));
  tm.tm_hour = std::stoi(stamp.substr(9, 2));
  tm.tm_min = std::stoi(stamp.substr(11, 2));
  tm.tm_sec = std::stoi(stamp.substr(13, 2));
  return timegm(&tm);
}

bool isBackupFileName(const std::string& name) {
  if (name.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  for (const auto* suffix : {&kSuffix, &kEncryptedSuffix}) {
    // <prefix><environment>_<YYYYMMDD_HHMMSS><suffix>, the environment a non-empty [A-Za-z0-9_-]+.
    if (name.size() < kPrefix.size() + 2 + 15 + suffix->size()) continue;
    std::size_t envEnd = name.size() - suffix->size() - 16;
    std::string environment = name.substr(kPrefix.size(), envEnd - kPrefix.size());
    bool plain = std::all_of(environment.begin(), environment.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    if (plain && backupTimeFromName(name, environment)) return true;
  }
  return false;
}

std::vector<BackupFile> listBackups(const std::string& dir, const std::string& environment) {
  std::vector<BackupFile> out;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    std::string name = entry.path().filename().string();
    auto when = backupTimeFromName(name, environment);
    if (!when) continue;
    BackupFile f;
    f.path = entry.path().string();
    f.name = name;
    f.createdAt = *when;
    struct stat st {};
    if (::stat(f.path.c_str(), &st) == 0) f.modifiedAt = st.st_mtime;
    f.verified = std::filesystem::exists(verifiedPath(f.path), ec);
    out.push_back(f);
  }
  std::sort(out.begin(), out.end(), [](const BackupFile& a, const BackupFile& b) {
    return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.name > b.name;
  });
  return out;
}

}  // namespace cc::backup
