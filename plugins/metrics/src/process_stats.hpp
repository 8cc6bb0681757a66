#pragma once
// CPU, memory, start time and file descriptors of this process, read from /proc/self (the
// same figures the official Prometheus clients export as process_*).
#include <optional>
#include <string>

namespace cc::metrics {

struct ProcessStats {
  double cpuSeconds = 0;        ///< user + system time
  double residentBytes = 0;
  double virtualBytes = 0;
  double startTimeSeconds = 0;  ///< Unix time the process started
  double openFds = 0;
  double maxFds = 0;            ///< soft limit; 0 when unknown
};

/// Parses /proc/self/stat. `bootTime` is the Unix time the machine booted (btime in /proc/stat).
std::optional<ProcessStats> parseProcSelfStat(const std::string& stat, long ticksPerSecond, long pageSize,
                                              double bootTime);
/// The btime line of /proc/stat; nullopt when absent.
std::optional<double> parseBootTime(const std::string& procStat);
/// The soft "Max open files" limit from /proc/self/limits; nullopt when absent or unlimited.
std::optional<double> parseMaxOpenFiles(const std::string& limits);

/// Reads everything from /proc; nullopt when /proc is unavailable.
std::optional<ProcessStats> readProcessStats();

}  // namespace cc::metrics
