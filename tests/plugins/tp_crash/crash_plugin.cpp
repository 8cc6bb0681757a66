// Kills the whole process in start(), as a buggy native plugin would: the host cannot catch it,
// only report which plugin it was starting. Config:
//   crash: true    crash in start() (default false: start normally and serve /api/test/crash/alive)
//   mode: segv     write through a null pointer (SIGSEGV, the default) | abort: std::abort() (SIGABRT)
#include <codecouncil/sdk/sdk.hpp>

#include <cstdlib>
#include <sys/resource.h>

namespace {

[[noreturn]] void crash(const std::string& mode) {
  // A deliberate crash must not leave a core file behind in the test's working directory.
  struct rlimit noCore {0, 0};
  ::setrlimit(RLIMIT_CORE, &noCore);
  if (mode == "abort") std::abort();
  // Both the pointer and the pointee are volatile: the compiler can neither prove the pointer
  // null (and emit a trap, SIGILL) nor drop the store as dead before the abort() below.
  volatile int* volatile target = nullptr;
  *target = 42;
  std::abort();  // not reached
}

}  // namespace

struct CrashSettings {
  bool crash = false;
  std::string mode = "segv";
  static void describe(cc::ConfigReader& r, CrashSettings& s) {
    r.boolean("crash", s.crash).oneOf("mode", {"segv", "abort"}, s.mode);
  }
};

class CrashPlugin : public cc::ConfiguredPlugin<CrashSettings> {
 public:
  std::string name() const override { return "tp_crash"; }
  std::string version() const override { return "0.0.1"; }
  void declare(cc::Declarations& d, const CrashSettings&) override {
    d.http().add("GET", "/api/test/crash/alive", [](cc::Request&, cc::Response& res) { res.text(200, "alive"); },
                 {cc::Access::Public});
  }
  void start(cc::Context&, const CrashSettings& settings) override {
    if (settings.crash) crash(settings.mode);
  }
};

CODECOUNCIL_PLUGIN(CrashPlugin)
