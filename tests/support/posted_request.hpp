#pragma once
// A request as a connection runs it, without a connection: a fiber (core/fibers/request_fiber.hpp)
// whose wakes post its next step to an io_context. For tests of code that suspends through
// cc::Waiting on the loop threads.
#include "core/fibers/request_fiber.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <functional>
#include <memory>

namespace cc::test {

struct PostedRequest {
  std::shared_ptr<cc::core::RequestFiber> fiber;
  std::atomic<bool> done{false};
};

/// Starts `work` on a fiber of its own: its first step is posted to `ioc` now, each later one
/// when the work is woken. `ioc` must outlive the request.
inline std::shared_ptr<PostedRequest> startPosted(boost::asio::io_context& ioc, std::function<void()> work) {
  auto r = std::make_shared<PostedRequest>();
  std::weak_ptr<PostedRequest> weak = r;
  auto step = [weak] {
    auto self = weak.lock();
    if (self && self->fiber->step()) self->done = true;
  };
  r->fiber = cc::core::RequestFiber::create(std::move(work), [&ioc, step] { boost::asio::post(ioc, step); });
  boost::asio::post(ioc, step);
  return r;
}

}  // namespace cc::test
