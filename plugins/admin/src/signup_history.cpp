#include "signup_history.hpp"

namespace cc::admin {

std::map<std::string, std::int64_t> SignupHistory::perDay(const std::vector<std::string>& dates) {
  if (dates.empty()) return {};
  if (dates.size() < 3) return users_.signupsPerDay(dates.front());
  const std::string& from = dates.front();
  const std::string& yesterday = dates[dates.size() - 2];
  std::map<std::string, std::int64_t> out;
  {
    std::lock_guard lock(mutex_);
    if (coveredFrom_.empty() || from < coveredFrom_ || coveredBefore_ != yesterday) {
      settled_ = users_.signupsPerDay(from, yesterday);
      coveredFrom_ = from;
      coveredBefore_ = yesterday;
    }
    for (auto it = settled_.lower_bound(from); it != settled_.end(); ++it) out.insert(*it);
  }
  for (auto& [day, n] : users_.signupsPerDay(yesterday)) out[day] = n;
  return out;
}

}  // namespace cc::admin
