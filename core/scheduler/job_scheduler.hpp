#pragma once
// Runs plugins' scheduled jobs. An exclusive job (the default) claims its slot with a unique
// row in scheduled_job_runs before running, so across every host sharing the database each
// slot runs once. A job never overlaps itself within one host: a slot that comes while the
// previous run is still going is skipped (and logged). An exclusive job also holds a lease
// (job_lease.hpp) while it runs, so a run never overlaps another run of the same job on any
// host, whether scheduled or started by hand (`codecouncil jobs run`, runNow()).
#include "core/scheduler/cron.hpp"

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/scheduler.hpp>

#include <Poco/Logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cc::core {

/// What runNow() did.
struct JobOutcome {
  enum class Status { Succeeded, Failed, Busy } status = Status::Failed;
  std::string detail;  // Failed: the error; Busy: who holds the job
  std::chrono::milliseconds took{0};
};

struct JobInfo {
  std::string name;      // "<owner>.<job>"
  std::string owner;
  std::string schedule;  // cron text or "every Ns"
  bool exclusive = true;
};

class JobScheduler {
 public:
  JobScheduler(Database& db, std::string instanceId, Poco::Logger& log);
  ~JobScheduler();

  void addCron(const std::string& owner, const std::string& name, const std::string& expression, Job job, JobOptions options);
  void addInterval(const std::string& owner, const std::string& name, std::chrono::seconds period, Job job, JobOptions options);
  /// Throws std::invalid_argument unless `period` can schedule a job (also checked when a
  /// plugin declares the job, so listings report it as serving would).
  static void checkInterval(const std::string& owner, const std::string& name, std::chrono::seconds period);
  void removeOwner(const std::string& owner);
  std::vector<JobInfo> jobs() const;

  void start();
  /// Stops scheduling and waits for running jobs to finish.
  void stop();

  /// Runs the job `name` ("<owner>.<job>") once, now, in this thread, with the same exclusivity
  /// as a scheduled run: the lease, and a row in scheduled_job_runs whose slot is the start
  /// time. Throws std::out_of_range for an unknown name.
  JobOutcome runNow(const std::string& name);

  /// Claims (job, slot) for this instance; false when another instance already has it.
  bool claim(const std::string& job, const std::string& slot);

 private:
  using Clock = std::chrono::system_clock;
  struct Entry {
    JobInfo info;
    std::optional<CronExpression> cron;
    std::chrono::seconds period{0};
    Job job;
    Clock::time_point nextDue;
    std::shared_ptr<std::atomic<bool>> running = std::make_shared<std::atomic<bool>>(false);
  };
  Clock::time_point nextSlotAfter(const Entry& e, Clock::time_point t) const;
  void add(Entry entry);
  void loop();
  void launch(Entry& e, Clock::time_point slot);
  void runOnce(const JobInfo& info, const Job& job, const std::string& slot);
  /// Runs the job and records its outcome in the slot's row (when exclusive); never throws.
  JobOutcome runClaimed(const JobInfo& info, const Job& job, const std::string& slot);
  void finish(const std::string& job, const std::string& slot, const std::string& status, const std::string& error);
  void reapFinished();

  Database& db_;
  std::string instanceId_;
  Poco::Logger& log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Entry> entries_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Worker> workers_;
  std::thread loop_;
  bool stopping_ = false;
  bool started_ = false;
};

/// The Scheduler one plugin sees: job names are prefixed with the plugin's name.
class PluginScheduler : public Scheduler {
 public:
  PluginScheduler(JobScheduler& s, std::string owner) : scheduler_(s), owner_(std::move(owner)) {}
  void cron(const std::string& name, const std::string& expression, Job job, JobOptions options) override {
    scheduler_.addCron(owner_, name, expression, std::move(job), options);
  }
  void every(const std::string& name, std::chrono::seconds period, Job job, JobOptions options) override {
    scheduler_.addInterval(owner_, name, period, std::move(job), options);
  }

 private:
  JobScheduler& scheduler_;
  std::string owner_;
};

}  // namespace cc::core
