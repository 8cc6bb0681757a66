#pragma once
// When the log writer (log_sink.cpp) writes what is pending: at once while the log is quiet,
// in gathered batches while it is busy. Kept apart from the writer's thread and locks so the
// rule can be tested with made-up times instead of a stopwatch on a shared machine.
//
// The rule: up to `immediateWrites` batches per `gatherTime` window go out the moment lines are
// there (an operator watching the log, a test waiting for a line, see it at once). Past that,
// lines gather until the window ends, so a busy log costs one wake-up and one write(2) per
// window instead of one per line. A batch written after gathering opens a new window.
#include <chrono>

namespace cc::core {

class WritePacer {
 public:
  using Clock = std::chrono::steady_clock;

  WritePacer(Clock::duration gatherTime, int immediateWrites)
      : gatherTime_(gatherTime), immediateWrites_(immediateWrites) {}

  /// When to write the lines pending at `now`: `now` itself (at once), or the end of the
  /// current window when this window already had its immediate writes.
  Clock::time_point writeAt(Clock::time_point now) {
    if (now - windowStart_ >= gatherTime_) {
      windowStart_ = now;
      writes_ = 0;
    }
    gathering_ = writes_ >= immediateWrites_;
    return gathering_ ? windowStart_ + gatherTime_ : now;
  }

  /// A batch was written at `now` (at writeAt()'s time, or earlier when a flush, a full batch
  /// or stop cut the gathering short).
  void wrote(Clock::time_point now) {
    if (gathering_) {
      windowStart_ = now;
      writes_ = 0;
      gathering_ = false;
    }
    ++writes_;
  }

 private:
  const Clock::duration gatherTime_;
  const int immediateWrites_;
  Clock::time_point windowStart_{};
  int writes_ = 0;
  bool gathering_ = false;
};

}  // namespace cc::core
