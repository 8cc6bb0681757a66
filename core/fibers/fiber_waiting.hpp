#pragma once
// The host's cc::Waiting (Context::waiting()): suspends the current request's fiber
// (core/fibers/request_fiber.hpp), or blocks the thread outside a request.
#include <codecouncil/sdk/waiting.hpp>

#include <functional>

namespace cc::core {

/// cc::Waiting for plugins: suspends the current request's fiber, or blocks the thread
/// outside a request (BlockingWaiting).
class FiberWaiting : public Waiting {
 public:
  void suspend(const std::function<void(Wake)>& arm) override;

 private:
  BlockingWaiting blocking_;
};

/// The host's one FiberWaiting (Context::waiting() of every plugin).
Waiting& fiberWaiting();

/// Code on this thread holds something that belongs to the thread (the SQLite writer lock,
/// owned by a thread id): until as many unpins as pins, a request does not step off the thread
/// and suspend() blocks instead. A plugin that waits inside a transaction then waits as before.
void pinToThread() noexcept;
void unpinFromThread() noexcept;

}  // namespace cc::core
