#pragma once
// Batched writes (group commit) from Database::batchedWriter(): many threads submit small
// writes, and the database commits them together where that is what makes writing fast.
//
// Why: on an engine that admits one writer at a time, what a tiny write costs is handing the
// write lock from thread to thread (a wake-up and a commit each). A batched writer lets the
// first waiting thread lead: it takes every write queued so far, runs them in ONE transaction in
// arrival order, commits once and wakes their threads. On an engine with row locks, where
// writers run side by side, writes are not batched: each runs at once on the calling thread.
//
// What stays true everywhere:
//  - submit() returns only after the transaction holding the write has committed, so an answer
//    based on the write is never sent for a write that could still be undone;
//  - each write sees the writes before it (same transaction, in order), so a conditional write
//    decides exactly as it would alone;
//  - when anything in a batch throws, the whole batch is rolled back and every submit() of it
//    rethrows that error (nothing of it was written). A write that must not share a failure
//    with strangers should not be batched.
#include <Poco/Data/Session.h>

#include <cstddef>
#include <functional>
#include <string>

namespace cc {

struct BatchedWriterOptions {
  /// The most writes one transaction takes (0: everything queued). A bound keeps one failing
  /// write from failing thousands, and one batch's lock hold short.
  std::size_t maxBatch = 0;
  /// Every write is a single statement. Where a statement is its own transaction (PostgreSQL's
  /// autocommit) such a write then runs without BEGIN and COMMIT, two round trips fewer; with
  /// false each unbatched write runs inside begin()/commit() so its statements commit together.
  bool singleStatementWrites = false;
};

class BatchedWriter {
 public:
  virtual ~BatchedWriter() = default;

  /// Runs statements on the session it is given (Database::queryPrepared(session, ...) or Poco
  /// statements); never begins, commits or rolls back itself.
  using Write = std::function<void(Poco::Data::Session&)>;

  /// Runs `write` in a committed transaction, possibly on another thread, and returns when that
  /// transaction has committed; rethrows the batch's error otherwise. A caller in a request
  /// waits for its batch without holding its thread (waiting.hpp), so it may continue on
  /// another thread: hold no std::mutex across the call.
  virtual void submit(const Write& write) = 0;

  /// Writes queued for the next batch (while a batch runs); 0 where writes are not batched.
  virtual std::size_t waiting() const = 0;

  /// The name given to Database::batchedWriter(), for logs.
  virtual const std::string& name() const = 0;
};

}  // namespace cc
