#pragma once
// The threads that run the server's io_context: server.threads of them exist, but only as
// many run the event loop as the requests need. Request handlers block (SQLite, PostgreSQL
// round trips, the rate limiter's group commit), so up to server.threads may be needed at
// once; yet while requests are quick, 128 threads waiting on one io_context meant every
// completion woke a different idle thread: 5.7 context switches per request against 0.9
// with 8 threads (docs/performance.md, "Throughput as shipped").
//
// Rule: `base` threads (the CPU count, at least 2) always run the loop. When every running
// thread is inside a request handler, none of them has finished one for a millisecond and
// one of them is asleep in the kernel (waiting on the database, say; /proc/self/task/<tid>/stat),
// a monitor thread lets one more parked thread run the loop, and again each millisecond
// while that lasts, up to server.threads. Threads that are merely waiting for a CPU are not
// blocked: another thread would not help them. The deadline
// sweep parks one thread per interval while fewer requests ran at once than threads run the
// loop. So a blocked handler holds up other connections' I/O by about a millisecond at most
// (until all server.threads are busy, as before), and quick requests stay on a few hot
// threads. Growing at once whenever all running threads were busy kept too many threads
// running on a loaded machine, where a preempted quick handler looks busy too.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace cc::core::http_front {

class LoopThreads {
 public:
  LoopThreads(boost::asio::io_context& ioc, int max)
      : ioc_(ioc),
        max_(std::max(1, max)),
        base_(std::min(max_, std::max(2, static_cast<int>(std::thread::hardware_concurrency())))),
        active_(base_) {}
  ~LoopThreads() { stop(); }

  void start() {
    work_.emplace(ioc_.get_executor());
    slots_.reserve(static_cast<std::size_t>(max_));
    for (int i = 0; i < max_; ++i) slots_.push_back(std::make_unique<Slot>());
    threads_.reserve(static_cast<std::size_t>(max_));
    for (int i = 0; i < max_; ++i) threads_.emplace_back([this, i] { loop(i); });
    if (max_ > base_) monitor_ = std::thread([this] { watchForBlockedThreads(); });
  }

  /// Stops the io_context and joins every thread (parked ones too).
  void stop() {
    if (threads_.empty()) return;
    {
      std::lock_guard lock(monitorMutex_);
      stopping_.store(true);
      monitorCv_.notify_one();
    }
    if (monitor_.joinable()) monitor_.join();
    work_.reset();
    ioc_.stop();
    for (auto& slot : slots_) {
      std::lock_guard lock(slot->mutex);
      slot->cv.notify_one();
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    slots_.clear();
  }

  /// A request handler is about to run on the calling loop thread (and may block).
  void enterRequest() {
    if (currentSlot_) currentSlot_->inHandler.store(true, std::memory_order_relaxed);
    int busy = busy_.fetch_add(1, std::memory_order_relaxed) + 1;
    int peak = peak_.load(std::memory_order_relaxed);
    while (busy > peak && !peak_.compare_exchange_weak(peak, busy, std::memory_order_relaxed)) {
    }
    if (busy >= active_.load(std::memory_order_relaxed) && !saturated_.exchange(true)) {
      std::lock_guard lock(monitorMutex_);
      monitorCv_.notify_one();
    }
  }
  void leaveRequest() {
    if (currentSlot_) currentSlot_->inHandler.store(false, std::memory_order_relaxed);
    finished_.fetch_add(1, std::memory_order_relaxed);
    busy_.fetch_sub(1, std::memory_order_relaxed);
  }

  /// Called once per deadline sweep: parks one thread when fewer requests ran at once since
  /// the last call than threads run the loop (keeping one free, never below `base`).
  void trim() {
    int peak = peak_.exchange(busy_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    std::lock_guard lock(growMutex_);
    int active = active_.load(std::memory_order_relaxed);
    if (active > base_ && peak + 1 < active) active_.store(active - 1, std::memory_order_relaxed);
  }

  int running() const { return active_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    std::mutex mutex;
    std::condition_variable cv;
    std::atomic<pid_t> tid{0};
    std::atomic<bool> inHandler{false};
  };
  static inline thread_local Slot* currentSlot_ = nullptr;

  /// Whether a running thread is inside a handler and asleep in the kernel (state S or D).
  /// Looks at no more than kThreadsLookedAt of them per call, starting where the last call
  /// stopped: on a saturated machine this runs every millisecond, and one asleep is enough.
  bool aHandlerIsAsleep() {
    static constexpr int kThreadsLookedAt = 4;
    int active = std::min(active_.load(std::memory_order_relaxed), max_);
    int looked = 0;
    for (int k = 0; k < active && looked < kThreadsLookedAt; ++k) {
      int i = (nextLook_ + k) % active;
      auto& slot = *slots_[static_cast<std::size_t>(i)];
      if (!slot.inHandler.load(std::memory_order_relaxed)) continue;
      ++looked;
      nextLook_ = i + 1;
      char path[64];
      std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(slot.tid.load()));
      std::FILE* f = std::fopen(path, "re");
      if (!f) continue;
      char text[512];
      std::size_t n = std::fread(text, 1, sizeof text - 1, f);
      std::fclose(f);
      text[n] = '\0';
      const char* close = std::strrchr(text, ')');  // the name in parentheses may hold anything
      if (close && close[1] == ' ' && (close[2] == 'S' || close[2] == 'D')) return true;
    }
    return false;
  }

  void grow() {
    int index;
    {
      std::lock_guard lock(growMutex_);
      index = active_.load(std::memory_order_relaxed);
      if (index >= max_) return;
      active_.store(index + 1, std::memory_order_relaxed);
    }
    auto& slot = *slots_[static_cast<std::size_t>(index)];
    std::lock_guard lock(slot.mutex);
    slot.cv.notify_one();
  }

  // Sleeps until every running thread is in a handler; then, each millisecond in which
  // that stayed so and no handler finished, lets one more thread run the loop.
  void watchForBlockedThreads() {
    while (!stopping_.load()) {
      {
        std::unique_lock lock(monitorMutex_);
        monitorCv_.wait(lock, [&] { return stopping_.load() || saturated_.load(); });
      }
      auto finished = finished_.load(std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      bool stillBusy = busy_.load(std::memory_order_relaxed) >= active_.load(std::memory_order_relaxed);
      if (stillBusy && finished_.load(std::memory_order_relaxed) == finished && aHandlerIsAsleep()) grow();
      if (!stillBusy) saturated_.store(false);
    }
  }

  void loop(int index) {
    auto& slot = *slots_[static_cast<std::size_t>(index)];
    slot.tid.store(static_cast<pid_t>(::gettid()));
    currentSlot_ = &slot;
    // The first `base` threads never park: they run the loop until it stops. Each return of
    // run_for() and each of its handlers (run_one_until) starts Asio's per-thread state anew,
    // and with it the cache from which Asio recycles its handlers' memory: one malloc and
    // free per operation, another clock read and a timed wait.
    if (index < base_) {
      while (!stopping_.load()) ioc_.run();
      return;
    }
    while (!stopping_.load()) {
      if (index >= active_.load(std::memory_order_relaxed)) {
        std::unique_lock lock(slot.mutex);
        slot.cv.wait(lock, [&] { return stopping_.load() || index < active_.load(std::memory_order_relaxed); });
        continue;
      }
      // Returns now and then so a thread the sweep parked stops taking work.
      ioc_.run_for(std::chrono::milliseconds(200));
    }
  }

  boost::asio::io_context& ioc_;
  const int max_;
  const int base_;
  std::atomic<int> active_;
  std::atomic<int> busy_{0};
  std::atomic<int> peak_{0};
  std::atomic<bool> stopping_{false};
  int nextLook_ = 0;                            // the monitor's own
  std::atomic<bool> saturated_{false};          // every running thread was in a handler
  std::atomic<std::uint64_t> finished_{0};      // handlers finished, ever
  std::mutex monitorMutex_;
  std::condition_variable monitorCv_;
  std::thread monitor_;
  std::mutex growMutex_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> threads_;
};

}  // namespace cc::core::http_front
