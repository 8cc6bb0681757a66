// Preloaded into the host (LD_PRELOAD) by tests that count the threads a command starts: every
// pthread_create (std::thread's too) is counted, and at exit the count is written to the file
// named by CC_THREAD_COUNT_FILE.
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace {

std::atomic<int> created{0};

using Create = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

__attribute__((destructor)) void writeCount() {
  const char* file = std::getenv("CC_THREAD_COUNT_FILE");
  if (!file) return;
  if (std::FILE* f = std::fopen(file, "w")) {
    std::fprintf(f, "%d\n", created.load());
    std::fclose(f);
  }
}

}  // namespace

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
  static auto real = reinterpret_cast<Create>(dlsym(RTLD_NEXT, "pthread_create"));
  created.fetch_add(1);
  return real(thread, attr, start, arg);
}
