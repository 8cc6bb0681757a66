#pragma once
// "This job is running here": one row per job in scheduled_job_locks, taken before an exclusive
// job runs (scheduled or by hand with `codecouncil jobs run`) and deleted after, so across every
// host sharing the database a job never overlaps itself. The slot claim in scheduled_job_runs
// says "this slot ran once"; the lease says "not twice at the same time".
//
// A host that dies mid-run cannot delete its row; the holder therefore renews it every
// kRenewEvery from a thread of its own, and a row not renewed for kStaleAfter is taken over.
#include <codecouncil/sdk/database.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace cc::core {

class JobLease {
 public:
  static constexpr std::chrono::seconds kRenewEvery{30};
  static constexpr std::chrono::seconds kStaleAfter{120};

  /// Tries to take the lease for `job`; held() says whether it did. Throws when the database
  /// cannot be asked (the caller then does not run the job).
  JobLease(Database& db, std::string job, std::string instanceId);
  /// Stops renewing and deletes the row (a failure is left to the staleness rule).
  ~JobLease();
  JobLease(const JobLease&) = delete;
  JobLease& operator=(const JobLease&) = delete;

  bool held() const { return held_; }
  /// When not held: the instance that holds it (as read just after the attempt; may be empty).
  const std::string& holder() const { return holder_; }

 private:
  void renewLoop();

  Database& db_;
  std::string job_;
  std::string instanceId_;
  bool held_ = false;
  std::string holder_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread renewer_;
};

}  // namespace cc::core
