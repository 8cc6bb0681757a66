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
// Each write still sees the ones before it (same transaction, in order), so conditional upserts
// decide exactly as they would one by one; submit() returns only after its batch has committed.
// When anything in a batch fails, the whole batch is rolled back and every write in it gets that
// error (nothing of it was written).
//
// ImmediateWriter, for PostgreSQL: row locks let writers run side by side, so batching would
// only make each write wait for strangers. Each write runs at once on the calling thread.
#include <codecouncil/sdk/database.hpp>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

namespace cc::core {

class GroupCommitWriter : public BatchedWriter {
 public:
  GroupCommitWriter(Database& db, std::string name, const BatchedWriterOptions& options)
      : db_(db), name_(std::move(name)), options_(options) {}

  void submit(const Write& write) override;
  std::size_t waiting() const override {
    std::lock_guard lock(mutex_);
    return queued_.size();
  }
  const std::string& name() const override { return name_; }

 private:
  struct Pending {
    const Write* write;
    std::exception_ptr error;
    bool done = false;
  };
  void runBatch(const std::vector<Pending*>& batch);

  Database& db_;
  const std::string name_;
  const BatchedWriterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable finished_;
  std::vector<Pending*> queued_;
  bool leading_ = false;  // a thread is running a batch
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
