// The backup plugin: `codecouncil backup`, `codecouncil restore`, `codecouncil backup-verify`,
// the scheduled backup and restore drill, and the publisher that turns recorded runs into
// events and metrics.
#include "backup_files.hpp"
#include "backup_runner.hpp"
#include "backup_sentinel.hpp"
#include "drill_journal.hpp"
#include <codecouncil/audit/checkpoints.hpp>
#include <codecouncil/backup/events.hpp>
#include "backup_settings.hpp"
#include "database_target.hpp"
#include "live_database_guard.hpp"
#include "private_files.hpp"
#include "restore_drill.hpp"
#include "restore_preview.hpp"
#include "restore_runner.hpp"
#include "run_journal.hpp"
#include "s3_backup_fetch.hpp"
#include "s3_client.hpp"
#include "signing_key.hpp"

#include <codecouncil/sdk/sdk.hpp>

#include <prometheus/gauge.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

namespace cc::backup {
namespace {

constexpr const char* kBackupUsage = "usage: codecouncil backup [--verify | --no-verify] [--no-upload]";
constexpr const char* kRestoreUsage =
    "usage: codecouncil restore <backup-file> [--yes] [--force-unsigned] [--dry-run] [--from-s3]";
constexpr const char* kVerifyUsage = "usage: codecouncil backup-verify <backup-file> [--force-unsigned]";
constexpr const char* kDecryptUsage = "usage: codecouncil backup-decrypt <backup-file.sql.gz.enc> <output.sql.gz>";

// backup_last_success_timestamp_seconds belongs to the metrics plugin (from backup_succeeded
// events); registering it here too would expose the family twice.
struct Gauges {
  prometheus::Gauge* duration = nullptr;
  prometheus::Gauge* size = nullptr;
  // Series added at the first drill (success) or first passed drill (timestamp): absent
  // until then, so a host that never drilled does not look like one whose drills fail.
  prometheus::Family<prometheus::Gauge>* drillSuccess = nullptr;
  prometheus::Family<prometheus::Gauge>* drillTimestamp = nullptr;
};

/// Every backup, CLI or scheduled, writes the sentinel row naming it just before its dump.
BackupOptions::SentinelWriter sentinelWriter(Context& ctx) {
  Database* db = &ctx.db();
  std::string environment = ctx.host().environment;
  return [db, environment](const std::string& file, const std::string& createdAt) {
    writeBackupSentinel(*db, file, createdAt, environment);
  };
}

// Every command and start() begin here, so a dangerous configuration stops them all before
// anything runs, located like any other config error.
BackupSettings settingsOf(Context& ctx, const BackupSettings& configured) {
  BackupSettings settings = configured.resolvedAgainst(ctx.host().configDir);
  if (ctx.db().engine() == Engine::PostgreSQL) {
    // Also stops a host behind a transaction-pooling proxy without database.direct_url now,
    // not at its first backup.
    DatabaseTarget live = currentDatabase(ctx);
    // verify_database_url is PostgreSQL only; a SQLite host verifies into a temp file.
    if (!settings.verifyDatabaseUrl.empty()) refuseLiveVerifyDatabase(ctx.config(), settings, live);
  }
  resolveSigningKey(settings, ctx.config(), ctx.host());
  return settings;
}

// Commands run without start(): they bind the (validated) config themselves.
BackupSettings settingsOf(Context& ctx) { return settingsOf(ctx, loadConfig<BackupSettings>(ctx.config())); }

// --force-unsigned is an operator's explicit decision to run a dump nobody vouches for: say
// so on the terminal and in the host log, where the audit trail of a restore is.
void warnForcedUnsigned(Context& ctx, const std::string& command, const std::string& path, const std::string& problem) {
  std::fprintf(stderr, "WARNING: %s --force-unsigned: using %s although %s\n", command.c_str(), path.c_str(),
               problem.c_str());
  ctx.logger().warning("%s --force-unsigned: using %s although %s", command, path, problem);
}

// A bare name means a file in the backup folder, as in the guide's
// `restore-db.sh codecouncil-ai_production_20250115_020000.sql.gz production`.
std::string resolveBackupPath(const std::string& given, const BackupSettings& settings) {
  if (std::filesystem::exists(given) || given.find('/') != std::string::npos) return given;
  return (std::filesystem::path(settings.backupDir) / given).string();
}

void printStats(const std::vector<TableStats>& stats) {
  std::printf("%-40s %12s\n", "table", "rows");
  for (auto& t : stats) std::printf("%-40s %12lld\n", t.name.c_str(), static_cast<long long>(t.rows));
  std::fflush(stdout);
}

int backupCommand(Context& ctx, const std::vector<std::string>& args) {
  BackupSettings settings = settingsOf(ctx);
  BackupOptions options{settings.verifyAfterBackup, true, {}, sentinelWriter(ctx)};
  for (auto& a : args) {
    if (a == "--verify") options.verify = true;
    else if (a == "--no-verify") options.verify = false;
    else if (a == "--no-upload") options.upload = false;
    else {
      std::fprintf(stderr, "codecouncil backup: unknown argument '%s'\n%s\n", a.c_str(), kBackupUsage);
      return 2;
    }
  }
  BackupRunner runner(settings, currentDatabase(ctx), ctx.host().environment, ctx.host().version, ctx.logger());
  BackupOutcome outcome = runner.run(options);
  try {
    RunJournal(ctx.db()).record(outcome, "manual", ctx.host().environment, false);
  } catch (const std::exception& e) {
    ctx.logger().error("cannot record the backup run: %s", std::string(e.what()));
  }
  for (auto& name : outcome.pruned) std::printf("retention: deleted %s\n", name.c_str());
  if (!outcome.ok) {
    std::fprintf(stderr, "codecouncil backup: FAILED: %s\n", outcome.error.c_str());
    return 1;
  }
  std::printf("backup: %s (%llu bytes, %.1f s%s%s)\n", outcome.file.c_str(),
              static_cast<unsigned long long>(outcome.bytes), outcome.durationSeconds,
              outcome.verified ? ", verified" : "", outcome.s3Key.empty() ? "" : (", uploaded to s3://" + settings.s3.bucket + "/" + outcome.s3Key).c_str());
  return 0;
}

bool confirmRestore(const std::string& file, const DatabaseTarget& target, const std::string& environment) {
  std::printf("This replaces ALL data in the %s database (%s)\nwith %s.\nType 'yes' to continue: ",
              environment.c_str(), target.describe().c_str(), file.c_str());
  std::fflush(stdout);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "yes";
}

int restoreCommand(Context& ctx, const std::vector<std::string>& args) {
  BackupSettings settings = settingsOf(ctx);
  bool yes = false;
  bool forceUnsigned = false;
  bool dryRun = false;
  bool fromS3 = false;
  std::string file;
  for (auto& a : args) {
    if (a == "--yes" || a == "-y") yes = true;
    else if (a == "--dry-run") dryRun = true;
    else if (a == "--from-s3") fromS3 = true;
    else if (a == "--force-unsigned") forceUnsigned = true;
    else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "codecouncil restore: unknown option '%s'\n%s\n", a.c_str(), kRestoreUsage);
      return 2;
    } else if (file.empty()) file = a;
    else {
      std::fprintf(stderr, "codecouncil restore: one backup file only\n%s\n", kRestoreUsage);
      return 2;
    }
  }
  if (file.empty()) {
    std::fprintf(stderr, "%s\n", kRestoreUsage);
    return 2;
  }
  std::string path = resolveBackupPath(file, settings);
  DatabaseTarget target = currentDatabase(ctx);
  std::optional<FetchedBackup> fetched;
  if (fromS3) {
    if (!settings.s3.enabled()) {
      std::fprintf(stderr, "codecouncil restore: --from-s3 needs S3 configured (s3.bucket or AWS_S3_BACKUP_BUCKET)\n");
      return 2;
    }
    if (file.find('/') != std::string::npos || !isBackupFileName(file)) {
      std::fprintf(stderr, "codecouncil restore: --from-s3 takes a backup file name "
                           "(codecouncil-ai_<environment>_<YYYYMMDD_HHMMSS>.sql.gz[.enc]), not a path\n%s\n",
                   kRestoreUsage);
      return 2;
    }
    if (std::string warning = ensurePrivateDirectory(settings.backupDir); !warning.empty())
      ctx.logger().warning("backup_dir: %s", warning);
    std::printf("downloading %s from %s\n", file.c_str(), S3Client(settings.s3, {}).objectUrl(settings.s3.prefix + file).c_str());
    std::fflush(stdout);
    // Into backup_dir beside the local backups, then checked exactly like one of them; a
    // download that fails a check (or a dry run) is removed again.
    fetched.emplace(fetchBackupFromS3(settings.s3, file, settings.backupDir));
    path = fetched->path();
  } else if (!std::filesystem::exists(path) && settings.s3.enabled() && isBackupFileName(file)) {
    std::fprintf(stderr, "codecouncil restore: backup file %s not found; to fetch the copy in S3, add --from-s3\n",
                 path.c_str());
    return 1;
  }
  if (dryRun) return previewRestore(path, settings, target, ctx.host().environment);
  std::printf("checking %s\n", path.c_str());
  std::fflush(stdout);
  // Throws (exit 1 with the reason) before the database is touched; an encrypted file is
  // decrypted and authenticated in full here, so a wrong key or a cut file stops now.
  CheckedBackup backup = checkBackupFile(path, settings.encryption);
  std::string forcedPast = requireSignature(backup, settings.signing, forceUnsigned);  // throws unless forced
  if (fetched) {
    fetched->keep();  // checked: from now on an ordinary local backup
    std::printf("downloaded %s into %s\n", file.c_str(), settings.backupDir.c_str());
  }
  if (!forcedPast.empty()) warnForcedUnsigned(ctx, "restore", path, forcedPast);
  std::printf("ok: %s, sha256 matches, %sgzip stream complete, %s dump of %zu tables from %s\n",
              forcedPast.empty() ? ("signed with key " + settings.signing.id).c_str() : "NOT SIGNED by this key",
              backup.encrypted ? ("decrypted with key " + backup.encryptionKeyId + ", ").c_str() : "",
              backup.manifest.engine.c_str(), backup.manifest.tables.size(), backup.manifest.createdAt.c_str());
  if (!yes && !confirmRestore(path, target, ctx.host().environment)) {
    std::fprintf(stderr, "codecouncil restore: cancelled, nothing changed\n");
    return 1;
  }
  restoreBackup(backup, target, settings);
  auto restored = tableStats(target);
  std::printf("restored %s into %s\n", path.c_str(), target.describe().c_str());
  printStats(restored);
  auto diffs = compareTables(backup.manifest.tables, restored);
  if (!diffs.empty()) {
    for (auto& d : diffs) std::fprintf(stderr, "mismatch: %s\n", d.c_str());
    return 1;
  }
  std::printf("row counts and checksums match the manifest\n");
  return 0;
}

int verifyCommand(Context& ctx, const std::vector<std::string>& args) {
  std::string file;
  bool forceUnsigned = false;
  for (auto& a : args) {
    if (a == "--force-unsigned") forceUnsigned = true;
    else if (a.empty() || a[0] == '-' || !file.empty()) {
      std::fprintf(stderr, "%s\n", kVerifyUsage);
      return 2;
    } else file = a;
  }
  if (file.empty()) {
    std::fprintf(stderr, "%s\n", kVerifyUsage);
    return 2;
  }
  BackupSettings settings = settingsOf(ctx);
  std::string path = resolveBackupPath(file, settings);
  auto v = verifyBackup(path, currentDatabase(ctx), settings, forceUnsigned);
  if (!v.forcedPast.empty()) warnForcedUnsigned(ctx, "backup-verify", path, v.forcedPast);
  if (!v.ok) {
    for (auto& d : v.differences) std::fprintf(stderr, "verification failed: %s\n", d.c_str());
    return 1;
  }
  std::printf("verified: %s\n", path.c_str());
  return 0;
}

// For an operator who wants the dump itself (zcat, another tool): the gzip stream of an
// encrypted backup, checked like a restore checks it, written to a new 0600 file. The key
// comes from the environment/config, never from argv.
int decryptCommand(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0].empty() || args[0][0] == '-' || args[1].empty() || args[1][0] == '-') {
    std::fprintf(stderr, "%s\n", kDecryptUsage);
    return 2;
  }
  BackupSettings settings = settingsOf(ctx);
  std::string path = resolveBackupPath(args[0], settings);
  if (!settings.encrypted()) {
    std::fprintf(stderr, "codecouncil backup-decrypt: BACKUP_ENCRYPTION_KEY (encryption_key) is not set\n");
    return 1;
  }
  // The same checks as a restore (checksum, every chunk's tag, gzip stream, signature).
  CheckedBackup backup = checkBackupFile(path, settings.encryption);
  if (!backup.encrypted) {
    std::fprintf(stderr, "codecouncil backup-decrypt: %s is not encrypted\n", path.c_str());
    return 1;
  }
  requireSignature(backup, settings.signing, false);
  copyToNewPrivateFile(backup.readPath(), args[1]);
  std::printf("decrypted %s into %s (gzip, %llu bytes of SQL)\n", path.c_str(), args[1].c_str(),
              static_cast<unsigned long long>(backup.sqlBytes));
  return 0;
}

class BackupPlugin : public ConfiguredPlugin<BackupSettings> {
 public:
  std::string name() const override { return "backup"; }
  std::string version() const override { return "1.0.0"; }
  /// With audit, every scheduled backup's manifest carries the audit log's signed checkpoint.
  std::vector<std::string> optionalDependencies() const override { return {"audit"}; }

  // Handlers capture `this`: they run only between start() and stop() (context.hpp).
  void declare(Declarations& d, const BackupSettings& configured) override {
    d.commands().add("backup", "back up the database to BACKUP_DIR (--verify, --no-upload)", backupCommand);
    d.commands().add("restore",
                     "restore a signed backup into this environment's database (<file> [--yes] [--force-unsigned] "
                     "[--dry-run] [--from-s3])",
                     restoreCommand);
    d.commands().add("backup-decrypt",
                     "write the gzip dump of an encrypted backup to a new file (<file> <output.sql.gz>; key from "
                     "BACKUP_ENCRYPTION_KEY)",
                     decryptCommand);
    d.commands().add("backup-verify",
                     "restore a signed backup into a scratch database and compare with its manifest ([--force-unsigned])",
                     verifyCommand);
    d.topic(topics::kBackupSucceeded);
    d.topic(topics::kBackupFailed);
    d.topic(topics::kRestoreDrillSucceeded);
    d.topic(topics::kRestoreDrillFailed);
    if (!configured.schedule.empty() && configured.schedule != "off") {
      // Exclusive (the default): one instance per slot, whatever the number of instances.
      d.scheduler().cron("run", configured.schedule, [this](const JobRun&) { scheduledBackup(); });
    }
    // Exclusive too: one drill per slot across every instance on the database. Also run by
    // `codecouncil jobs run backup.restore_drill`.
    if (configured.restoreDrill.scheduled())
      d.scheduler().cron("restore_drill", configured.restoreDrill.schedule, [this](const JobRun&) { restoreDrill(); });
    // Every instance polls; the claim in the table decides who publishes each run.
    d.scheduler().every("publish", std::chrono::seconds(configured.publishIntervalSeconds),
                        [this](const JobRun&) { publishPending(); }, {.exclusive = false});
  }

  void start(Context& ctx, const BackupSettings& configured) override {
    settings_ = settingsOf(ctx, configured);
    db_ = &ctx.db();
    events_ = &ctx.events();
    logger_ = &ctx.logger();
    ctx_ = &ctx;
    gauges_.duration = &prometheus::BuildGauge()
                            .Name("backup_duration_seconds")
                            .Help("Duration of the last successful database backup")
                            .Register(ctx.metrics())
                            .Add({});
    gauges_.size = &prometheus::BuildGauge()
                        .Name("backup_size_bytes")
                        .Help("Size of the last successful database backup (.sql.gz)")
                        .Register(ctx.metrics())
                        .Add({});
    gauges_.drillSuccess = &prometheus::BuildGauge()
                                .Name("backup_last_restore_drill_success")
                                .Help("1 if the last restore drill (newest backup restored into the scratch database, "
                                      "row counts, checksums and sentinel compared with its manifest) passed, 0 if it "
                                      "failed")
                                .Register(ctx.metrics());
    gauges_.drillTimestamp = &prometheus::BuildGauge()
                                  .Name("backup_last_restore_drill_timestamp_seconds")
                                  .Help("Unix time of the last SUCCESSFUL restore drill (a last-success timestamp: a "
                                        "failed drill leaves it unchanged)")
                                  .Register(ctx.metrics());
    refreshGauges();
  }

 private:
  void scheduledBackup() {
    BackupRunner runner(settings_, currentDatabase(*ctx_), ctx_->host().environment, ctx_->host().version, *logger_);
    BackupOptions options{settings_.verifyAfterBackup, true, {}, sentinelWriter(*ctx_)};
    if (auto checkpoints = ctx_->services().get<cc::audit::AuditCheckpoints>())
      options.auditCheckpoint = [checkpoints] { return checkpoints->checkpointNow(); };
    BackupOutcome outcome = runner.run(options);
    RunRecord record = recordOf(outcome);
    try {
      record.id = RunJournal(*db_).record(outcome, "scheduled", ctx_->host().environment, true);
    } catch (const std::exception& e) {
      logger_->error("cannot record the backup run: %s", std::string(e.what()));
    }
    events_->publish(eventTopic(record), eventPayload(record));
    refreshGauges();
    if (!outcome.ok) throw std::runtime_error("backup failed: " + outcome.error);
  }

  void restoreDrill() {
    const std::string& environment = ctx_->host().environment;
    DrillOutcome outcome = runRestoreDrill(settings_, currentDatabase(*ctx_), environment);
    std::string name = outcome.file.empty() ? "" : std::filesystem::path(outcome.file).filename().string();
    for (auto& warning : outcome.warnings) logger_->warning("restore drill: %s", warning);
    if (outcome.fromS3)
      logger_->information("restore drill: %s is not in backup_dir; drilled the S3 copy %s (downloaded, then removed)",
                           name, outcome.file);
    if (outcome.ok)
      logger_->information("restore drill passed: %s restored into the scratch database; row counts, checksums and "
                           "sentinel match its manifest (%.1f s)",
                           name, outcome.durationSeconds);
    else
      logger_->error("restore drill FAILED for %s: %s", name.empty() ? std::string("(no backup)") : name,
                     outcome.summary());
    try {
      DrillJournal(*db_).record(outcome, "scheduled", environment);
    } catch (const std::exception& e) {
      logger_->error("cannot record the restore drill: %s", std::string(e.what()));
    }
    auto payload = json::object();
    payload->set("file", name);
    // Which copy was proven: the one in backup_dir, or the S3 copy downloaded for the drill.
    payload->set("source", std::string(outcome.fromS3 ? "s3" : "backup_dir"));
    if (outcome.ok) payload->set("durationSeconds", outcome.durationSeconds);
    else payload->set("error", outcome.summary());
    events_->publish(outcome.ok ? topics::kRestoreDrillSucceeded.name : topics::kRestoreDrillFailed.name, payload);
    refreshGauges();
    if (!outcome.ok) throw std::runtime_error("restore drill of " + (name.empty() ? "(no backup)" : name) +
                                              " failed: " + outcome.summary());
  }

  void publishPending() {
    auto runs = RunJournal(*db_).claimUnpublished(20);
    for (auto& run : runs) events_->publish(eventTopic(run), eventPayload(run));
    refreshGauges();
  }

  void refreshGauges() {
    try {
      if (auto last = RunJournal(*db_).lastSuccess()) {
        gauges_.duration->Set(last->durationSeconds);
        gauges_.size->Set(static_cast<double>(last->bytes));
      }
    } catch (const std::exception& e) {
      logger_->warning("cannot read backup_runs: %s", std::string(e.what()));
    }
    try {
      DrillState drill = DrillJournal(*db_).state();
      if (drill.lastSucceeded) gauges_.drillSuccess->Add({}).Set(*drill.lastSucceeded ? 1 : 0);
      if (drill.lastSuccessSeconds) gauges_.drillTimestamp->Add({}).Set(*drill.lastSuccessSeconds);
    } catch (const std::exception& e) {
      logger_->warning("cannot read backup_restore_drills: %s", std::string(e.what()));
    }
  }

  BackupSettings settings_;
  Context* ctx_ = nullptr;
  Database* db_ = nullptr;
  Events* events_ = nullptr;
  Poco::Logger* logger_ = nullptr;
  Gauges gauges_;
};

}  // namespace
}  // namespace cc::backup

CODECOUNCIL_PLUGIN(cc::backup::BackupPlugin)
