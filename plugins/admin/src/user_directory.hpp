#pragma once
// The admin API's view of the accounts, through the host's users service (ctx.users()): counts,
// newest users, the filtered and paged list, one profile, e-mails for a set of ids and signups
// per day. The host owns the "User" table; this plugin has no SQL on it.
#include <codecouncil/sdk/users.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cc::admin {

using UserRow = UserProfile;

/// "Subscription status" on the list is the tier billing keeps on the account: a paid tier
/// means an active subscription.
enum class PlanFilter { Any, Paid, Free };

struct UserFilter {
  std::optional<std::string> search;  ///< part of the e-mail (case-insensitive), or an exact id
  std::optional<std::string> tier;    ///< free | startup | enterprise | ...
  PlanFilter plan = PlanFilter::Any;
  std::optional<bool> suspended;
  std::optional<bool> admin;
  int limit = 25;
  int offset = 0;
};

using UserPage = cc::UserPage;

class UserDirectory {
 public:
  explicit UserDirectory(Users& users) : users_(users) {}

  std::int64_t count();
  std::int64_t countSuspended();
  std::vector<UserRow> newest(int limit);
  UserPage list(const UserFilter& filter);
  /// Accounts matching `filter` (its limit and offset aside).
  std::int64_t count(const UserFilter& filter);
  /// Up to `limit` accounts matching `filter` after `after` in the list's order (keyset pages;
  /// cc::Users::searchAfter), from the newest when `after` is nullopt.
  std::vector<UserRow> listAfter(const UserFilter& filter, int limit, const std::optional<UserKey>& after);
  std::optional<UserRow> find(const std::string& id);
  /// id -> e-mail for the ids that exist.
  std::map<std::string, std::string> emailsOf(const std::vector<std::string>& ids);
  /// "YYYY-MM-DD" -> signups, for days on or after `fromDay` and, when given, before `beforeDay`.
  std::map<std::string, std::int64_t> signupsPerDay(const std::string& fromDay, const std::string& beforeDay = "");

 private:
  Users& users_;
};

}  // namespace cc::admin
