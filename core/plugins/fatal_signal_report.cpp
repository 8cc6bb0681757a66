#include "core/plugins/fatal_signal_report.hpp"

#include <algorithm>
#include <atomic>
#include <unistd.h>

namespace cc::core {

namespace {

char startingNote[1024];                       // "plugin <name> (<path>)\n"
std::atomic<std::size_t> startingNoteLength{0};  // 0: no plugin is starting

void appendBytes(char* out, std::size_t& at, std::size_t capacity, const char* text, std::size_t length) {
  for (std::size_t i = 0; i < length && at < capacity; ++i) out[at++] = text[i];
}

extern "C" void reportFatalSignalWhileStarting(int sig) {
  std::size_t noteLength = startingNoteLength.load(std::memory_order_acquire);
  if (noteLength > 0) {
    char line[sizeof(startingNote) + 64];
    std::size_t at = 0;
    const char prefix[] = "codecouncil: fatal signal ";
    appendBytes(line, at, sizeof(line), prefix, sizeof(prefix) - 1);
    char digits[12];
    std::size_t n = 0;
    for (unsigned v = static_cast<unsigned>(sig); n == 0 || v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
    while (n > 0) appendBytes(line, at, sizeof(line), &digits[--n], 1);
    const char middle[] = " while starting ";
    appendBytes(line, at, sizeof(line), middle, sizeof(middle) - 1);
    appendBytes(line, at, sizeof(line), startingNote, noteLength);
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, line, at);
  }
  // SA_RESETHAND restored the default action; the re-raised signal is delivered on return.
  ::raise(sig);
}

}  // namespace

FatalSignalReport::FatalSignalReport() {
  struct sigaction action {};
  action.sa_handler = reportFatalSignalWhileStarting;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  for (std::size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &action, &previous_[i]);
}

FatalSignalReport::~FatalSignalReport() {
  startingNoteLength.store(0, std::memory_order_release);
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    struct sigaction current {};
    ::sigaction(kSignals[i], nullptr, &current);
    if (current.sa_handler == reportFatalSignalWhileStarting) ::sigaction(kSignals[i], &previous_[i], nullptr);
  }
}

void FatalSignalReport::starting(const std::string& name, const std::string& path) {
  startingNoteLength.store(0, std::memory_order_release);
  std::string note = "plugin " + name + " (" + path + ")";
  note = note.substr(0, sizeof(startingNote) - 1) + "\n";
  std::copy(note.begin(), note.end(), startingNote);
  startingNoteLength.store(note.size(), std::memory_order_release);
}

void FatalSignalReport::finished() { startingNoteLength.store(0, std::memory_order_release); }

}  // namespace cc::core
