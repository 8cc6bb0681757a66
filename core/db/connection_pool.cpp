#include "core/db/connection_pool.hpp"

#include <Poco/Data/DataException.h>

#include <algorithm>
#include <string>

namespace cc::core {

using Clock = std::chrono::steady_clock;

void ConnectionPool::Lease::release() noexcept {
  if (pool_ && conn_) pool_->giveBack(std::move(conn_));
  pool_ = nullptr;
}

ConnectionPool::ConnectionPool(Limits limits, Opener opener) : limits_(limits), opener_(std::move(opener)) {}

// Leases hold a plain pointer to the pool, so it must outlive them: PooledDatabase's sessions
// keep it alive through a shared_ptr. What is left here is idle, and closes with idle_.
ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  // Only when nobody is queued: a caller arriving now must not overtake the ones waiting.
  if (waiters_.empty()) {
    if (!idle_.empty()) {
      // The most recently returned: warm (its statements prepared, pages cached), and the
      // others can age out when traffic drops.
      std::unique_ptr<PooledConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      ++inUse_;
      return Lease(this, std::move(conn));
    }
    if (open_ < limits_.max) {
      ++open_;
      ++inUse_;
      return openFor(lock);
    }
  }
  Waiter me;
  waiters_.push_back(&me);
  ++waits_;
  const auto queued = Clock::now();
  const bool served = me.wake.wait_until(lock, queued + limits_.waitTimeout, [&] { return me.conn || me.mayOpen; });
  recordWait(Clock::now() - queued);
  if (!served) {
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
    ++timeouts_;
    throw Poco::Data::SessionPoolExhaustedException(
        "no database connection became free within database.pool_timeout_ms (" +
        std::to_string(limits_.waitTimeout.count()) + " ms; all " + std::to_string(limits_.max) +
        " of database.pool_max are in use)");
  }
  // giveBack()/freeSlot() took us off the queue and counted us in.
  if (me.conn) return Lease(this, std::move(me.conn));
  return openFor(lock);
}

// The slot is already counted (open_, inUse_): connecting can take milliseconds (seconds when
// the server does not answer), so it happens without the lock.
ConnectionPool::Lease ConnectionPool::openFor(std::unique_lock<std::mutex>& lock) {
  const std::uint64_t epoch = epoch_;
  lock.unlock();
  try {
    std::unique_ptr<PooledConnection> conn = opener_();
    conn->epoch = epoch;
    return Lease(this, std::move(conn));
  } catch (...) {
    lock.lock();
    --inUse_;
    freeSlot();
    throw;
  }
}

void ConnectionPool::giveBack(std::unique_ptr<PooledConnection> conn) noexcept {
  Closing closing;  // closed after unlocking: closing a connection talks to the server
  // Outside the lock too: it may roll back a transaction the borrower left open.
  const bool lost = conn->lost();
  const bool reusable = !lost && conn->readyForReuse();
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  --inUse_;
  if (lost) ++epoch_;  // the server went away: the connections opened before this one died with it
  if (!reusable || conn->epoch < epoch_) {
    closing.push_back(std::move(conn));
    freeSlot();
  } else if (!waiters_.empty()) {
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    ++inUse_;
    next->conn = std::move(conn);
    next->wake.notify_one();
  } else {
    conn->idleSince = now;
    idle_.push_back(std::move(conn));
  }
  // The idle list is swept at once after a loss, otherwise now and then: this runs twice per
  // counted request.
  if (lost || now - lastSweep_ >= std::min<Clock::duration>(limits_.idleTimeout, std::chrono::seconds(1))) {
    lastSweep_ = now;
    collectStale(closing, now);
  }
  // `closing` is destroyed after `lock` (declared first): connections close unlocked.
}

void ConnectionPool::freeSlot() {
  --open_;
  if (waiters_.empty()) return;
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  ++open_;
  ++inUse_;
  next->mayOpen = true;
  next->wake.notify_one();
}

void ConnectionPool::collectStale(Closing& closing, Clock::time_point now) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    const bool dead = (*it)->epoch < epoch_;
    const bool unneeded = open_ > limits_.min && now - (*it)->idleSince >= limits_.idleTimeout;
    if (dead || unneeded) {
      closing.push_back(std::move(*it));
      it = idle_.erase(it);
      --open_;  // nobody waits while connections are idle, so the slot is simply free
    } else {
      ++it;
    }
  }
}

void ConnectionPool::recordWait(Clock::duration waited) {
  const double seconds = std::chrono::duration<double>(waited).count();
  ++waitsEnded_;
  waitedSeconds_ += seconds;
  for (std::size_t i = 0; i < kWaitBucketBounds.size(); ++i)
    if (seconds <= kWaitBucketBounds[i]) ++waitsWithin_[i];
}

ConnectionPool::Stats ConnectionPool::stats() const {
  std::lock_guard lock(mutex_);
  return Stats{open_, inUse_, static_cast<int>(waiters_.size()), waits_, timeouts_, waitsEnded_, waitedSeconds_,
               waitsWithin_};
}

int ConnectionPool::inUse() const {
  std::lock_guard lock(mutex_);
  return inUse_;
}

}  // namespace cc::core
