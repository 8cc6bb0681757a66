#pragma once
// The two cc::BatchedWriter implementations behind Database::batchedWriter().
//
// GroupCommitWriter, for SQLite's single writer (moved here from the rate limiter, which was
// its first user). Counting is one small upsert; what costs is handing SQLite's write lock from
// thread to thread (each handover a futex wake and a context switch, one commit each). Here the
// first waiting thread becomes the leader: it takes every write queued so far (at most
// maxBatch), runs them in ONE transaction on one pooled session (Database::begin, so behind the
// host's SQLite writer lock), in arrival order, commits once and wakes their threads. Writes
// queued meanwhile form the next batch.
//
// Wake-ups are targeted: each waiting caller waits on its own slot (cc::WaitSlot), the leader
// wakes exactly the callers of its batch and hands the lead to the oldest write still queued.
// One condition variable woken with notify_all made every waiter wake after every batch and
// fight for the mutex, most of them only to sleep again (docs/performance.md, "Throughput as
// shipped"). A caller in a request waits as a suspended fiber, holding no thread
// (core/fibers/request_fiber.hpp); others sleep until woken.
//
// Each write still sees the ones before it (same transaction, in order), so conditional upserts
// decide exactly as they would one by one; submit() returns only after its batch has committed.
// When anything in a batch fails, the whole batch is rolled back and every write in it gets that
// error (nothing of it was written).
//
// ImmediateWriter, for PostgreSQL: row locks let writers run side by side, so batching would
// only make each write wait for strangers. Each write runs at once on the calling thread.
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/waiting.hpp>

#include <atomic>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cc::core {

class GroupCommitWriter : public BatchedWriter {
 public:
  /// `waiting`: how a caller waits for its batch (the host's fiberWaiting(): a request's fiber
  /// steps off its thread; anything else blocks).
  GroupCommitWriter(Database& db, std::string name, const BatchedWriterOptions& options, Waiting& waiting)
      : db_(db), name_(std::move(name)), options_(options), waiting_(waiting) {}

  void submit(const Write& write) override;
  std::size_t waiting() const override {
    std::lock_guard lock(mutex_);
    return queued_.size();
  }
  const std::string& name() const override { return name_; }

 private:
  enum State : int { kWaiting, kDone, kLead };
  // Shared: the leader still holds the batch's entries while it wakes their threads, which may
  // return and leave their submit() at once.
  struct Pending {
    explicit Pending(const Write* w) : write(w) {}
    const Write* write;
    std::exception_ptr error;  // written before state turns kDone
    WaitSlot state{kWaiting};
  };
  using PendingPtr = std::shared_ptr<Pending>;
  void lead(Pending& mine);
  void runBatch(const std::vector<PendingPtr>& batch);

  Database& db_;
  const std::string name_;
  const BatchedWriterOptions options_;
  Waiting& waiting_;
  mutable std::mutex mutex_;      // guards queued_ and leading_; never held while writing
  std::deque<PendingPtr> queued_;
  bool leading_ = false;  // a thread is running a batch, or has been handed the lead
};

class ImmediateWriter : public BatchedWriter {
 public:
  ImmediateWriter(Database& db, std::string name, const BatchedWriterOptions& options)
      : db_(db), name_(std::move(name)), options_(options) {}

  void submit(const Write& write) override;
  std::size_t waiting() const override { return 0; }
  const std::string& name() const override { return name_; }

 private:
  Database& db_;
  const std::string name_;
  const BatchedWriterOptions options_;
};

}  // namespace cc::core
