#pragma once
// Scheduled jobs: 5-field cron expressions in UTC, or fixed intervals.
//
// By default a job is exclusive: across every host instance sharing the database it runs
// once per time slot (the slot is claimed by a unique row before the job runs).
#include <chrono>
#include <functional>
#include <string>

namespace cc {

struct JobRun {
  std::string job;   ///< "<plugin>.<name>"
  std::string slot;  ///< ISO-8601 UTC start of the slot this run is for
};

using Job = std::function<void(const JobRun&)>;

struct JobOptions {
  bool exclusive = true;  ///< once per slot across instances; false: every instance runs it
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// "m h dom mon dow" in UTC, e.g. "0 2 * * *". Throws std::invalid_argument on a bad expression.
  virtual void cron(const std::string& name, const std::string& expression, Job job, JobOptions options = {}) = 0;
  /// Every `period`, slots aligned to the Unix epoch.
  virtual void every(const std::string& name, std::chrono::seconds period, Job job, JobOptions options = {}) = 0;
};

}  // namespace cc
