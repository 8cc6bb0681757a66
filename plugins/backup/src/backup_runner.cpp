#include "backup_runner.hpp"

#include "atomic_file.hpp"
#include "backup_encryption.hpp"
#include "backup_files.hpp"
#include "backup_signature.hpp"
#include "digest.hpp"
#include "disk_space.hpp"
#include "gzip_io.hpp"
#include "manifest.hpp"
#include "private_files.hpp"
#include "postgres_engine.hpp"
#include "restore_runner.hpp"
#include "retention.hpp"
#include "s3_client.hpp"
#include "sqlite_engine.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace cc::backup {

std::string isoTimestamp(std::chrono::system_clock::time_point when) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

BackupRunner::BackupRunner(BackupSettings settings, DatabaseTarget database, std::string environment,
                           std::string version, Poco::Logger& logger)
    : settings_(std::move(settings)),
      database_(std::move(database)),
      environment_(std::move(environment)),
      version_(std::move(version)),
      logger_(logger) {}

BackupOutcome BackupRunner::run(const BackupOptions& options) {
  BackupOutcome outcome;
  outcome.engine = database_.engineName();
  auto started = std::chrono::system_clock::now();
  auto steady = std::chrono::steady_clock::now();
  outcome.startedAt = isoTimestamp(started);
  try {
    // Before the dump, so the backup holds every entry the checkpoint covers.
    dumpAndPublish(outcome, options, takeAuditCheckpoint(options));
    if (options.verify) {
      auto v = verifyBackup(outcome.file, database_, settings_);
      if (!v.ok) {
        std::string list;
        for (auto& d : v.differences) list += (list.empty() ? "" : "; ") + d;
        throw std::runtime_error("verification of " + outcome.file + " failed: " + list);
      }
      outcome.verified = true;
    }
    if (options.upload && settings_.s3.enabled()) upload(outcome);
    outcome.ok = true;
  } catch (const std::exception& e) {
    outcome.ok = false;
    outcome.error = e.what();
  }
  outcome.durationSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - steady).count();
  outcome.finishedAt = isoTimestamp(std::chrono::system_clock::now());
  // Retention runs after failures too, but only removes expired files: the newest backup
  // and the newest verified ones always stay, so a run of failures cannot empty the shelf.
  try {
    if (std::filesystem::is_directory(settings_.backupDir))
      outcome.pruned = applyRetention(settings_.backupDir, environment_, settings_.retentionDays,
                                      settings_.keepVerified, std::time(nullptr))
                           .deleted;
  } catch (const std::exception& e) {
    logger_.warning("backup retention failed: %s", std::string(e.what()));
  }
  return outcome;
}

std::uint64_t BackupRunner::estimatedPeakBytes() const {
  // SQLite: the VACUUM INTO snapshot (at most page_count * page_size) and the compressed dump
  // sit in backup_dir together, so twice the database. PostgreSQL: only the compressed dump,
  // and pg_database_size (indexes, TOAST, free space included) is an upper bound for a
  // gzip -9 of the SQL text: generous on purpose.
  if (database_.engine == Engine::SQLite) return 2 * sqliteDatabaseBytes(database_.sqlitePath);
  return postgresDatabaseBytes(database_);
}

void BackupRunner::refuseWithoutFreeSpace() const {
  auto decision = decideFreeSpace(settings_.backupDir, estimatedPeakBytes(), settings_.freeSpaceFactor,
                                  static_cast<std::uint64_t>(settings_.minFreeBytes), freeBytesIn(settings_.backupDir));
  if (!decision.ok) throw std::runtime_error(decision.reason);
}

std::string BackupRunner::takeAuditCheckpoint(const BackupOptions& options) {
  if (!options.auditCheckpoint) return "";
  try {
    return options.auditCheckpoint().value_or("");
  } catch (const std::exception& e) {
    logger_.warning("backup goes on without an audit checkpoint in its manifest: %s", std::string(e.what()));
    return "";
  }
}

void BackupRunner::dumpAndPublish(BackupOutcome& outcome, const BackupOptions& options,
                                  const std::string& auditCheckpoint) {
  if (std::string warning = ensurePrivateDirectory(settings_.backupDir); !warning.empty())
    logger_.warning("backup_dir: %s", warning);
  // Before the first byte: a full disk refuses the run instead of failing half-way.
  refuseWithoutFreeSpace();
  auto now = std::chrono::system_clock::now();
  std::string name = backupFileName(environment_, std::chrono::system_clock::to_time_t(now), settings_.encrypted());
  std::string finalPath = (std::filesystem::path(settings_.backupDir) / name).string();
  if (std::filesystem::exists(finalPath)) throw std::runtime_error(finalPath + " already exists");
  std::string temp = temporaryPathFor(settings_.backupDir, name);

  struct TempGuard {
    std::string path;
    ~TempGuard() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove(path, ec);
    }
  } guard{temp};

  // The last write before the snapshot: the dump then holds the row that names it.
  if (options.writeSentinel) options.writeSentinel(name, isoTimestamp(now));
  auto steady = std::chrono::steady_clock::now();
  DumpResult dump;
  std::uint64_t sqlBytes = 0;
  {
    // Encrypted on the way to the file: with a key, no plaintext byte reaches the disk.
    GzipWriter out(temp, 9, settings_.encrypted() ? &settings_.encryption : nullptr);
    dump = database_.engine == Engine::SQLite ? dumpSqlite(database_.sqlitePath, settings_.backupDir, out)
                                              : dumpPostgres(database_, settings_.pgDump, out);
    // An empty or cut-off dump must never become a backup (django-pgclone #38).
    if (out.tail().find(dump.completionMarker) == std::string::npos)
      throw std::runtime_error("the dump is incomplete: no completion line");
    if (static_cast<std::int64_t>(out.uncompressedBytes()) < settings_.minDumpBytes)
      throw std::runtime_error("the dump is suspiciously small (" + std::to_string(out.uncompressedBytes()) +
                               " bytes, min_dump_bytes is " + std::to_string(settings_.minDumpBytes) + ")");
    if (dump.tables.empty()) throw std::runtime_error("the database has no tables; refusing an empty backup");
    sqlBytes = out.uncompressedBytes();
    out.finish();
  }
  // Read it back before trusting it: a complete gzip stream of the size we wrote.
  // Encrypted: every chunk is authenticated on the way, so this also proves the key opens it.
  auto discard = [](const char*, std::size_t) {};
  std::uint64_t readBack = settings_.encrypted() ? gunzipEncryptedFile(temp, settings_.encryption, discard)
                                                 : gunzipFile(temp, discard);
  if (readBack != sqlBytes)
    throw std::runtime_error("the compressed dump does not read back to its original size");

  Manifest m;
  m.file = name;
  m.environment = environment_;
  m.engine = database_.engineName();
  m.serverVersion = dump.serverVersion;
  m.dumpTool = dump.dumpTool;
  m.codecouncilVersion = version_;
  m.createdAt = isoTimestamp(now);
  m.durationSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - steady).count();
  m.bytes = std::filesystem::file_size(temp);
  m.sqlBytes = sqlBytes;
  m.sha256 = sha256FileHex(temp);
  m.tables = dump.tables;
  m.encrypted = settings_.encrypted();
  if (m.encrypted) m.encryptionKeyId = settings_.encryption.id;
  m.auditCheckpoint = auditCheckpoint;

  // Sidecars first, the dump last: a backup under its final name always has all three.
  // The signature covers the manifest's exact bytes, and through its sha256 the dump.
  if (settings_.signing.empty()) throw std::runtime_error("no signing key: refusing to write an unsigned backup");
  std::string manifestText = m.toJson();
  writeFileAtomically(manifestPath(finalPath), manifestText);
  writeFileAtomically(signaturePath(finalPath), signatureFor(settings_.signing, manifestText));
  writeFileAtomically(checksumPath(finalPath), m.sha256 + "  " + name + "\n");
  publishNoReplace(temp, finalPath);
  guard.path.clear();
  outcome.file = finalPath;
  outcome.bytes = m.bytes;
  logger_.information("backup written: %s (%s bytes, %z tables)", finalPath, std::to_string(m.bytes), m.tables.size());
}

void BackupRunner::upload(BackupOutcome& outcome) {
  S3Client s3(settings_.s3, credentialsFromEnvironment());
  std::string name = std::filesystem::path(outcome.file).filename().string();
  std::string key = settings_.s3.prefix + name;
  // Encrypted files leave the host as they are on disk: ciphertext only.
  s3.putFile(key, outcome.file, isEncryptedBackup(outcome.file) ? "application/octet-stream" : "application/gzip");
  s3.putFile(key + ".manifest.json", manifestPath(outcome.file), "application/json");
  s3.putFile(key + ".sig", signaturePath(outcome.file), "text/plain");
  // Trust, but check: the object exists with our size and storage class.
  auto info = s3.head(key);
  if (info.size != outcome.bytes)
    throw std::runtime_error("S3 object " + key + " has " + std::to_string(info.size) + " bytes, expected " +
                             std::to_string(outcome.bytes));
  if (info.storageClass != settings_.s3.storageClass)
    throw std::runtime_error("S3 object " + key + " has storage class " + info.storageClass + ", expected " +
                             settings_.s3.storageClass);
  outcome.s3Key = key;
  logger_.information("backup uploaded: %s (%s)", s3.objectUrl(key), info.storageClass);
}

}  // namespace cc::backup
