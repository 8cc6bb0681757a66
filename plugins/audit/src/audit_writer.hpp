#pragma once
// Takes entries off the request path: record() queues them and one thread appends them in
// batches. A request never waits on the chain lock and never fails because of the audit log.
//
// Nothing is dropped silently, and nothing is dropped while the database can take an append:
// - when the queue is full the caller writes synchronously (back-pressure instead of loss);
// - a batch that fails while the database answers (the chain lock can be taken) holds a row
//   the database refuses: it is split in halves at once, without pauses, so the other entries
//   land, and a refused entry is stored without the fields that may be the cause (ip,
//   userAgent, resourceId, metadata), with the database's reason under "unstorable";
// - a batch that fails while the database cannot take an append is retried after pauses;
//   only if the database is still unavailable after the last one are its entries lost:
//   each is logged (without metadata) and reported through `failed`.
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
  void writeBatch(const std::vector<AuditEntry>& batch);
  void writeAround(const std::vector<AuditEntry>& batch);  // halves, each written on its own
  void writeUnstorable(const AuditEntry& entry, const std::string& error);
  bool tryAppend(const std::vector<AuditEntry>& entries, std::string& error);
  bool databaseTakesAppends();
  void reportLost(const AuditEntry& entry, const std::string& why);

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
