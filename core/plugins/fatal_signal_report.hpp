#pragma once
// While plugins start, a crash in a plugin's start() (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
// SIGABRT) is reported on stderr with the plugin's name and path before the signal's default
// action (core dump, exit status) happens. The log channel is asynchronous, so its
// "starting plugin" line may still be queued when the process dies; this line is written
// with write(2) from a text prepared before start(), the only safe thing in a handler.
#include <csignal>
#include <iterator>
#include <string>

namespace cc::core {

/// Installs the report for its lifetime and restores the previous handlers after (a handler a
/// plugin installed in its start() is left alone).
class FatalSignalReport {
 public:
  FatalSignalReport();
  ~FatalSignalReport();
  FatalSignalReport(const FatalSignalReport&) = delete;
  FatalSignalReport& operator=(const FatalSignalReport&) = delete;

  /// From now until finished(), a fatal signal is reported as "while starting plugin <name> (<path>)".
  void starting(const std::string& name, const std::string& path);
  void finished();

 private:
  static constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  struct sigaction previous_[std::size(kSignals)];
};

}  // namespace cc::core
