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

}  // namespace cc::core
