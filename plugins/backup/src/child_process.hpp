#pragma once
// A child process (pg_dump, psql) started with posix_spawnp and an explicit environment, so
// secrets such as PGPASSWORD travel in the child's environment and never in argv.
#include <map>
#include <string>
#include <vector>

namespace cc::backup {

struct ChildOptions {
  std::vector<std::string> argv;              ///< argv[0] is looked up in PATH
  std::map<std::string, std::string> env;     ///< added to (or replacing) this process's environment
  bool pipeStdin = false;                     ///< write to stdinFd()
  bool pipeStdout = false;                    ///< read from stdoutFd(); otherwise stdout is captured
};

class ChildProcess {
 public:
  /// Starts the child; throws std::runtime_error when it cannot be started.
  explicit ChildProcess(const ChildOptions& options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int stdinFd() const { return stdin_; }
  int stdoutFd() const { return stdout_; }
  /// Writes all of `data` to the child's stdin; false when the child closed it.
  bool writeStdin(const char* data, std::size_t size);
  void closeStdin();
  /// SIGKILL and reap.
  void kill();
  /// Waits for exit: the exit status, or 128 + signal.
  int wait();
  /// The child's stderr (and stdout when not piped), at most the last 4 KiB.
  std::string output() const;

 private:
  int pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int status_ = -1;
  std::string captureFile_;
};

}  // namespace cc::backup
