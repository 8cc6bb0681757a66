#include "backup_settings.hpp"

#include "signing_key.hpp"

#include <cstdlib>
#include <filesystem>

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

void validateSettings(const ConfigNode& config, ConfigErrors& errors) {
  ConfigSchema()
      .string("backup_dir")
      .string("schedule")
      .integer("retention_days", 1, 36500)
      .integer("keep_verified", 0, 1000)
      .boolean("verify_after_backup")
      .string("verify_database_url")
      .integer("min_dump_bytes", 0, 1LL << 40)
      .integer("min_free_bytes", 0, 1LL << 50)
      .number("free_space_factor")
      .string("pg_dump")
      .string("psql")
      .integer("publish_interval_seconds", 1, 3600)
      .string("signing_key")
      .map("s3")
      .check(config, errors);
  if (config.has("s3") && config["s3"].isMap()) {
    ConfigSchema()
        .string("bucket")
        .string("prefix")
        .string("region")
        .string("endpoint")
        .oneOf("storage_class", {"STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
                                 "GLACIER_IR", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY"})
        .boolean("path_style")
        .integer("timeout_seconds", 1, 86400)
        // A single PUT is limited to 5 GiB; parts to 5 MiB..5 GiB and 10,000 per upload.
        .integer("multipart_threshold_bytes", 1, 5LL << 30)
        .integer("part_size_bytes", 5LL << 20, 5LL << 30)
        .integer("part_attempts", 1, 10)
        .check(config["s3"], errors);
  }
  // RETENTION_DAYS comes from the environment when the key is absent: check it here too, so
  // a typo fails at start-up instead of silently keeping the default.
  if (!config.has("retention_days") && !env("RETENTION_DAYS").empty()) {
    try {
      long v = std::stol(env("RETENTION_DAYS"));
      if (v < 1 || v > 36500) errors.addRaw("RETENTION_DAYS: must be between 1 and 36500");
    } catch (const std::exception&) {
      errors.addRaw("RETENTION_DAYS: expected an integer");
    }
  }
  if (config.has("free_space_factor")) {
    try {
      double f = config["free_space_factor"].asDouble();
      if (!(f >= 0 && f <= 100)) errors.add(config["free_space_factor"], "must be between 0 and 100");
    } catch (const ConfigError&) {
      // already reported by the schema
    }
  }
  if (!config.has("min_free_bytes") && !env("BACKUP_MIN_FREE_BYTES").empty()) {
    try {
      std::size_t used = 0;
      long long v = std::stoll(env("BACKUP_MIN_FREE_BYTES"), &used);
      if (used != env("BACKUP_MIN_FREE_BYTES").size() || v < 0)
        errors.addRaw("BACKUP_MIN_FREE_BYTES: expected a number of bytes >= 0");
    } catch (const std::exception&) {
      errors.addRaw("BACKUP_MIN_FREE_BYTES: expected a number of bytes >= 0");
    }
  }
  // The key itself is never echoed, only its length.
  if (config.has("signing_key")) {
    try {
      std::string key = config["signing_key"].asString();
      if (!key.empty() && key.size() < kMinSigningKeyLength)
        errors.add(config["signing_key"], "must be at least " + std::to_string(kMinSigningKeyLength) +
                                              " characters (got " + std::to_string(key.size()) +
                                              "); e.g. openssl rand -hex 32");
    } catch (const ConfigError&) {
      // already reported by the schema
    }
  } else if (!env("BACKUP_SIGNING_KEY").empty() && env("BACKUP_SIGNING_KEY").size() < kMinSigningKeyLength) {
    errors.addRaw("BACKUP_SIGNING_KEY: must be at least " + std::to_string(kMinSigningKeyLength) + " characters (got " +
                  std::to_string(env("BACKUP_SIGNING_KEY").size()) + "); e.g. openssl rand -hex 32");
  }
  if (config.has("verify_database_url")) {
    std::string url = config["verify_database_url"].asString();
    if (!url.empty() && url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
      errors.add(config["verify_database_url"], "must be a postgresql:// URL");
  }
}

BackupSettings BackupSettings::from(const ConfigNode& config, const std::string& configDir) {
  BackupSettings s;
  s.backupDir = config.getString("backup_dir", firstNonEmpty({env("BACKUP_DIR"), s.backupDir}));
  if (s.backupDir.empty()) s.backupDir = firstNonEmpty({env("BACKUP_DIR"), "/var/backups/codecouncil-ai"});
  if (std::filesystem::path(s.backupDir).is_relative())
    s.backupDir = (std::filesystem::path(configDir) / s.backupDir).lexically_normal().string();
  s.schedule = config.getString("schedule", s.schedule);
  std::string retention = env("RETENTION_DAYS");
  s.retentionDays = static_cast<int>(config.getInt("retention_days", retention.empty() ? 30 : std::stol(retention)));
  s.keepVerified = static_cast<int>(config.getInt("keep_verified", s.keepVerified));
  s.verifyAfterBackup = config.getBool("verify_after_backup", s.verifyAfterBackup);
  s.verifyDatabaseUrl = config.getString("verify_database_url", "");
  s.minDumpBytes = config.getInt("min_dump_bytes", s.minDumpBytes);
  std::string minFree = env("BACKUP_MIN_FREE_BYTES");
  s.minFreeBytes = config.getInt("min_free_bytes", minFree.empty() ? s.minFreeBytes : std::stoll(minFree));
  s.freeSpaceFactor = config.getDouble("free_space_factor", s.freeSpaceFactor);
  s.pgDump = config.getString("pg_dump", s.pgDump);
  s.psql = config.getString("psql", s.psql);
  s.publishIntervalSeconds = static_cast<int>(config.getInt("publish_interval_seconds", s.publishIntervalSeconds));
  if (s.pgDump.empty()) s.pgDump = "pg_dump";
  if (s.psql.empty()) s.psql = "psql";

  if (std::string key = config.getString("signing_key", ""); !key.empty())
    s.signing = signingKeyFrom(key, "signing_key");
  else if (!env("BACKUP_SIGNING_KEY").empty())
    s.signing = signingKeyFrom(env("BACKUP_SIGNING_KEY"), "BACKUP_SIGNING_KEY");

  ConfigNode s3 = config["s3"];
  s.s3.bucket = s3.getString("bucket", env("AWS_S3_BACKUP_BUCKET"));
  s.s3.prefix = s3.getString("prefix", "");
  s.s3.region = s3.getString("region", firstNonEmpty({env("AWS_REGION"), env("AWS_DEFAULT_REGION"), "us-east-1"}));
  if (s.s3.region.empty()) s.s3.region = firstNonEmpty({env("AWS_REGION"), env("AWS_DEFAULT_REGION"), "us-east-1"});
  // The AWS tools read AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL.
  s.s3.endpoint = s3.getString("endpoint", firstNonEmpty({env("AWS_ENDPOINT_URL_S3"), env("AWS_ENDPOINT_URL")}));
  if (s.s3.endpoint.empty()) s.s3.endpoint = firstNonEmpty({env("AWS_ENDPOINT_URL_S3"), env("AWS_ENDPOINT_URL")});
  s.s3.storageClass = s3.getString("storage_class", s.s3.storageClass);
  if (s.s3.storageClass.empty()) s.s3.storageClass = "GLACIER";
  // A custom endpoint (MinIO, s3rver, a VPC endpoint by IP) rarely resolves bucket host names.
  s.s3.pathStyle = s3.getBool("path_style", !s.s3.endpoint.empty());
  s.s3.timeoutSeconds = static_cast<int>(s3.getInt("timeout_seconds", s.s3.timeoutSeconds));
  s.s3.multipartThresholdBytes = static_cast<std::uint64_t>(
      s3.getInt("multipart_threshold_bytes", static_cast<std::int64_t>(s.s3.multipartThresholdBytes)));
  s.s3.partSizeBytes =
      static_cast<std::uint64_t>(s3.getInt("part_size_bytes", static_cast<std::int64_t>(s.s3.partSizeBytes)));
  s.s3.partAttempts = static_cast<int>(s3.getInt("part_attempts", s.s3.partAttempts));
  return s;
}

}  // namespace cc::backup
