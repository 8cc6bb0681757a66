#pragma once
// A bound on password hashes running at once. Each argon2id run holds 19 MiB and a core for
// tens of milliseconds; without a bound, N parallel logins cost N × 19 MiB (128 tries: about
// 2.4 GiB). At most `slots` requests hash at once and at most `slots` more wait, each for at
// most `wait`; every other one is refused at once (503 with Retry-After). So there is never a
// growing queue, and a flood of logins can tie up at most 2 × slots server threads, not all
// of them.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace cc::core {

class HashSlots {
 public:
  /// `slots` >= 1.
  HashSlots(int slots, std::chrono::milliseconds wait);

  /// Holds one slot until destroyed.
  class Lease {
   public:
    explicit Lease(HashSlots& owner) : owner_(&owner) {}
    Lease(Lease&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (owner_) owner_->release();
    }

   private:
    HashSlots* owner_;
  };

  /// A slot, or nullopt when none became free within the wait (at once when `slots` requests
  /// are already waiting).
  std::optional<Lease> acquire();
  int slots() const { return slots_; }
  /// Requests waiting for a slot right now.
  int waiting() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  void release();

  const int slots_;
  const std::chrono::milliseconds wait_;
  std::mutex mutex_;
  std::condition_variable freed_;
  int inUse_ = 0;
  int waiting_ = 0;
};

/// The configured slot count, or one per CPU core for 0 (argon2id with p=1 keeps one core
/// busy; more at once only adds memory and latency).
int hashSlotCount(int configured);

}  // namespace cc::core
