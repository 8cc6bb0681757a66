#include "process_stats.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace cc::metrics {
namespace {

std::string slurp(const char* path) {
  std::ifstream in(path);
  if (!in) return "";
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::optional<ProcessStats> parseProcSelfStat(const std::string& stat, long ticksPerSecond, long pageSize,
                                              double bootTime) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos || ticksPerSecond <= 0) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state) of proc(5)
  for (std::string token; fields >> token;) f.push_back(token);
  if (f.size() < 22) return std::nullopt;
  auto field = [&](int number) { return std::stod(f[number - 3]); };
  try {
    ProcessStats s;
    s.cpuSeconds = (field(14) + field(15)) / static_cast<double>(ticksPerSecond);
    s.startTimeSeconds = bootTime + field(22) / static_cast<double>(ticksPerSecond);
    s.virtualBytes = field(23);
    s.residentBytes = field(24) * static_cast<double>(pageSize);
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> parseBootTime(const std::string& procStat) {
  std::istringstream lines(procStat);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("btime ", 0) == 0) {
      try {
        return std::stod(line.substr(6));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

std::optional<double> parseMaxOpenFiles(const std::string& limits) {
  std::istringstream lines(limits);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream rest(line.substr(14));
    std::string soft;
    rest >> soft;
    try {
      return std::stod(soft);
    } catch (const std::exception&) {
      return std::nullopt;  // "unlimited"
    }
  }
  return std::nullopt;
}

std::optional<ProcessStats> readProcessStats() {
  auto boot = parseBootTime(slurp("/proc/stat"));
  auto stats = parseProcSelfStat(slurp("/proc/self/stat"), ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE),
                                 boot.value_or(0));
  if (!stats) return std::nullopt;
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  stats->openFds = fds;
  stats->maxFds = parseMaxOpenFiles(slurp("/proc/self/limits")).value_or(0);
  return stats;
}

}  // namespace cc::metrics
