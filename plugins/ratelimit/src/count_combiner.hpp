#pragma once
// Concurrent counts of the same key (user, kind of request, limits) inside one host go to the
// database as ONE statement that adds all of them.
//
// Why: every counted request of a user updates that user's one tracker row. Where the database
// locks rows, each update waits for the previous one's commit, so 32 clients of one user form a
// queue of commits behind the row lock, and on a loaded machine a backend descheduled while
// holding it stalls all of them (docs/performance.md, "One statement for a user's concurrent
// counts"). Here the first request of a key leads: it takes every request of that key queued so
// far, runs one statement adding k, and gives each request its exact position in it (the i-th of
// k gets the counters after the i-th increment, as if they had run one by one in that order).
// Requests that arrive meanwhile form the next batch, led by the oldest of them. A leader first
// yields its thread once (cc::Waiting::yield), so the requests already ready to run join it.
// At most one statement per key is in flight in a host; the database still orders the
// statements of several hosts, so counts stay exact across hosts.
//
// The requests of a batch wait for their leader through cc::Waiting: in the host each is a
// fiber that steps off its thread meanwhile (half of a counted request's context switches were
// these waits on sleeping threads; docs/performance.md, "Requests that wait without a thread").
//
// A batch either fits whole or is refused whole (the statement's limits check k at once); the
// requests of a refused batch of more than one then count one by one (near a limit only), so
// exactly as many are admitted as there is room for.
#include <codecouncil/sdk/waiting.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace cc::ratelimit {

template <class Usage>
class CountCombiner {
 public:
  /// Adds `k` requests in one statement; the counters after the last of them, or nothing when
  /// the k did not fit.
  using CountMany = std::function<std::optional<Usage>(std::int64_t k)>;

  /// One request's share of the batch it was counted in.
  struct Share {
    std::optional<Usage> afterBatch;  ///< the counters after the whole batch (unset: refused)
    std::int64_t batchSize = 1;
    std::int64_t countedAfterThis = 0;  ///< requests of the batch counted after this one
  };

  /// Counts one request of `key`, alone or together with the key's other waiting requests (at
  /// most `maxBatch` per statement). Rethrows the statement's error to every request of its batch.
  /// `waiting`: how a request waits for its batch (Context::waiting(); a BlockingWaiting by
  /// default, for tests without a host). It must outlive the combiner.
  explicit CountCombiner(cc::Waiting& waiting = blocking()) : waiting_(waiting) {}

  Share count(const std::string& key, std::int64_t maxBatch, const CountMany& countMany) {
    auto mine = std::make_shared<Waiter>();
    bool leadNow = false;
    {
      std::lock_guard lock(mutex_);
      auto [line, created] = lines_.try_emplace(key);
      line->second.push_back(mine);
      leadNow = created;  // no statement of this key in flight: ours goes now
    }
    while (!leadNow) {
      // The request steps off its thread until the leader is done with its batch or hands it
      // the lead (cc::Waiting: in a request, no thread sleeps for it).
      const int state = mine->state.waitWhile(waiting_, kQueued);
      if (state == kDone) break;
      leadNow = state == kLead;
    }
    // The leader is always the oldest queued request of its key, so its own batch holds it.
    // It lets the requests already waiting for a thread run first: those of its key join its
    // batch, which so counts 12 requests per statement instead of 3 with 32 clients of one user
    // (docs/performance.md, "Batches that fill before they run"). Alone, it costs one pass of
    // the event loop.
    if (leadNow) {
      waiting_.yield();
      lead(key, maxBatch, countMany);
    }
    if (mine->error) std::rethrow_exception(mine->error);
    return std::move(mine->share);  // the leader wrote it before kDone and no longer reads it
  }

 private:
  enum State : int { kQueued, kDone, kLead };
  struct Waiter {
    cc::WaitSlot state{kQueued};
    Share share;               // written before state turns kDone
    std::exception_ptr error;  // likewise
  };
  using WaiterPtr = std::shared_ptr<Waiter>;
  using Line = std::deque<WaiterPtr>;  // a key's queued requests, while a statement of it is in flight

  void lead(const std::string& key, std::int64_t maxBatch, const CountMany& countMany) {
    Line batch;
    {
      std::lock_guard lock(mutex_);
      Line& line = lines_.at(key);
      const auto n = std::min<std::size_t>(line.size(), static_cast<std::size_t>(std::max<std::int64_t>(1, maxBatch)));
      batch.assign(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(n));
      line.erase(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(n));
    }
    std::optional<Usage> after;
    std::exception_ptr error;
    try {
      after = countMany(static_cast<std::int64_t>(batch.size()));
    } catch (...) {
      error = std::current_exception();
    }
    WaiterPtr next;
    {
      std::lock_guard lock(mutex_);
      auto line = lines_.find(key);
      if (line->second.empty()) lines_.erase(line);  // nothing of the key is waiting: the next one leads at once
      else next = line->second.front();
    }
    if (next) next->state.set(kLead);  // first: the next statement starts while this batch's requests are woken
    const auto k = static_cast<std::int64_t>(batch.size());
    for (std::int64_t i = 0; i < k; ++i) {
      Waiter& w = *batch[static_cast<std::size_t>(i)];
      w.share = Share{after, k, k - 1 - i};
      w.error = error;
      w.state.set(kDone);
    }
  }

  static cc::Waiting& blocking() {
    static cc::BlockingWaiting waiting;
    return waiting;
  }

  cc::Waiting& waiting_;
  std::mutex mutex_;  // guards lines_; never held while counting
  std::unordered_map<std::string, Line> lines_;
};

}  // namespace cc::ratelimit
