// The audit plugin: records every event on the bus and every direct write in a hash-chained
// "AuditLog" table, serves the query the admin API uses, purges by age, counts severities for
// Prometheus, and adds `codecouncil audit verify | prove | check-proof | purge | export`.
#include "audit_commands.hpp"
#include "audit_config.hpp"
#include "audit_query.hpp"
#include "audit_service.hpp"
#include "audit_store.hpp"
#include "audit_writer.hpp"
#include "checkpoint_service.hpp"
#include "checkpointer.hpp"
#include "event_mapping.hpp"
#include "export_command.hpp"
#include "retention.hpp"
#include "syslog_forwarder.hpp"

#include <codecouncil/sdk/sdk.hpp>

#include <prometheus/counter.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

namespace cc::audit {
namespace {

constexpr const char* kUsage =
    "usage: codecouncil audit verify\n"
    "       codecouncil audit prove <entry id>\n"
    "       codecouncil audit check-proof <proof file>\n"
    "       codecouncil audit purge --before <ISO-8601 time>\n"
    "       codecouncil audit export [--format ndjson|csv] [--user-id ID] [--action A] [--severity S]\n"
    "                                [--resource-type T] [--from TIME] [--to TIME] [--output FILE]\n";

int purge(AuditStore& store, const std::string& before) {
  std::string cutoff;
  try {
    cutoff = normalizeTimestamp(before, "--before");
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "codecouncil audit purge: %s\n", e.what());
    return 2;
  }
  PurgeResult r = purgeAndRecord(store, cutoff, "command");
  std::printf("audit purge: %lld rows created before %s deleted; the log now starts after row %lld\n",
              static_cast<long long>(r.deleted), cutoff.c_str(), static_cast<long long>(r.anchorId));
  return 0;
}

// `codecouncil audit verify | prove <id> | check-proof FILE | purge --before <time> | export ...`.
int auditCommand(Context& ctx, const std::vector<std::string>& args) {
  const std::string key = readSettings(ctx.config()).checkpointKey;
  // check-proof runs offline: it reads the file and the key, never the database.
  if (args.size() == 2 && args[0] == "check-proof") return checkProofCommand(args[1], key);
  if (!args.empty() && args[0] == "export")
    return exportCommand(ctx.db(), std::vector<std::string>(args.begin() + 1, args.end()));
  AuditStore store(ctx.db());
  if (args.size() == 1 && args[0] == "verify") return verifyCommand(ctx, store, key);
  if (args.size() == 2 && args[0] == "prove") return proveCommand(ctx, args[1], key);
  if (args.size() == 3 && args[0] == "purge" && args[1] == "--before") return purge(store, args[2]);
  if (args.size() == 2 && args[0] == "purge" && args[1].rfind("--before=", 0) == 0)
    return purge(store, args[1].substr(9));
  std::fputs(kUsage, stderr);
  return 2;
}

class AuditPlugin : public ConfiguredPlugin<AuditSettings> {
 public:
  std::string name() const override { return "audit"; }
  std::string version() const override { return "1.0.0"; }

  // Handlers capture `this`: they run only between start() and stop() (context.hpp).
  void declare(Declarations& d, const AuditSettings& settings) override {
    d.commands().add("audit",
                     "verify: check the audit log's hash chain and signed checkpoints and name the first "
                     "tampered row; prove <id>: print a proof that an entry is in the log; check-proof FILE: "
                     "check one offline; purge --before <time>: delete older rows; export [--format ndjson|csv] [filters] "
                     "[--output FILE]: every matching entry, oldest first",
                     auditCommand);
    d.provides<AuditLog>();
    d.provides<AuditCheckpoints>();
    d.subscribe("*", [this](const Event& event) {
      if (auto entry = mapping_->toEntry(event)) service_->record(*entry);
    });
    // Exclusive (the default): once per interval across every host sharing the database.
    if (!settings.checkpointKey.empty())
      d.scheduler().every("checkpoint", std::chrono::seconds(settings.checkpointIntervalSeconds),
                          [this](const JobRun&) { checkpointer_->write("scheduled"); });
    if (settings.retentionDays > 0) {
      int days = settings.retentionDays;
      d.scheduler().cron("retention", settings.retentionSchedule, [this, days](const JobRun& run) {
        PurgeResult r = purgeAndRecord(*store_, retentionCutoff(run.slot, days), "retention_days");
        log_->information("audit retention: %Ld rows older than %d days purged; the log now starts after row %Ld",
                          static_cast<Poco::Int64>(r.deleted), days, static_cast<Poco::Int64>(r.anchorId));
      });
    }
  }

  void start(Context& ctx, const AuditSettings& settings) override {
    log_ = &ctx.logger();
    if (settings.checkpointKey.empty())
      ctx.logger().warning("audit checkpoints off: checkpoint_key is empty (set AUDIT_CHECKPOINT_KEY); the hash "
                           "chain alone cannot show that its newest entries were cut off");
    else
      checkpointer_ = std::make_unique<Checkpointer>(ctx.db(), ctx.host().dataDir, settings.checkpointKey, ctx.logger());
    mapping_ = std::make_unique<EventMapping>(settings.mapping());
    store_ = std::make_unique<AuditStore>(ctx.db());
    if (settings.syslog.enabled) startSyslog(ctx, settings.syslog);

    // Every severity exists from the first scrape, so rate() and alerts work at once.
    auto& events = prometheus::BuildCounter()
                       .Name("audit_events_total")
                       .Help("Audit log entries written, by severity")
                       .Register(ctx.metrics());
    std::map<std::string, prometheus::Counter*> bySeverity;
    for (const char* severity : kSeverities) bySeverity[severity] = &events.Add({{"severity", severity}});
    // Lost means the database could not take an append through every retry (alert
    // AuditEntriesLost); an entry the database refuses is stored in a reduced form instead.
    prometheus::Counter* failures = &prometheus::BuildCounter()
                                         .Name("audit_entries_lost_total")
                                         .Help("Audit log entries lost because the database was unavailable through every retry")
                                         .Register(ctx.metrics())
                                         .Add({});

    WriterCallbacks callbacks;
    callbacks.written = [bySeverity](const AuditEntry& e) {
      auto it = bySeverity.find(e.severity);
      if (it != bySeverity.end()) it->second->Increment();
    };
    callbacks.failed = [failures](const AuditEntry&, const std::string&) { failures->Increment(); };
    WriterOptions options;
    options.queueCapacity = static_cast<std::size_t>(settings.queueCapacity);
    options.batchSize = static_cast<std::size_t>(settings.batchSize);
    writer_ = std::make_unique<AuditWriter>(*store_, ctx.logger(), callbacks, options);

    service_ = std::make_shared<AuditService>(ctx.db(), *writer_, settings.maxPageSize);
    ctx.services().provide<AuditLog>(service_);
    ctx.services().provide<AuditCheckpoints>(std::make_shared<CheckpointService>(checkpointer_.get()));

    writer_->start();
    ctx.logger().information("audit log ready (retention: %s, page size up to %d)",
                             settings.retentionDays > 0 ? std::to_string(settings.retentionDays) + " days"
                                                        : std::string("keep forever"),
                             settings.maxPageSize);
  }

  void stop() override {
    // Whatever is queued is written before the state goes. Dependents stopped before this,
    // so nobody calls the service any more (the registry drops it right after).
    if (writer_) writer_->stop();
    if (syslog_) syslog_->stop();  // after the writer, so its last entries are forwarded too
    // After the last queued entry is written, so the final checkpoint covers it.
    if (checkpointer_) {
      try {
        checkpointer_->write("shutdown");
      } catch (const std::exception& e) {
        log_->error("audit checkpoint at shutdown failed: %s", std::string(e.what()));
      }
    }
    checkpointer_.reset();
    service_.reset();
    writer_.reset();
    store_.reset();
    syslog_.reset();
    mapping_.reset();
  }

 private:
  // Every committed row, from the writer and from retention, goes to the forwarder's queue.
  void startSyslog(Context& ctx, const SyslogSettings& settings) {
    syslog_ = std::make_unique<SyslogForwarder>(settings, syslogOrigin(settings), ctx.metrics(), ctx.logger());
    store_->onCommitted([forwarder = syslog_.get()](const std::vector<ChainRow>& rows) { forwarder->enqueue(rows); });
    syslog_->start();
    ctx.logger().information("audit syslog forwarding to %s %s (facility %s, queue up to %d)", settings.transport,
                             settings.address, settings.facility, settings.queueMax);
  }

  Poco::Logger* log_ = nullptr;
  std::unique_ptr<SyslogForwarder> syslog_;
  std::unique_ptr<EventMapping> mapping_;
  std::unique_ptr<AuditStore> store_;
  std::unique_ptr<AuditWriter> writer_;
  std::shared_ptr<AuditService> service_;
  std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace
}  // namespace cc::audit

CODECOUNCIL_PLUGIN(cc::audit::AuditPlugin)
