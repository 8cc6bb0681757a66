#include "audit_writer.hpp"

namespace cc::audit {

AuditWriter::AuditWriter(AuditStore& store, Poco::Logger& log, WriterCallbacks callbacks, WriterOptions options)
    : store_(store), log_(log), callbacks_(std::move(callbacks)), options_(std::move(options)) {}

AuditWriter::~AuditWriter() { stop(); }

void AuditWriter::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void AuditWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(mutex_);
  running_ = false;
}

void AuditWriter::enqueue(AuditEntry entry) {
  std::unique_lock lock(mutex_);
  if (running_ && !stopping_ && queue_.size() < options_.queueCapacity) {
    queue_.push_back(std::move(entry));
    lock.unlock();
    wake_.notify_one();
    return;
  }
  lock.unlock();
  // Full, stopped or not started (CLI commands): write on the caller's thread.
  std::vector<AuditEntry> one{std::move(entry)};
  writeBatch(one);
}

void AuditWriter::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return (queue_.empty() && inFlight_ == 0) || !running_; });
}

void AuditWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stopping_) break;
      continue;
    }
    std::vector<AuditEntry> batch;
    while (!queue_.empty() && batch.size() < options_.batchSize) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    inFlight_ = batch.size();
    lock.unlock();
    writeBatch(batch);
    lock.lock();
    inFlight_ = 0;
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

void AuditWriter::writeBatch(std::vector<AuditEntry>& batch) {
  // The thread body must never throw: everything below is caught and reported.
  std::string lastError;
  for (std::size_t attempt = 0; attempt <= options_.retryDelays.size(); ++attempt) {
    try {
      store_.append(batch);
      for (auto& e : batch)
        if (callbacks_.written) callbacks_.written(e);
      return;
    } catch (const std::exception& e) {
      lastError = e.what();
    } catch (...) {
      lastError = "unknown error";
    }
    if (attempt < options_.retryDelays.size()) {
      log_.warning("audit: writing %z entries failed (attempt %z), retrying: %s", batch.size(), attempt + 1,
                   lastError);
      std::this_thread::sleep_for(options_.retryDelays[attempt]);
    }
  }
  writeNow(batch);
}

void AuditWriter::writeNow(const std::vector<AuditEntry>& batch) {
  for (auto& entry : batch) {
    std::string error;
    try {
      store_.append({entry});
      if (callbacks_.written) callbacks_.written(entry);
      continue;
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown error";
    }
    // Enough to find the event elsewhere; metadata stays out of the log.
    log_.error("audit: entry LOST after retries: action=%s severity=%s userId=%s requestId=%s: %s", entry.action,
               entry.severity, entry.userId, entry.requestId, error);
    if (callbacks_.failed) callbacks_.failed(entry, error);
  }
}

}  // namespace cc::audit
