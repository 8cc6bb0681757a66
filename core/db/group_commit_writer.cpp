#include "core/db/group_commit_writer.hpp"

#include <algorithm>

namespace cc::core {

void GroupCommitWriter::submit(const Write& write) {
  auto mine = std::make_shared<Pending>(&write);
  bool leadNow = false;
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(mine);
    if (!leading_) leading_ = leadNow = true;
  }
  for (;;) {
    if (!leadNow) {
      // A request's fiber steps off its thread meanwhile (cc::Waiting); other callers sleep.
      const int state = mine->state.waitWhile(waiting_, kWaiting);
      if (state == kDone) break;
      mine->state.set(kWaiting);  // handed the lead (kLead)
    }
    lead(*mine);
    if (mine->state.get() == kDone) break;
    leadNow = false;  // maxBatch left ours for a later batch, and the lead went on to its writes
  }
  if (mine->error) std::rethrow_exception(mine->error);
}

// Runs one batch: the oldest queued writes (all of them, or maxBatch). Afterwards the lead goes
// to the oldest write still queued (its thread wakes to run the next batch) or, when nothing
// is queued, is given up.
void GroupCommitWriter::lead(Pending& mine) {
  std::vector<PendingPtr> batch;
  {
    std::lock_guard lock(mutex_);
    const std::size_t n = options_.maxBatch == 0 ? queued_.size() : std::min(options_.maxBatch, queued_.size());
    batch.assign(std::make_move_iterator(queued_.begin()),
                 std::make_move_iterator(queued_.begin() + static_cast<std::ptrdiff_t>(n)));
    queued_.erase(queued_.begin(), queued_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  runBatch(batch);
  PendingPtr next;
  {
    std::lock_guard lock(mutex_);
    if (queued_.empty()) leading_ = false;
    else next = queued_.front();  // stays queued: it takes itself with its batch
  }
  if (next) next->state.set(kLead);  // first: the next batch starts while this one's callers are woken
  for (const PendingPtr& p : batch) p->state.set(kDone);
}

void GroupCommitWriter::runBatch(const std::vector<PendingPtr>& batch) {
  try {
    // SQLite: BEGIN IMMEDIATE takes the write lock now, so no statement of the batch can meet
    // SQLITE_BUSY half-way (other processes on the file wait on busy_timeout, as before).
    // A failure rolls the whole batch back.
    db_.transaction([&](Poco::Data::Session& s) {
      for (const PendingPtr& p : batch) (*p->write)(s);
    });
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    for (const PendingPtr& p : batch) p->error = error;
  }
}

void ImmediateWriter::submit(const Write& write) {
  if (options_.singleStatementWrites) {
    // One statement is its own transaction (autocommit): no BEGIN/COMMIT round trips.
    Poco::Data::Session s = db_.session();
    write(s);
    return;
  }
  db_.transaction([&](Poco::Data::Session& s) { write(s); });
}

}  // namespace cc::core
