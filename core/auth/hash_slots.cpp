#include "core/auth/hash_slots.hpp"

#include <sched.h>

#include <stdexcept>
#include <thread>

namespace cc::core {

HashSlots::HashSlots(int slots, std::chrono::milliseconds wait) : slots_(slots), wait_(wait) {
  if (slots_ < 1) throw std::invalid_argument("password hash slots must be at least 1");
}

std::optional<HashSlots::Lease> HashSlots::acquire() {
  std::unique_lock lock(mutex_);
  if (inUse_ >= slots_) {
    if (waiting_ >= slots_ || wait_.count() == 0) return std::nullopt;
    ++waiting_;
    const bool freed = freed_.wait_for(lock, wait_, [&] { return inUse_ < slots_; });
    --waiting_;
    if (!freed) return std::nullopt;
  }
  ++inUse_;
  return std::optional<Lease>(std::in_place, *this);
}

void HashSlots::release() {
  {
    std::lock_guard lock(mutex_);
    --inUse_;
  }
  freed_.notify_one();
}

int hashSlotCount(int configured) {
  if (configured > 0) return configured;
  // The cores this process may run on (a container's cpuset), not every core of the machine.
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int>(cores) : 1;
}

}  // namespace cc::core
