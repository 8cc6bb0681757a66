#include "group_commit.hpp"

namespace cc::ratelimit {

void GroupCommit::run(const Write& write) {
  Pending mine{&write};
  std::unique_lock lock(mutex_);
  queued_.push_back(&mine);
  finished_.wait(lock, [&] { return mine.done || !leading_; });
  if (!mine.done) {
    // Lead: everything queued so far, this write included, goes into one transaction.
    leading_ = true;
    std::vector<Pending*> batch;
    batch.swap(queued_);
    lock.unlock();
    runBatch(batch);
    lock.lock();
    for (Pending* p : batch) p->done = true;
    leading_ = false;
    finished_.notify_all();  // the batch's threads, and the next leader
  }
  if (mine.error) std::rethrow_exception(mine.error);
}

void GroupCommit::runBatch(const std::vector<Pending*>& batch) {
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

}  // namespace cc::ratelimit
