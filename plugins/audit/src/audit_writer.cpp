#include "audit_writer.hpp"

#include "entry_rules.hpp"

#include <Poco/Exception.h>

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

bool AuditWriter::tryAppend(const std::vector<AuditEntry>& entries, std::string& error) {
  try {
    store_.append(entries);
  } catch (const Poco::Exception& e) {
    error = e.displayText();  // Poco's what() is only the class name
    return false;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  } catch (...) {
    error = "unknown error";
    return false;
  }
  for (auto& e : entries)
    if (callbacks_.written) callbacks_.written(e);
  return true;
}

bool AuditWriter::databaseTakesAppends() {
  try {
    store_.probe();
    return true;
  } catch (...) {
    return false;
  }
}

void AuditWriter::writeBatch(const std::vector<AuditEntry>& batch) {
  // The thread body must never throw: everything below is caught and reported.
  std::string error;
  for (std::size_t attempt = 0;; ++attempt) {
    if (tryAppend(batch, error)) return;
    // The chain lock can be taken, so the failure is in the rows: waiting would only stall
    // the log (and, before, lose the entry anyway).
    if (databaseTakesAppends()) return writeAround(batch);
    if (attempt == options_.retryDelays.size()) break;
    log_.warning("audit: writing %z entries failed (attempt %z), the database is unavailable, retrying: %s",
                 batch.size(), attempt + 1, error);
    std::this_thread::sleep_for(options_.retryDelays[attempt]);
  }
  for (auto& entry : batch) reportLost(entry, "the database is unavailable: " + error);
}

void AuditWriter::writeAround(const std::vector<AuditEntry>& batch) {
  if (batch.size() == 1) {
    std::string error;
    if (tryAppend(batch, error)) return;  // it was a neighbour's fault, or a passing one
    if (!databaseTakesAppends()) return writeBatch(batch);
    return writeUnstorable(batch[0], error);
  }
  // Halves in order, so ids still follow the order entries were recorded in.
  auto middle = batch.begin() + static_cast<std::ptrdiff_t>(batch.size() / 2);
  writeBatch(std::vector<AuditEntry>(batch.begin(), middle));
  writeBatch(std::vector<AuditEntry>(middle, batch.end()));
}

void AuditWriter::writeUnstorable(const AuditEntry& entry, const std::string& error) {
  // Keep the evidence that something happened (who, what, which request); drop the fields
  // that may be why the database refused the row. The reason's first line names the
  // constraint or the bad byte; later lines may quote the refused values.
  std::string reason = error.substr(0, error.find('\n'));
  AuditEntry kept = entry;
  kept.ip.clear();
  kept.userAgent.clear();
  kept.resourceId.clear();
  auto meta = json::object();
  meta->set("unstorable", reason);
  kept.metadata = json::stringify(meta);
  kept = normalizeEntry(kept);
  std::string second;
  if (tryAppend({kept}, second)) {
    log_.warning("audit: the database refused entry action=%s requestId=%s; stored without ip, userAgent, "
                 "resourceId and metadata: %s",
                 entry.action, entry.requestId, reason);
    return;
  }
  reportLost(entry, "the database refused it: " + reason + "; and its reduced form: " + second);
}

void AuditWriter::reportLost(const AuditEntry& entry, const std::string& why) {
  // Enough to find the event elsewhere; metadata stays out of the log.
  log_.error("audit: entry LOST: action=%s severity=%s userId=%s requestId=%s: %s", entry.action, entry.severity,
             entry.userId, entry.requestId, why);
  if (callbacks_.failed) callbacks_.failed(entry, why);
}

}  // namespace cc::audit
