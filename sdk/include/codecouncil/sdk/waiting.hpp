#pragma once
// Waiting for another thread's work without holding a thread (Context::waiting(), SDK 2.0).
//
// Why: the host runs each request on a light fiber of its own, on a few event-loop threads. A
// request that must wait for work another request does (the rate limiter's counting batch: one
// statement for all of a user's concurrent requests, run by the first of them) would otherwise
// sleep on its thread, and each sleep and wake-up is a context switch: half of a counted
// request's switches were such waits (docs/performance.md, "Requests that wait without a
// thread"). Through Waiting::suspend the request's fiber steps off its thread instead, which
// goes on serving other connections, and continues where it stopped once woken.
//
// Outside a request (a scheduled job, a command, a test) suspend() blocks the calling thread
// until woken: the same code serves both.
//
// Rules for the code that suspends:
//  - hold no lock and no open transaction while suspended (a request may continue on another
//    thread than the one it stopped on, and std::mutex belongs to the thread that locked it);
//  - do not keep the address of a thread_local across the call, for the same reason;
//  - every wake must come: a request that is never woken holds its connection until shutdown.
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace cc {

class Waiting {
 public:
  virtual ~Waiting() = default;

  /// Continues a suspended caller. Call it once, from any thread, at any time after arm()
  /// received it (also from inside arm()); later calls do nothing.
  using Wake = std::function<void()>;

  /// Suspends the caller until the Wake handed to `arm` is called. `arm` runs once, after the
  /// caller stopped (so a wake can never come too early): it stores the Wake where the waker
  /// finds it, or calls it at once when what the caller waits for already happened. A
  /// caller woken must check again what it waits for, as with a condition variable.
  virtual void suspend(const std::function<void(Wake)>& arm) = 0;

  /// Lets the requests that are ready to run on the host's threads go first, then continues
  /// (outside a request: returns at once). For a leader that is about to do one piece of work
  /// for every request queued behind it: the requests that were already waiting for a thread
  /// reach the queue first, so one statement serves all of them instead of a few. The rate
  /// limiter's count combiner does this (docs/performance.md, "Batches that fill before they
  /// run"). Same rules as suspend(): no lock, no open transaction across the call.
  void yield() {
    suspend([](Wake wake) { wake(); });
  }
};

/// suspend() that blocks the calling thread: what the host does outside a request, and what a
/// unit test of code that suspends can use without a host.
class BlockingWaiting : public Waiting {
 public:
  void suspend(const std::function<void(Wake)>& arm) override {
    struct Signal {
      std::mutex mutex;
      std::condition_variable cv;
      bool woken = false;
    };
    auto signal = std::make_shared<Signal>();  // a late wake may outlive this call
    arm([signal] {
      std::lock_guard lock(signal->mutex);
      signal->woken = true;
      signal->cv.notify_one();
    });
    std::unique_lock lock(signal->mutex);
    signal->cv.wait(lock, [&] { return signal->woken; });
  }
};

/// A small state one thread waits on and another sets (a leader handing out results): the
/// waiting side suspends through a Waiting until the state changes, the setting side wakes it.
/// The wait never misses a set: arm() looks at the state under the same lock that set() takes.
class WaitSlot {
 public:
  explicit WaitSlot(int initial) : state_(initial) {}

  /// Returns the state once it is not `from` (at once when it already is not).
  int waitWhile(Waiting& waiting, int from) {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (state_ != from) return state_;
      }
      waiting.suspend([this, from](Waiting::Wake wake) {
        std::unique_lock lock(mutex_);
        if (state_ == from) {
          wake_ = std::move(wake);
          return;
        }
        lock.unlock();
        wake();
      });
    }
  }

  /// Sets the state and wakes the waiting side if it is suspended.
  void set(int state) {
    Waiting::Wake wake;
    {
      std::lock_guard lock(mutex_);
      state_ = state;
      wake = std::move(wake_);
      wake_ = nullptr;
    }
    if (wake) wake();
  }

  int get() const {
    std::lock_guard lock(mutex_);
    return state_;
  }

 private:
  mutable std::mutex mutex_;
  int state_;
  Waiting::Wake wake_;  // set while the waiting side is suspended
};

}  // namespace cc
