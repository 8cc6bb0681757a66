#pragma once
// The process's one log writer. Every log line (the loggers' through LogSinkChannel, and the
// access log's, which the HTTP exchange formats itself) is appended to an in-memory batch
// under a short lock; one thread writes whole batches to stderr, one write(2) per batch.
//
// Why not Poco's AsyncChannel + ConsoleChannel: the async channel allocates a notification
// per message and wakes its thread for each one, and the console channel writes every line
// with its own system calls. Under load that cost 12% of a cheap request's throughput with the
// access log on (docs/performance.md). Here a request thread copies its line into memory and
// goes on; the writer takes what has piled up at once.
//
// Bounded: when the reader of stderr (a terminal, a pipe to journald) falls behind by more
// than the cap, new lines are dropped and counted; the writer reports the count in the log as
// soon as it can. Lines are never interleaved: each batch holds whole lines and is written by
// the one writer thread.
#include <Poco/Channel.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace cc::core {

class LogSink {
 public:
  /// Writes to `fd` (not owned); lines beyond `capBytes` waiting to be written are dropped.
  explicit LogSink(int fd, std::size_t capBytes = kDefaultCapBytes);
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  /// The sink on stderr every logger of the process writes through. Never destroyed: threads
  /// may log while static objects are being destroyed at exit; main() flushes it.
  static LogSink& standardError();

  /// Appends one line (a newline is added). Never blocks on the output; returns false when the
  /// line was dropped because the backlog is over the cap.
  bool append(std::string_view line);
  /// Returns once every line appended before the call has been written (or the output failed).
  void flush();
  /// Lines dropped since the start.
  std::uint64_t dropped() const;

  static constexpr std::size_t kDefaultCapBytes = 16 * 1024 * 1024;
  /// The writer writes at once up to kImmediateWrites times per gather time; beyond that,
  /// lines gather until the window ends, or until a batch reaches kBatchBytes.
  static constexpr std::chrono::milliseconds kGatherTime{10};
  static constexpr int kImmediateWrites = 4;
  static constexpr std::size_t kBatchBytes = 64 * 1024;

 private:
  void run();
  void writeAll(const std::string& batch);

  const int fd_;
  const std::size_t capBytes_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the writer: lines are waiting, or stop
  std::condition_variable written_;  // flush(): a batch was written
  std::string pending_;
  std::uint64_t appendedBatches_ = 0;  // counts appends, so flush() knows what it waits for
  std::uint64_t writtenBatches_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t droppedReported_ = 0;
  int flushWaiters_ = 0;
  bool stop_ = false;
  std::thread writer_;
};

/// A Poco channel that appends each message's text (formatted by a FormattingChannel in front
/// of it) to a LogSink as one line.
class LogSinkChannel : public Poco::Channel {
 public:
  explicit LogSinkChannel(LogSink& sink) : sink_(sink) {}
  void log(const Poco::Message& msg) override;
  void close() override { sink_.flush(); }

 private:
  LogSink& sink_;
};

}  // namespace cc::core
