#include "restore_runner.hpp"

#include "atomic_file.hpp"
#include "backup_encryption.hpp"
#include "backup_files.hpp"
#include "backup_signature.hpp"
#include "digest.hpp"
#include "gzip_io.hpp"
#include "live_database_guard.hpp"
#include "postgres_engine.hpp"
#include "sqlite_engine.hpp"
#include "verify_scratch.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cc::backup {
namespace {

std::string readSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + " is missing");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string isoNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Errors from reading the held file name /proc/self/fd/N; say the backup's own name instead.
[[noreturn]] void rethrowNamed(const CheckedBackup& c, const std::exception& e) {
  std::string message = e.what();
  const std::string& via = c.readPath();
  for (auto at = message.find(via); via != c.path && at != std::string::npos; at = message.find(via, at + c.path.size()))
    message.replace(at, via.size(), c.path);
  throw std::runtime_error(message);
}

}  // namespace

CheckedBackup checkBackupFile(const std::string& path, const EncryptionKey& key) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error("backup file " + path + " not found");
  CheckedBackup c;
  c.path = path;
  c.file = std::make_shared<HeldFile>(path);
  std::string expected = readSmallFile(checksumPath(path));
  expected = expected.substr(0, expected.find_first_of(" \t\n"));
  std::string actual;
  try {
    actual = sha256FileHex(c.readPath());
  } catch (const std::exception& e) {
    rethrowNamed(c, e);
  }
  if (expected != actual)
    throw std::runtime_error("checksum mismatch for " + path + ": expected " + expected + ", got " + actual);

  // Read once: the bytes parsed here are the bytes the signature is checked against.
  c.manifestText = readSmallFile(manifestPath(path));
  if (std::filesystem::exists(signaturePath(path))) c.signatureText = readSmallFile(signaturePath(path));
  c.manifest = Manifest::fromJson(c.manifestText);
  if (!c.manifest.sha256.empty() && c.manifest.sha256 != actual)
    throw std::runtime_error("the manifest of " + path + " describes another file (sha256 " + c.manifest.sha256 + ")");
  c.encrypted = isEncryptedBackup(c.readPath());
  if (c.encrypted != c.manifest.encrypted)
    throw std::runtime_error("the manifest of " + path + " says the file is " +
                             (c.manifest.encrypted ? "encrypted" : "not encrypted") + ", but it is " +
                             (c.encrypted ? "encrypted" : "not encrypted"));
  if (c.encrypted) {
    try {
      c.encryptionKeyId = encryptedKeyId(c.readPath());
      if (key.empty())
        throw std::runtime_error(path + " is encrypted (key id " + c.encryptionKeyId +
                                 ") and BACKUP_ENCRYPTION_KEY (encryption_key) is not set: set the key it was made "
                                 "with");
      c.decrypted = std::make_shared<DecryptedCopy>(path, c.readPath(), key);
    } catch (const std::exception& e) {
      rethrowNamed(c, e);
    }
  }
  std::string marker = c.manifest.engine == "sqlite" ? kSqliteDumpComplete : kPostgresDumpComplete;
  std::string tail;
  try {
    c.sqlBytes = gunzipFile(c.readPath(), [&](const char* data, std::size_t size) {
      tail.append(data, size);
      if (tail.size() > 8192) tail.erase(0, tail.size() - 4096);
    });
  } catch (const std::exception& e) {
    rethrowNamed(c, e);
  }
  if (tail.find(marker) == std::string::npos)
    throw std::runtime_error(path + " is incomplete: the dump has no completion line");
  return c;
}

std::string requireSignature(const CheckedBackup& backup, const SigningKey& key, bool forceUnsigned) {
  std::string name = std::filesystem::path(backup.path).filename().string();
  auto check = checkSignature(key, backup.signatureText, backup.manifestText, name);
  std::string problem = check.problem;
  // The signature vouches for the manifest; the manifest must vouch for this very file.
  if (check.valid() && backup.manifest.sha256.empty()) problem = "the signed manifest of " + name + " has no sha256";
  else if (check.valid() && !backup.manifest.file.empty() && backup.manifest.file != name)
    problem = "the signed manifest describes " + backup.manifest.file + ", not " + name +
              ": a backup under another backup's name";
  if (problem.empty()) return "";
  if (!forceUnsigned)
    throw std::runtime_error(problem + ". Refusing to restore it; --force-unsigned overrides this for a file you "
                                       "know the origin of");
  return problem;
}

void restoreBackup(const CheckedBackup& backup, const DatabaseTarget& target, const BackupSettings& settings,
                   bool keepScratchMarker) {
  if (backup.manifest.engine != target.engineName())
    throw std::runtime_error("the backup is a " + backup.manifest.engine + " dump; the target database is " +
                             target.engineName());
  try {
    if (target.engine == Engine::SQLite) restoreSqlite(backup.readPath(), target.sqlitePath);
    else restorePostgres(backup.readPath(), target, settings.psql, {keepScratchMarker});
  } catch (const std::exception& e) {
    rethrowNamed(backup, e);
  }
}

std::vector<TableStats> tableStats(const DatabaseTarget& target) {
  return target.engine == Engine::SQLite ? sqliteTableStats(target.sqlitePath) : postgresTableStats(target);
}

Verification verifyBackup(const std::string& path, const DatabaseTarget& source, const BackupSettings& settings,
                          bool forceUnsigned, const VerifyExtras& extras) {
  Verification v;
  try {
    auto backup = checkBackupFile(path, settings.encryption);
    v.forcedPast = requireSignature(backup, settings.signing, forceUnsigned);
    std::vector<TableStats> restored;
    std::vector<std::string> extra;
    // While the scratch copy exists: its statistics and the caller's own checks.
    auto inspect = [&](const DatabaseTarget& scratch, bool markerStays) {
      restored = markerStays ? withoutScratchMarker(tableStats(scratch)) : tableStats(scratch);
      if (extras.alsoCheck) extra = extras.alsoCheck(scratch, backup.manifest);
    };
    if (source.engine == Engine::SQLite) {
      DatabaseTarget scratch;
      scratch.engine = Engine::SQLite;
      scratch.sqlitePath = temporaryPathFor(std::filesystem::path(path).parent_path().string(), "verify.db");
      struct Cleanup {
        std::string p;
        ~Cleanup() {
          std::error_code ec;
          for (const char* s : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(p + s, ec);
        }
      } cleanup{scratch.sqlitePath};
      restoreBackup(backup, scratch, settings);
      inspect(scratch, false);
    } else if (!settings.verifyDatabaseUrl.empty()) {
      auto scratch = parseDatabaseUrl(settings.verifyDatabaseUrl, "/");
      if (namesSameDatabase(scratch, source))  // validation refuses this too; never drop the live database
        throw std::runtime_error("verify_database_url names the live database " + source.describe());
      VerifyScratchLease lease(scratch, source);
      // Declared after the lease, so it runs while the lease still holds the database.
      struct Emptier {
        const DatabaseTarget* scratch;
        ~Emptier() {
          if (!scratch) return;
          try {
            emptyScratchDatabase(*scratch);
          } catch (...) {
            // the next verification replaces the content anyway
          }
        }
      } emptier{extras.emptyScratchAfter ? &scratch : nullptr};
      restoreBackup(backup, scratch, settings, true);
      inspect(scratch, true);
    } else {
      auto scratch = createScratchDatabase(source);
      try {
        restoreBackup(backup, scratch, settings);
        inspect(scratch, false);
      } catch (...) {
        try {
          dropDatabase(source, scratch.database);
        } catch (...) {
        }
        throw;
      }
      dropDatabase(source, scratch.database);
    }
    v.differences = compareTables(backup.manifest.tables, restored);
    v.differences.insert(v.differences.end(), extra.begin(), extra.end());
    v.ok = v.differences.empty();
    if (v.ok)
      writeFileAtomically(verifiedPath(path), "{\"verifiedAt\":\"" + isoNow() + "\",\"tables\":" +
                                                  std::to_string(restored.size()) + "}\n");
  } catch (const std::exception& e) {
    v.ok = false;
    v.differences = {e.what()};
  }
  return v;
}

}  // namespace cc::backup
