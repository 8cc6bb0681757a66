#pragma once
// The users of concurrent authenticated requests, read from the database together.
//
// Why: every authenticated request reads its user's row, so that a suspension, a tier change
// or a demotion takes effect on the next request. On SQLite each read is a read transaction
// whose file locks cost system calls (about a fifth of a counted request's CPU,
// docs/performance.md, "Batches that fill before they run"); on PostgreSQL each is a round trip
// on a pooled connection. Here the first request to ask leads: it yields its thread once
// (cc::Waiting::yield), so the requests already ready to run queue their lookups behind it, then
// reads every queued user in ONE statement and hands each request its row. Lookups that arrive
// meanwhile form the next batch, led by the oldest of them.
//
// What a request sees is unchanged: the statement that answers it starts after the request
// asked, so every change committed before the request reached the host is in its answer, as
// when each request read alone. Nothing is kept between batches: this is not a cache.
//
// Waiting requests suspend through cc::Waiting (a request's fiber steps off its thread);
// outside a request they block. A failed read is rethrown to every request of its batch.
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/waiting.hpp>

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cc::core {

class UserLookupBatch {
 public:
  /// Reads the users with these ids (distinct, at least one) in one statement; users that do
  /// not exist are simply missing from the result.
  using ReadMany = std::function<std::vector<User>(const std::vector<std::string>& ids)>;

  /// At most `maxBatch` lookups per statement. `waiting` must outlive this object.
  UserLookupBatch(ReadMany readMany, Waiting& waiting, std::size_t maxBatch = 64);

  /// The user with this id, or nothing when there is none. Rethrows the batch's read error.
  std::optional<User> find(const std::string& id);

  /// Statements run and lookups answered since start (for tests and benchmarks).
  struct Counts {
    std::size_t statements = 0;
    std::size_t lookups = 0;
  };
  Counts counts() const;

 private:
  enum State : int { kQueued, kDone, kLead };
  struct Pending {
    explicit Pending(std::string i) : id(std::move(i)) {}
    const std::string id;
    std::optional<User> user;  // written before state turns kDone
    std::exception_ptr error;  // likewise
    WaitSlot state{kQueued};
  };
  using PendingPtr = std::shared_ptr<Pending>;
  void lead();

  const ReadMany readMany_;
  Waiting& waiting_;
  const std::size_t maxBatch_;
  mutable std::mutex mutex_;  // guards queued_, leading_ and counts_; never held while reading
  std::deque<PendingPtr> queued_;
  bool leading_ = false;  // a request is reading a batch, or has been handed the lead
  Counts counts_;
};

}  // namespace cc::core
