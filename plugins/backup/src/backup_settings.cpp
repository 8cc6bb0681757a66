#include "backup_settings.hpp"

#include "signing_key.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace cc::backup {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string firstNonEmpty(std::initializer_list<std::string> values) {
  for (auto& v : values)
    if (!v.empty()) return v;
  return "";
}

}  // namespace

void S3Settings::describe(ConfigReader& r, S3Settings& s) {
  s.bucket = env("AWS_S3_BACKUP_BUCKET");
  s.region.clear();  // absent or empty: filled below
  r.string("bucket", s.bucket)
      .string("prefix", s.prefix)
      .string("region", s.region)
      .string("endpoint", s.endpoint)
      .oneOf("storage_class",
             {"STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE",
              "REDUCED_REDUNDANCY"},
             s.storageClass)
      .boolean("path_style", s.pathStyle)
      .integer("timeout_seconds", 1, 86400, s.timeoutSeconds)
      // A single PUT is limited to 5 GiB; parts to 5 MiB..5 GiB and 10,000 per upload.
      .integer("multipart_threshold_bytes", 1, 5LL << 30, s.multipartThresholdBytes)
      .integer("part_size_bytes", 5LL << 20, 5LL << 30, s.partSizeBytes)
      .integer("part_attempts", 1, 10, s.partAttempts)
      // Values derived once the keys are bound.
      .check([&s](const ConfigNode& node, ConfigErrors&) {
        if (s.region.empty()) s.region = firstNonEmpty({env("AWS_REGION"), env("AWS_DEFAULT_REGION"), "us-east-1"});
        // The AWS tools read AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL.
        if (s.endpoint.empty()) s.endpoint = firstNonEmpty({env("AWS_ENDPOINT_URL_S3"), env("AWS_ENDPOINT_URL")});
        // A custom endpoint (MinIO, s3rver, a VPC endpoint by IP) rarely resolves bucket host names.
        if (!node.has("path_style")) s.pathStyle = !s.endpoint.empty();
      });
}

void RestoreDrillSettings::describe(ConfigReader& r, RestoreDrillSettings& s) {
  r.boolean("enabled", s.enabled).string("schedule", s.schedule);
}

namespace {

// An environment variable read as a whole integer; nullopt when unset or not one.
std::optional<long long> envInteger(const char* name) {
  std::string text = env(name);
  try {
    std::size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

void BackupSettings::describe(ConfigReader& r, BackupSettings& s) {
  // Absent keys take the guide's environment variables; checked in check().
  s.backupDir.clear();  // absent or empty: BACKUP_DIR, then the default (finish)
  if (auto days = envInteger("RETENTION_DAYS")) s.retentionDays = static_cast<int>(*days);
  if (auto bytes = envInteger("BACKUP_MIN_FREE_BYTES")) s.minFreeBytes = *bytes;
  r.string("backup_dir", s.backupDir)
      .string("schedule", s.schedule)
      .integer("retention_days", 1, 36500, s.retentionDays)
      .integer("keep_verified", 0, 1000, s.keepVerified)
      .boolean("verify_after_backup", s.verifyAfterBackup)
      .string("verify_database_url", s.verifyDatabaseUrl)
      .integer("min_dump_bytes", 0, 1LL << 40, s.minDumpBytes)
      .integer("min_free_bytes", 0, 1LL << 50, s.minFreeBytes)
      .number("free_space_factor", 0, 100, s.freeSpaceFactor)
      .string("pg_dump", s.pgDump)
      .string("psql", s.psql)
      .integer("publish_interval_seconds", 1, 3600, s.publishIntervalSeconds)
      .string("signing_key", s.signing.secret)
      .string("encryption_key", s.encryptionKeyText)
      .section("s3", s.s3)
      .section("restore_drill", s.restoreDrill);
}

void BackupSettings::finish(BackupSettings& s) {
  if (s.backupDir.empty()) s.backupDir = firstNonEmpty({env("BACKUP_DIR"), "/var/backups/codecouncil-ai"});
  if (s.pgDump.empty()) s.pgDump = "pg_dump";
  if (s.psql.empty()) s.psql = "psql";
  if (!s.signing.secret.empty()) s.signing = signingKeyFrom(s.signing.secret, "signing_key");
  else if (!env("BACKUP_SIGNING_KEY").empty()) s.signing = signingKeyFrom(env("BACKUP_SIGNING_KEY"), "BACKUP_SIGNING_KEY");
  // Absent or empty key: $BACKUP_ENCRYPTION_KEY (the scripts pass it through the environment).
  if (s.encryptionKeyText.empty()) s.encryptionKeyText = env("BACKUP_ENCRYPTION_KEY");
  if (auto key = parseEncryptionKey(s.encryptionKeyText)) s.encryption = *key;
}

void BackupSettings::check(const BackupSettings& s, const ConfigNode& config, ConfigErrors& errors) {
  // RETENTION_DAYS comes from the environment when the key is absent: check it here too, so
  // a typo fails at start-up instead of silently keeping the default.
  if (!config.has("retention_days") && !env("RETENTION_DAYS").empty()) {
    auto v = envInteger("RETENTION_DAYS");
    if (!v) errors.addRaw("RETENTION_DAYS: expected an integer");
    else if (*v < 1 || *v > 36500) errors.addRaw("RETENTION_DAYS: must be between 1 and 36500");
  }
  if (!config.has("min_free_bytes") && !env("BACKUP_MIN_FREE_BYTES").empty()) {
    auto v = envInteger("BACKUP_MIN_FREE_BYTES");
    if (!v || *v < 0) errors.addRaw("BACKUP_MIN_FREE_BYTES: expected a number of bytes >= 0");
  }
  // The key itself is never echoed, only its length.
  if (!s.signing.empty() && s.signing.secret.size() < kMinSigningKeyLength) {
    std::string length = std::to_string(s.signing.secret.size());
    std::string rule = "must be at least " + std::to_string(kMinSigningKeyLength) + " characters (got " + length +
                       "); e.g. openssl rand -hex 32";
    if (s.signing.origin == "signing_key") errors.add(config["signing_key"], rule);
    else errors.addRaw("BACKUP_SIGNING_KEY: " + rule);
  }
  // Like the signing key: only the length is ever shown, never the text.
  if (!s.encryptionKeyText.empty() && s.encryption.empty()) {
    std::string rule = std::string(kEncryptionKeyRule) + "; got " + std::to_string(s.encryptionKeyText.size()) +
                       " characters that are not one";
    if (config.has("encryption_key") && !config["encryption_key"].asString().empty())
      errors.add(config["encryption_key"], rule);
    else errors.addRaw("BACKUP_ENCRYPTION_KEY: " + rule);
  }
  const std::string& url = s.verifyDatabaseUrl;
  if (!url.empty() && url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
    errors.add(config["verify_database_url"], "must be a postgresql:// URL");
}

BackupSettings BackupSettings::resolvedAgainst(const std::string& configDir) const {
  BackupSettings s = *this;
  if (std::filesystem::path(s.backupDir).is_relative())
    s.backupDir = (std::filesystem::path(configDir) / s.backupDir).lexically_normal().string();
  return s;
}

}  // namespace cc::backup
