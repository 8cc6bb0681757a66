#include "core/fibers/request_fiber.hpp"

#include <atomic>
#include <exception>
#include <utility>
#include <cstddef>
#include <mutex>
#include <new>
#include <stdexcept>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace cc::core {

namespace {

namespace ctx = boost::context;

// Fixed-size stacks with a guard page, kept for reuse: mapping and unmapping one per request
// would cost three system calls each time.
class StackPool {
 public:
  static constexpr std::size_t kStackBytes = std::size_t{8} << 20;  // a thread's default
  static constexpr std::size_t kKeptIdle = 64;

  static StackPool& instance() {
    static StackPool* pool = new StackPool();  // never destroyed: fibers may end during exit
    return *pool;
  }

  void* take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        void* base = idle_.back();
        idle_.pop_back();
        return base;
      }
    }
    void* base = ::mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    // The lowest page stops an overflow (stacks grow down).
    if (::mprotect(base, pageBytes(), PROT_NONE) != 0) {
      ::munmap(base, kStackBytes);
      throw std::bad_alloc();
    }
    return base;
  }

  void give(void* base) noexcept {
    {
      std::lock_guard lock(mutex_);
      if (idle_.size() < kKeptIdle) {
        idle_.push_back(base);
        return;
      }
    }
    ::munmap(base, kStackBytes);
  }

 private:
  StackPool() { idle_.reserve(kKeptIdle); }
  static std::size_t pageBytes() {
    static const std::size_t bytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return bytes;
  }

  std::mutex mutex_;
  std::vector<void*> idle_;
};

// Boost.Context's StackAllocator concept over the pool.
struct PooledStack {
  ctx::stack_context allocate() {
    void* base = StackPool::instance().take();
    ctx::stack_context sc;
    sc.size = StackPool::kStackBytes;
    sc.sp = static_cast<char*>(base) + StackPool::kStackBytes;  // the top: stacks grow down
    return sc;
  }
  void deallocate(ctx::stack_context& sc) noexcept {
    StackPool::instance().give(static_cast<char*>(sc.sp) - sc.size);
  }
};

thread_local RequestFiber* tCurrent = nullptr;
thread_local int tPins = 0;

}  // namespace

RequestFiber::RequestFiber(std::function<void()> work, std::function<void()> woken)
    : work_(std::move(work)), woken_(std::move(woken)) {}

std::shared_ptr<RequestFiber> RequestFiber::create(std::function<void()> work, std::function<void()> woken) {
  std::shared_ptr<RequestFiber> f(new RequestFiber(std::move(work), std::move(woken)));
  RequestFiber* raw = f.get();
  f->fiber_ = ctx::fiber(std::allocator_arg, PooledStack{}, [raw](ctx::fiber&& loop) {
    raw->loop_ = std::move(loop);
    try {
      raw->work_();
    } catch (...) {
      raw->failure_ = std::current_exception();  // rethrown by step(), on the loop's stack
    }
    raw->finished_ = true;
    return std::move(raw->loop_);
  });
  return f;
}

RequestFiber::~RequestFiber() {
  // A fiber still suspended here was never woken (its waker is gone, or the host stops with
  // it waiting). Destroying it would unwind its stack by an exception that the request's own
  // catch-alls could swallow; it is abandoned instead, stack and all.
  if (fiber_ && !finished_) new ctx::fiber(std::move(fiber_));
}

RequestFiber* RequestFiber::current() { return tCurrent; }

bool RequestFiber::step() {
  RequestFiber* outer = tCurrent;
  tCurrent = this;
  fiber_ = std::move(fiber_).resume();
  tCurrent = outer;
  if (finished_) {
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    return true;
  }
  // Suspended: its stack is still now, so the wake can be handed out (and may come at once).
  const auto* arm = arm_;
  arm_ = nullptr;
  // The wake of this suspension only, and only its first call: a wake kept from an earlier
  // suspension finds another number (no allocation per suspension for a flag of its own).
  const std::uint64_t suspension = ++suspensions_;
  pendingWake_.store(suspension);
  (*arm)([self = shared_from_this(), suspension] {
    std::uint64_t expected = suspension;
    if (self->pendingWake_.compare_exchange_strong(expected, 0)) self->woken_();
  });
  return false;
}

void RequestFiber::suspend(const std::function<void(Waiting::Wake)>& arm) {
  arm_ = &arm;  // lives on this fiber's stack, which stays put until the fiber continues
  loop_ = std::move(loop_).resume();
}

void FiberWaiting::suspend(const std::function<void(Wake)>& arm) {
  RequestFiber* fiber = RequestFiber::current();
  if (fiber && tPins == 0) return fiber->suspend(arm);
  blocking_.suspend(arm);
}

void pinToThread() noexcept { ++tPins; }
void unpinFromThread() noexcept { --tPins; }

Waiting& fiberWaiting() {
  static FiberWaiting* waiting = new FiberWaiting();  // plugins may hold it until exit
  return *waiting;
}

}  // namespace cc::core
