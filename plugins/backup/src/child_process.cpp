#include "child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace cc::backup {

ChildProcess::ChildProcess(const ChildOptions& options) {
  if (options.argv.empty()) throw std::invalid_argument("no program to run");
  // A child that exits early (psql with ON_ERROR_STOP) must give EPIPE, not kill us.
  std::signal(SIGPIPE, SIG_IGN);

  char capture[] = "/tmp/cc-backup-child-XXXXXX";
  int captureFd = ::mkstemp(capture);
  if (captureFd < 0) throw std::runtime_error(std::string("cannot create a temp file: ") + std::strerror(errno));
  captureFile_ = capture;

  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> envStore;
  for (auto& [k, v] : env) envStore.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : envStore) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argStore = options.argv;
  std::vector<char*> argv;
  for (auto& a : argStore) argv.push_back(a.data());
  argv.push_back(nullptr);

  int inPipe[2] = {-1, -1}, outPipe[2] = {-1, -1};
  if (options.pipeStdin && ::pipe2(inPipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (options.pipeStdout && ::pipe2(outPipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.pipeStdin) posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0);
  else posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (options.pipeStdout) posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  else posix_spawn_file_actions_adddup2(&actions, captureFd, 1);
  posix_spawn_file_actions_adddup2(&actions, captureFd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(captureFd);
  if (options.pipeStdin) ::close(inPipe[0]);
  if (options.pipeStdout) ::close(outPipe[1]);
  if (rc != 0) {
    if (options.pipeStdin) ::close(inPipe[1]);
    if (options.pipeStdout) ::close(outPipe[0]);
    ::unlink(captureFile_.c_str());
    throw std::runtime_error("cannot run " + options.argv[0] + ": " + std::strerror(rc));
  }
  pid_ = pid;
  stdin_ = options.pipeStdin ? inPipe[1] : -1;
  stdout_ = options.pipeStdout ? outPipe[0] : -1;
}

ChildProcess::~ChildProcess() {
  closeStdin();
  if (stdout_ >= 0) ::close(stdout_);
  if (pid_ > 0 && status_ < 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  if (!captureFile_.empty()) ::unlink(captureFile_.c_str());
}

bool ChildProcess::writeStdin(const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(stdin_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void ChildProcess::closeStdin() {
  if (stdin_ >= 0) ::close(stdin_);
  stdin_ = -1;
}

void ChildProcess::kill() {
  closeStdin();
  if (pid_ > 0 && status_ < 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

int ChildProcess::wait() {
  closeStdin();
  if (status_ >= 0) return status_;
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
  return status_;
}

std::string ChildProcess::output() const {
  std::ifstream in(captureFile_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 4096) text = "..." + text.substr(text.size() - 4096);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace cc::backup
