#include "core/scheduler/job_lease.hpp"

#include "core/scheduler/cron.hpp"

#include <vector>

using namespace Poco::Data::Keywords;

namespace cc::core {

namespace {
std::string isoNow(std::chrono::seconds offset = std::chrono::seconds(0)) {
  return formatIsoUtc(std::chrono::system_clock::now() + offset);
}
}  // namespace

JobLease::JobLease(Database& db, std::string job, std::string instanceId)
    : db_(db), job_(std::move(job)), instanceId_(std::move(instanceId)) {
  auto s = db_.session();
  std::string j = job_, instance = instanceId_, renewedAt = isoNow(), staleBefore = isoNow(-kStaleAfter);
  std::vector<std::string> taken;
  // One statement on both engines: a new row, or a stale one taken over; a live row stays.
  s << db_.sql("INSERT INTO scheduled_job_locks (job, \"instanceId\", \"renewedAt\") VALUES (?, ?, ?) "
               "ON CONFLICT (job) DO UPDATE SET \"instanceId\" = excluded.\"instanceId\", "
               "\"renewedAt\" = excluded.\"renewedAt\" WHERE scheduled_job_locks.\"renewedAt\" < ? RETURNING job"),
      use(j), use(instance), use(renewedAt), use(staleBefore), into(taken), now;
  held_ = !taken.empty();
  if (!held_) {
    std::vector<std::string> holders;
    s << db_.sql("SELECT \"instanceId\" FROM scheduled_job_locks WHERE job = ?"), use(j), into(holders), now;
    if (!holders.empty()) holder_ = holders.front();
    return;
  }
  renewer_ = std::thread([this] { renewLoop(); });
}

JobLease::~JobLease() {
  if (!held_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  try {
    auto s = db_.session();
    std::string j = job_, instance = instanceId_;
    s << db_.sql("DELETE FROM scheduled_job_locks WHERE job = ? AND \"instanceId\" = ?"), use(j), use(instance), now;
  } catch (...) {
    // The row goes stale after kStaleAfter and the next run takes it over.
  }
}

void JobLease::renewLoop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kRenewEvery, [this] { return stopping_; })) {
    try {
      auto s = db_.session();
      std::string j = job_, instance = instanceId_, renewedAt = isoNow();
      s << db_.sql("UPDATE scheduled_job_locks SET \"renewedAt\" = ? WHERE job = ? AND \"instanceId\" = ?"),
          use(renewedAt), use(j), use(instance), now;
    } catch (...) {
      // A missed renewal is retried in kRenewEvery; kStaleAfter leaves room for three.
    }
  }
}

}  // namespace cc::core
