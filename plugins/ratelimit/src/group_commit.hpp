#pragma once
// Group commit for SQLite's single writer. Counting is one small upsert; what costs is
// handing SQLite's write lock from thread to thread (each handover a futex wake and a context
// switch, one commit each). Here the first waiting thread becomes the leader: it takes every
// write queued so far, runs them in ONE transaction on one pooled session (Database::begin, so
// behind the host's SQLite writer lock), in arrival order, commits once and wakes their
// threads. Writes queued meanwhile form the next batch.
//
// Each write still sees the ones before it (same transaction, in order), so the conditional
// upserts decide exactly as they would one by one; an answer is sent only after its batch has
// committed. When anything in a batch fails, the whole batch is rolled back and every write in
// it gets that error (nothing of it was counted).
#include <codecouncil/sdk/database.hpp>

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

namespace cc::ratelimit {

class GroupCommit {
 public:
  explicit GroupCommit(Database& db) : db_(db) {}

  using Write = std::function<void(Poco::Data::Session&)>;
  /// Runs `write` (statements through db.queryPrepared(session, ...) on the session it is given)
  /// inside a committed transaction, possibly on another thread; returns when that transaction
  /// has committed, or rethrows its error.
  void run(const Write& write);

  /// Writes queued for the next batch (while a batch runs).
  std::size_t waiting() {
    std::lock_guard lock(mutex_);
    return queued_.size();
  }

 private:
  struct Pending {
    const Write* write;
    std::exception_ptr error;
    bool done = false;
  };
  void runBatch(const std::vector<Pending*>& batch);

  Database& db_;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::vector<Pending*> queued_;
  bool leading_ = false;  // a thread is running a batch
};

}  // namespace cc::ratelimit
