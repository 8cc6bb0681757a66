#include "core/db/group_commit_writer.hpp"

#include <algorithm>

namespace cc::core {

void GroupCommitWriter::submit(const Write& write) {
  Pending mine{&write};
  std::unique_lock lock(mutex_);
  queued_.push_back(&mine);
  for (;;) {
    finished_.wait(lock, [&] { return mine.done || !leading_; });
    if (mine.done) break;
    // Lead: the oldest queued writes (all of them, or maxBatch) go into one transaction. Ours
    // is still queued, so there is one; when maxBatch leaves it for later, this thread leads
    // again unless another thread got there first.
    leading_ = true;
    const std::size_t n = options_.maxBatch == 0 ? queued_.size() : std::min(options_.maxBatch, queued_.size());
    std::vector<Pending*> batch;
    if (n == queued_.size()) {
      batch.swap(queued_);
    } else {
      batch.assign(queued_.begin(), queued_.begin() + static_cast<std::ptrdiff_t>(n));
      queued_.erase(queued_.begin(), queued_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    lock.unlock();
    runBatch(batch);
    lock.lock();
    for (Pending* p : batch) p->done = true;
    leading_ = false;
    finished_.notify_all();  // the batch's threads, and the next leader
  }
  if (mine.error) std::rethrow_exception(mine.error);
}

void GroupCommitWriter::runBatch(const std::vector<Pending*>& batch) {
  try {
    // SQLite: BEGIN IMMEDIATE takes the write lock now, so no statement of the batch can meet
    // SQLITE_BUSY half-way (other processes on the file wait on busy_timeout, as before).
    // A failure rolls the whole batch back.
    db_.transaction([&](Poco::Data::Session& s) {
      for (Pending* p : batch) (*p->write)(s);
    });
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    for (Pending* p : batch) p->error = error;
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
