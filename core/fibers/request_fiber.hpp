#pragma once
// A request's handler code on a fiber of its own (Boost.Context), so it can stop and continue
// later without holding the event-loop thread it ran on (cc::Waiting, sdk/waiting.hpp).
//
// The connection starts a RequestFiber for each request it runs: step() runs the work on the
// fiber until it finishes or suspends, and returns on the loop thread either way. A suspended
// fiber is continued by whoever calls its wake: that only calls the `woken` function the
// connection gave (which posts a step() to the connection's strand), so the fiber always runs
// on a loop thread, one step at a time, never on the waker's thread.
//
// Stacks come from a pool of fixed-size stacks with a guard page below each: a stack
// overflow is a crash at the guard page, not a silent overwrite. Their size is a thread's
// default (8 MiB of address space, of which only the touched pages take memory), so code that
// ran on a thread runs here unchanged.
#include "core/fibers/fiber_waiting.hpp"

#include <codecouncil/sdk/waiting.hpp>

#include <boost/context/fiber.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>

namespace cc::core {

class RequestFiber : public std::enable_shared_from_this<RequestFiber> {
 public:
  /// `work` runs on the fiber (what it throws, step() rethrows); `woken` is called (on the waker's thread)
  /// when a suspended fiber is woken, and should arrange a step() on a loop thread.
  static std::shared_ptr<RequestFiber> create(std::function<void()> work, std::function<void()> woken);
  ~RequestFiber();

  /// Runs the fiber until its work finishes (true) or it suspends (false). Only on a thread
  /// that is not itself running a fiber's step, and never twice at once for one fiber.
  bool step();

  bool finished() const { return finished_; }

  /// The fiber running on this thread, or nullptr outside a fiber's step.
  static RequestFiber* current();

  /// Suspends the calling fiber (which must be current()) until its wake is called; see
  /// cc::Waiting::suspend.
  void suspend(const std::function<void(Waiting::Wake)>& arm);

 private:
  RequestFiber(std::function<void()> work, std::function<void()> woken);

  std::function<void()> work_;
  std::function<void()> woken_;
  boost::context::fiber fiber_;     // the fiber's side, while it is not running
  boost::context::fiber loop_;      // the loop thread's side, while the fiber runs
  const std::function<void(Waiting::Wake)>* arm_ = nullptr;  // set while suspending
  std::exception_ptr failure_;
  bool finished_ = false;
  std::uint64_t suspensions_ = 0;                // counted by step(), on the loop thread
  std::atomic<std::uint64_t> pendingWake_{0};    // the suspension whose wake is still to come; 0: none
};

}  // namespace cc::core
