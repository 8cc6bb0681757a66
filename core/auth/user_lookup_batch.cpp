#include "core/auth/user_lookup_batch.hpp"

#include <algorithm>
#include <unordered_map>

namespace cc::core {

UserLookupBatch::UserLookupBatch(ReadMany readMany, Waiting& waiting, std::size_t maxBatch)
    : readMany_(std::move(readMany)), waiting_(waiting), maxBatch_(std::max<std::size_t>(1, maxBatch)) {}

std::optional<User> UserLookupBatch::find(const std::string& id) {
  auto mine = std::make_shared<Pending>(id);
  bool leadNow = false;
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(mine);
    if (!leading_) leading_ = leadNow = true;  // nothing in flight: ours is the oldest queued
  }
  while (!leadNow) {
    const int state = mine->state.waitWhile(waiting_, kQueued);
    if (state == kDone) break;
    leadNow = true;  // handed the lead: still queued, at the front
  }
  if (leadNow) {
    // The requests already waiting for a thread ask first and share this statement.
    waiting_.yield();
    lead();
  }
  if (mine->error) std::rethrow_exception(mine->error);
  return std::move(mine->user);
}

// Reads the oldest queued lookups (the leader's among them: it is the oldest), then hands the
// lead to the oldest lookup still queued, or gives it up when none is.
void UserLookupBatch::lead() {
  std::vector<PendingPtr> batch;
  {
    std::lock_guard lock(mutex_);
    const std::size_t n = std::min(maxBatch_, queued_.size());
    batch.assign(std::make_move_iterator(queued_.begin()),
                 std::make_move_iterator(queued_.begin() + static_cast<std::ptrdiff_t>(n)));
    queued_.erase(queued_.begin(), queued_.begin() + static_cast<std::ptrdiff_t>(n));
    ++counts_.statements;
    counts_.lookups += n;
  }
  try {
    std::vector<std::string> ids;
    for (const PendingPtr& p : batch)
      if (std::find(ids.begin(), ids.end(), p->id) == ids.end()) ids.push_back(p->id);
    std::unordered_map<std::string, User> found;
    for (User& user : readMany_(ids)) {
      std::string key = user.id;
      found.emplace(std::move(key), std::move(user));
    }
    for (const PendingPtr& p : batch) {
      auto it = found.find(p->id);
      if (it != found.end()) p->user = it->second;
    }
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    for (const PendingPtr& p : batch) p->error = error;
  }
  PendingPtr next;
  {
    std::lock_guard lock(mutex_);
    if (queued_.empty()) leading_ = false;
    else next = queued_.front();  // stays queued: it takes itself with its batch
  }
  if (next) next->state.set(kLead);  // first: the next statement starts while this batch is woken
  for (const PendingPtr& p : batch) p->state.set(kDone);
}

UserLookupBatch::Counts UserLookupBatch::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace cc::core
