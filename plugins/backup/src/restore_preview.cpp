#include "restore_preview.hpp"

#include "backup_encryption.hpp"
#include "backup_files.hpp"
#include "backup_signature.hpp"
#include "digest.hpp"
#include "manifest.hpp"
#include "restore_runner.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace cc::backup {
namespace {

std::optional<std::string> readIfPresent(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "3 d 4 h", "2 h 5 min", "40 s" since an ISO-8601 UTC time; "" when it does not parse.
std::string ageOf(const std::string& iso) {
  std::tm tm{};
  if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "";
  long long seconds = static_cast<long long>(std::time(nullptr) - timegm(&tm));
  if (seconds < 0) return "in the future (clock skew?)";
  char buf[64];
  if (seconds >= 86400) std::snprintf(buf, sizeof buf, "%lld d %lld h", seconds / 86400, seconds % 86400 / 3600);
  else if (seconds >= 3600) std::snprintf(buf, sizeof buf, "%lld h %lld min", seconds / 3600, seconds % 3600 / 60);
  else if (seconds >= 60) std::snprintf(buf, sizeof buf, "%lld min", seconds / 60);
  else std::snprintf(buf, sizeof buf, "%lld s", seconds);
  return buf;
}

void line(const char* label, const std::string& value) { std::printf("%-12s %s\n", label, value.c_str()); }

}  // namespace

int previewRestore(const std::string& path, const BackupSettings& settings, const DatabaseTarget& target,
                   const std::string& environment) {
  std::printf("dry run: nothing is changed\n");
  line("file:", path);
  if (!std::filesystem::is_regular_file(path)) {
    std::fprintf(stderr, "dry run: a restore would be refused: backup file %s not found\n", path.c_str());
    return 1;
  }
  std::string name = std::filesystem::path(path).filename().string();

  if (isEncryptedBackup(path)) {
    std::string keyId;
    try {
      keyId = encryptedKeyId(path);
    } catch (const std::exception& e) {
      keyId = std::string("unreadable (") + e.what() + ")";
    }
    line("encrypted:", "yes (AES-256-GCM, key id " + keyId + ")");
    if (!settings.encrypted()) line("key:", "NOT SET: BACKUP_ENCRYPTION_KEY is empty, this file cannot be decrypted");
    else if (settings.encryption.id == keyId) line("key:", "matches BACKUP_ENCRYPTION_KEY (key id " + keyId + ")");
    else line("key:", "DOES NOT MATCH: BACKUP_ENCRYPTION_KEY has key id " + settings.encryption.id);
  } else {
    line("encrypted:", "no");
  }

  auto checksum = readIfPresent(checksumPath(path));
  std::string actual = sha256FileHex(path);
  if (!checksum) line("checksum:", "MISSING (" + name + ".sha256)");
  else if (checksum->substr(0, checksum->find_first_of(" \t\n")) == actual) line("checksum:", "sha256 matches " + name + ".sha256");
  else line("checksum:", "MISMATCH: the file is not the one its .sha256 describes");

  auto manifestText = readIfPresent(manifestPath(path));
  if (manifestText) {
    try {
      Manifest m = Manifest::fromJson(*manifestText);
      line("engine:", m.engine + (m.serverVersion.empty() ? "" : " " + m.serverVersion) +
                          (m.engine == target.engineName() ? "" : "  (the target is " + target.engineName() + ")"));
      std::string age = ageOf(m.createdAt);
      line("created:", m.createdAt + (age.empty() ? "" : " (" + age + " ago)") +
                           (m.environment.empty() ? "" : ", environment " + m.environment));
      std::int64_t rows = 0;
      for (auto& t : m.tables) rows += t.rows;
      line("tables:", std::to_string(m.tables.size()) + " tables, " + std::to_string(rows) +
                          " rows (from the manifest)");
      for (auto& t : m.tables) std::printf("  %-40s %12lld\n", t.name.c_str(), static_cast<long long>(t.rows));
    } catch (const std::exception& e) {
      line("manifest:", std::string("MALFORMED: ") + e.what());
    }
    auto signature = checkSignature(settings.signing, readIfPresent(signaturePath(path)), *manifestText, name);
    line("signature:", signature.valid() ? "valid, signed with key " + settings.signing.id : signature.problem);
  } else {
    line("manifest:", "MISSING (" + name + ".manifest.json)");
  }

  // The real checks, in the order a restore runs them; the first failure is the verdict.
  std::string refusal;
  try {
    CheckedBackup backup = checkBackupFile(path, settings.encryption);
    requireSignature(backup, settings.signing, false);
    if (backup.manifest.engine != target.engineName())
      throw std::runtime_error("the backup is a " + backup.manifest.engine + " dump; the target database is " +
                               target.engineName());
    line("content:", (backup.encrypted ? std::string("decrypts and authenticates, ") : std::string()) +
                         "gzip stream complete, " + std::to_string(backup.sqlBytes) +
                         " bytes of SQL with its closing line");
  } catch (const std::exception& e) {
    refusal = e.what();
  }
  if (!refusal.empty()) {
    line("verdict:", "a restore would be REFUSED");
    std::fprintf(stderr, "dry run: a restore would be refused: %s\n", refusal.c_str());
    return 1;
  }
  line("verdict:", "a restore would replace ALL data in the " + environment + " database (" + target.describe() +
                       ")");
  return 0;
}

}  // namespace cc::backup
