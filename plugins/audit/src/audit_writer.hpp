#pragma once
// Takes entries off the request path: record() queues them and one thread appends them in
// batches. A request never waits on the chain lock and never fails because of the audit log.
//
// Nothing is dropped silently: when the queue is full the caller writes synchronously
// (back-pressure instead of loss); a batch that fails is retried, then written entry by
// entry, and an entry that still fails is logged (without metadata) and counted.
#include "audit_store.hpp"

#include <Poco/Logger.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cc::audit {

struct WriterOptions {
  std::size_t queueCapacity = 10000;
  std::size_t batchSize = 200;
  std::vector<std::chrono::milliseconds> retryDelays{std::chrono::milliseconds(100),
                                                     std::chrono::milliseconds(500),
                                                     std::chrono::milliseconds(2000)};
};

/// Called once per entry after it was committed, or after it finally failed.
struct WriterCallbacks {
  std::function<void(const AuditEntry&)> written;
  std::function<void(const AuditEntry&, const std::string& error)> failed;
};

class AuditWriter {
 public:
  AuditWriter(AuditStore& store, Poco::Logger& log, WriterCallbacks callbacks, WriterOptions options = {});
  ~AuditWriter();
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  void start();
  /// Writes what is queued, then joins the thread. New entries are written synchronously.
  void stop();
  /// Entries must already be normalised. Never throws.
  void enqueue(AuditEntry entry);
  /// Blocks until everything queued before the call is written (or failed).
  void flush();

 private:
  void run();
  void writeBatch(std::vector<AuditEntry>& batch);
  void writeNow(const std::vector<AuditEntry>& batch);  // one attempt per entry, then report

  AuditStore& store_;
  Poco::Logger& log_;
  WriterCallbacks callbacks_;
  WriterOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<AuditEntry> queue_;
  std::size_t inFlight_ = 0;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cc::audit
