#include "core/host/log_sink.hpp"

#include "core/host/write_pacer.hpp"

#include <Poco/Message.h>

#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace cc::core {

LogSink::LogSink(int fd, std::size_t capBytes) : fd_(fd), capBytes_(capBytes) {
  writer_ = std::thread([this] { run(); });
}

LogSink::~LogSink() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

LogSink& LogSink::standardError() {
  static LogSink* sink = new LogSink(STDERR_FILENO);
  return *sink;
}

bool LogSink::append(std::string_view line) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() + line.size() + 1 > capBytes_) {
      ++dropped_;
      return false;
    }
    wake = pending_.empty() || (pending_.size() < kBatchBytes && pending_.size() + line.size() + 1 >= kBatchBytes);
    pending_.append(line);
    pending_.push_back('\n');
    ++appendedBatches_;
  }
  // The writer waits for a first line, then gathers for a moment or until a batch is full;
  // only those two moments need a wake-up.
  if (wake) wake_.notify_one();
  return true;
}

void LogSink::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = appendedBatches_;
  ++flushWaiters_;
  wake_.notify_one();
  written_.wait(lock, [&] { return writtenBatches_ >= target || stop_; });
  --flushWaiters_;
}

std::uint64_t LogSink::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void LogSink::run() {
  std::string batch;
  WritePacer pacer(kGatherTime, kImmediateWrites);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !pending_.empty() || dropped_ != droppedReported_; });
    if (pending_.empty() && dropped_ == droppedReported_) {
      if (stop_) return;
      continue;
    }
    // While the log is quiet the batch goes out at once; under load lines gather until the
    // window ends (write_pacer.hpp). A flush, a full batch or stop() ends the wait at once.
    const auto now = std::chrono::steady_clock::now();
    const auto writeAt = pacer.writeAt(now);
    if (writeAt > now)
      wake_.wait_until(lock, writeAt, [&] { return stop_ || flushWaiters_ > 0 || pending_.size() >= kBatchBytes; });
    pacer.wrote(std::chrono::steady_clock::now());
    batch.clear();
    batch.swap(pending_);
    const std::uint64_t upTo = appendedBatches_;
    const std::uint64_t lost = dropped_ - droppedReported_;
    droppedReported_ = dropped_;
    lock.unlock();
    if (lost > 0)
      batch += "log: " + std::to_string(lost) +
               " lines were dropped: the reader of the host's output (terminal, pipe, journald) fell behind\n";
    writeAll(batch);
    // Keep the buffer's memory for the next batch, but not a burst's worth forever.
    if (batch.capacity() > 1024 * 1024) std::string().swap(batch);
    lock.lock();
    writtenBatches_ = upTo;
    written_.notify_all();
  }
}

void LogSink::writeAll(const std::string& batch) {
  std::size_t done = 0;
  while (done < batch.size()) {
    ssize_t n = ::write(fd_, batch.data() + done, batch.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A non-blocking stderr (inherited from a parent that set O_NONBLOCK): wait until it
      // takes bytes again.
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    return;  // closed or broken output: nothing to report it to
  }
}

void LogSinkChannel::log(const Poco::Message& msg) { sink_.append(msg.getText()); }

}  // namespace cc::core
