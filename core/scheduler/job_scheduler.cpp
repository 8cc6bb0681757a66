#include "core/scheduler/job_scheduler.hpp"

#include "core/scheduler/job_lease.hpp"

#include <algorithm>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::core {

JobScheduler::JobScheduler(Database& db, std::string instanceId, Poco::Logger& log)
    : db_(db), instanceId_(std::move(instanceId)), log_(log) {}

JobScheduler::~JobScheduler() { stop(); }

void JobScheduler::addCron(const std::string& owner, const std::string& name, const std::string& expression, Job job,
                           JobOptions options) {
  Entry e;
  e.info = {owner + "." + name, owner, expression, options.exclusive};
  e.cron = CronExpression::parse(expression);  // throws std::invalid_argument with the reason
  e.job = std::move(job);
  add(std::move(e));
}

void JobScheduler::addInterval(const std::string& owner, const std::string& name, std::chrono::seconds period, Job job,
                               JobOptions options) {
  checkInterval(owner, name, period);
  Entry e;
  e.info = {owner + "." + name, owner, "every " + std::to_string(period.count()) + "s", options.exclusive};
  e.period = period;
  e.job = std::move(job);
  add(std::move(e));
}

void JobScheduler::checkInterval(const std::string& owner, const std::string& name, std::chrono::seconds period) {
  if (period.count() <= 0) throw std::invalid_argument("job " + owner + "." + name + ": period must be positive");
}

void JobScheduler::add(Entry entry) {
  std::lock_guard lock(mutex_);
  for (auto& e : entries_)
    if (e.info.name == entry.info.name) throw std::invalid_argument("job " + entry.info.name + " is already scheduled");
  entry.nextDue = nextSlotAfter(entry, Clock::now());
  entries_.push_back(std::move(entry));
  wake_.notify_all();
}

void JobScheduler::removeOwner(const std::string& owner) {
  std::lock_guard lock(mutex_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.info.owner == owner; }),
                 entries_.end());
}

std::vector<JobInfo> JobScheduler::jobs() const {
  std::lock_guard lock(mutex_);
  std::vector<JobInfo> out;
  for (auto& e : entries_) out.push_back(e.info);
  return out;
}

JobScheduler::Clock::time_point JobScheduler::nextSlotAfter(const Entry& e, Clock::time_point t) const {
  if (e.cron) return e.cron->next(t);
  // Interval slots are aligned to the epoch so every instance computes the same slots.
  auto since = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
  auto slots = since.count() / e.period.count() + 1;
  return Clock::time_point(std::chrono::seconds(slots * e.period.count()));
}

void JobScheduler::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  loop_ = std::thread([this] { loop(); });
}

void JobScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!started_) return;
    stopping_ = true;
    started_ = false;
  }
  wake_.notify_all();
  if (loop_.joinable()) loop_.join();
  std::list<Worker> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& w : workers)
    if (w.thread.joinable()) w.thread.join();
}

void JobScheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = Clock::now();
    auto wakeAt = now + std::chrono::seconds(1);
    for (auto& e : entries_) {
      if (e.nextDue <= now) {
        auto slot = e.nextDue;
        e.nextDue = nextSlotAfter(e, now);
        launch(e, slot);
      }
      wakeAt = std::min(wakeAt, e.nextDue);
    }
    reapFinished();
    wake_.wait_until(lock, wakeAt, [this] { return stopping_; });
  }
}

// Called with mutex_ held.
void JobScheduler::launch(Entry& e, Clock::time_point slotTime) {
  std::string slot = formatIsoUtc(slotTime);
  if (e.running->exchange(true)) {
    log_.warning("job %s: slot %s skipped, the previous run is still going", e.info.name, slot);
    return;
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  auto running = e.running;
  JobInfo info = e.info;
  Job job = e.job;
  workers_.push_back({std::thread([this, info, job, slot, running, done] {
                        runOnce(info, job, slot);
                        running->store(false);
                        done->store(true);
                      }),
                      done});
}

// Called with mutex_ held.
void JobScheduler::reapFinished() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

bool JobScheduler::claim(const std::string& job, const std::string& slot) {
  auto s = db_.session();
  std::string j = job, sl = slot, instance = instanceId_;
  std::vector<std::string> claimed;
  s << db_.sql("INSERT INTO scheduled_job_runs (job, slot, \"instanceId\", \"startedAt\", status) VALUES (?, ?, ?, " +
               db_.nowSql() + ", 'running') ON CONFLICT (job, slot) DO NOTHING RETURNING job"),
      use(j), use(sl), use(instance), into(claimed), now;
  return !claimed.empty();
}

void JobScheduler::finish(const std::string& job, const std::string& slot, const std::string& status,
                          const std::string& error) {
  try {
    auto s = db_.session();
    std::string j = job, sl = slot, st = status, err = error;
    s << db_.sql("UPDATE scheduled_job_runs SET status = ?, error = ?, \"finishedAt\" = " + db_.nowSql() +
                 " WHERE job = ? AND slot = ?"),
        use(st), use(err), use(j), use(sl), now;
  } catch (const std::exception& e) {
    log_.error("job %s slot %s: cannot record the outcome: %s", job, slot, std::string(e.what()));
  }
}

void JobScheduler::runOnce(const JobInfo& info, const Job& job, const std::string& slot) {
  if (!info.exclusive) {
    runClaimed(info, job, slot);
    return;
  }
  try {
    // The slot first: every other instance loses here, quietly, for every slot. Only a run
    // that finds an earlier run (or a run by hand) still going elsewhere is worth a warning.
    if (!claim(info.name, slot)) {
      log_.debug("job %s slot %s: claimed by another instance", info.name, slot);
      return;
    }
    JobLease lease(db_, info.name, instanceId_);
    if (!lease.held()) {
      std::string holder = lease.holder().empty() ? std::string("(unknown)") : lease.holder();
      log_.warning("job %s: slot %s skipped, the job is running on instance %s", info.name, slot, holder);
      finish(info.name, slot, "skipped", "running on instance " + holder);
      return;
    }
    runClaimed(info, job, slot);
  } catch (const std::exception& e) {
    log_.error("job %s slot %s: cannot claim the slot, not running: %s", info.name, slot, std::string(e.what()));
  }
}

JobOutcome JobScheduler::runClaimed(const JobInfo& info, const Job& job, const std::string& slot) {
  JobOutcome outcome;
  auto started = std::chrono::steady_clock::now();
  try {
    job(JobRun{info.name, slot});
    outcome.status = JobOutcome::Status::Succeeded;
  } catch (const std::exception& e) {
    outcome.detail = e.what();
  } catch (...) {
    outcome.detail = "non-standard exception";
  }
  outcome.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (outcome.status == JobOutcome::Status::Succeeded) {
    if (info.exclusive) finish(info.name, slot, "succeeded", "");
  } else {
    log_.error("job %s slot %s failed: %s", info.name, slot, outcome.detail);
    if (info.exclusive) finish(info.name, slot, "failed", outcome.detail);
  }
  return outcome;
}

JobOutcome JobScheduler::runNow(const std::string& name) {
  JobInfo info;
  Job job;
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.info.name == name; });
    if (it == entries_.end()) throw std::out_of_range("no job " + name);
    info = it->info;
    job = it->job;
  }
  // The slot is the start time: what a job derives from its slot (audit retention's cutoff)
  // is then computed from now, as a scheduled run at this moment would.
  std::string slot = formatIsoUtc(Clock::now());
  if (!info.exclusive) return runClaimed(info, job, slot);
  JobLease lease(db_, info.name, instanceId_);  // throws when the database cannot be asked
  if (!lease.held())
    return {JobOutcome::Status::Busy,
            "running on instance " + (lease.holder().empty() ? std::string("(unknown)") : lease.holder()),
            std::chrono::milliseconds(0)};
  if (!claim(info.name, slot)) return {JobOutcome::Status::Busy, "slot " + slot + " already claimed", {}};
  return runClaimed(info, job, slot);
}

}  // namespace cc::core
