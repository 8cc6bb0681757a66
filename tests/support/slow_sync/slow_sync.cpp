// Preloaded into the host (LD_PRELOAD) by tests that need a slow disk: while the file named by
// CC_SLOW_SYNC_FLAG exists, every fsync and fdatasync first sleeps CC_SLOW_SYNC_MS
// milliseconds (default 400). Before the flag exists the disk is as fast as it is, so the
// host starts and migrates at normal speed.
#include <dlfcn.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>

namespace {

void pauseWhenFlagged() {
  const char* flag = std::getenv("CC_SLOW_SYNC_FLAG");
  if (!flag || access(flag, F_OK) != 0) return;
  const char* ms = std::getenv("CC_SLOW_SYNC_MS");
  long pause = ms ? std::atol(ms) : 400;
  timespec t{pause / 1000, (pause % 1000) * 1000000};
  nanosleep(&t, nullptr);
}

template <typename Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fsync(int fd) {
  static auto real = next<int (*)(int)>("fsync");
  pauseWhenFlagged();
  return real(fd);
}

extern "C" int fdatasync(int fd) {
  static auto real = next<int (*)(int)>("fdatasync");
  pauseWhenFlagged();
  return real(fd);
}
