#pragma once
// Signups per day for the analytics series. A day before yesterday cannot gain signups any
// more ("createdAt" is the database clock at insert), so those counts are read once per
// instance and kept; only yesterday and today are counted on every request. A year-long
// window then costs one index scan per day instead of one per request.
#include "user_directory.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cc::admin {

class SignupHistory {
 public:
  explicit SignupHistory(UserDirectory& users) : users_(users) {}
  /// Counts for `dates` (oldest first, ending today); days without signups are absent.
  std::map<std::string, std::int64_t> perDay(const std::vector<std::string>& dates);

 private:
  UserDirectory& users_;
  std::mutex mutex_;
  std::string coveredFrom_, coveredBefore_;  ///< settled days in [from, before) are in settled_
  std::map<std::string, std::int64_t> settled_;
};

}  // namespace cc::admin
