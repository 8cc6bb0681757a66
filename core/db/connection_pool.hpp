#pragma once
// The host's one pool of database connections. Every connection the host's database layer
// opens is one of its at most `max` slots: sessions lent to handlers and plugins, the prepared
// statements of the hot paths, the scheduler's claims, the mail outbox, migrations.
//
// Waiting: when every slot is lent out, acquire() queues the caller (first come, first
// served: a returned connection is handed straight to the longest waiter, so a newcomer
// cannot take it first) for up to `waitTimeout`, then throws
// Poco::Data::SessionPoolExhaustedException (answered 503 + Retry-After by the pipeline).
//
// Health: a connection comes back through readyForReuse() (open transaction rolled back) or
// is closed. When one is found lost (the server restarted), every connection opened before it
// is closed too as it comes back or sits idle: they died with it, and each would otherwise
// fail one request.
//
// Idle connections above `min` are closed after `idleTimeout` (checked when connections are
// returned, at most once a second, so an idle host keeps what it had until the next request).
#include "core/db/pooled_connection.hpp"

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace cc::core {

class ConnectionPool {
 public:
  struct Limits {
    int min = 1;
    int max = 16;
    std::chrono::milliseconds waitTimeout{10000};
    std::chrono::milliseconds idleTimeout{60000};
  };
  using Opener = std::function<std::unique_ptr<PooledConnection>()>;

  /// Upper bounds in seconds of the wait histogram (db_connection_pool_wait_seconds): from a
  /// millisecond (a connection handed over at once) to database.pool_timeout_ms' range.
  static constexpr std::array<double, 12> kWaitBucketBounds{0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                            0.25,  0.5,   1,    2.5,   5,    10};

  struct Stats {
    int open = 0;     ///< connections open or being opened (<= max)
    int inUse = 0;    ///< lent out (including those being opened for a borrower)
    int waiting = 0;  ///< callers queued for a connection now
    std::uint64_t waits = 0;     ///< acquisitions that had to queue, since start
    std::uint64_t timeouts = 0;  ///< of those, the ones that gave up after waitTimeout
    std::uint64_t waitsEnded = 0;  ///< of `waits`, the ones over (served or timed out): the histogram's count
    double waitedSeconds = 0;      ///< the time those took, in total (timed-out ones included)
    /// How many of the waits took at most kWaitBucketBounds[i] (cumulative, as Prometheus'
    /// histogram buckets are); the ones above the last bound are `waitsEnded` minus the last.
    std::array<std::uint64_t, kWaitBucketBounds.size()> waitsWithin{};
  };

  /// A connection lent to one caller; handed back (or closed) when the lease ends.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) { other.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() { release(); }
    PooledConnection& operator*() const { return *conn_; }
    PooledConnection* operator->() const { return conn_.get(); }
    explicit operator bool() const { return conn_ != nullptr; }
    /// Hands the connection back now (idempotent).
    void release() noexcept;

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<PooledConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<PooledConnection> conn_;
  };

  ConnectionPool(Limits limits, Opener opener);
  /// Closes the idle connections; lent ones are closed when they come back.
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// An idle connection, a new one while fewer than `max` are open, or the next one returned.
  Lease acquire();
  Stats stats() const;
  int capacity() const { return limits_.max; }
  int inUse() const;

 private:
  struct Waiter {
    std::condition_variable wake;
    std::unique_ptr<PooledConnection> conn;  // handed over by giveBack()
    bool mayOpen = false;                    // or: a slot freed, open a connection in it
  };
  // A vector: empty, it allocates nothing (a deque would, on every return).
  using Closing = std::vector<std::unique_ptr<PooledConnection>>;

  Lease openFor(std::unique_lock<std::mutex>& lock);
  void giveBack(std::unique_ptr<PooledConnection> conn) noexcept;
  /// With the lock held: a freed slot goes to the longest waiter (who opens in it), else it is
  /// just free.
  void freeSlot();
  /// With the lock held: idle connections past idleTimeout (above min) or from before the
  /// last lost connection move to `closing`, closed by the caller after unlocking.
  void collectStale(Closing& closing, std::chrono::steady_clock::time_point now);

  const Limits limits_;
  const Opener opener_;
  mutable std::mutex mutex_;
  std::deque<std::unique_ptr<PooledConnection>> idle_;  // back: the most recently returned
  std::deque<Waiter*> waiters_;                          // front: the longest waiting
  int open_ = 0;
  int inUse_ = 0;
  std::uint64_t epoch_ = 0;  // bumped when a connection is found lost
  std::chrono::steady_clock::time_point lastSweep_;  // of the idle list, by collectStale()
  std::uint64_t waits_ = 0;
  std::uint64_t timeouts_ = 0;
  std::uint64_t waitsEnded_ = 0;
  double waitedSeconds_ = 0;
  std::array<std::uint64_t, kWaitBucketBounds.size()> waitsWithin_{};

  /// With the lock held: counts one finished wait (served or timed out) in the histogram.
  void recordWait(std::chrono::steady_clock::duration waited);
};

}  // namespace cc::core
