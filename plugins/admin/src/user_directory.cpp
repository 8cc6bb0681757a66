#include "user_directory.hpp"

namespace cc::admin {

std::int64_t UserDirectory::count() { return users_.count({}); }

std::int64_t UserDirectory::countSuspended() {
  cc::UserFilter f;
  f.suspended = true;
  return users_.count(f);
}

std::vector<UserRow> UserDirectory::newest(int limit) { return users_.search({}, limit, 0).items; }

namespace {

cc::UserFilter serviceFilter(const UserFilter& filter) {
  cc::UserFilter f;
  f.emailContains = filter.search;
  f.tier = filter.tier;
  if (filter.plan != PlanFilter::Any) f.paidTier = filter.plan == PlanFilter::Paid;
  f.suspended = filter.suspended;
  f.admin = filter.admin;
  return f;
}

}  // namespace

UserPage UserDirectory::list(const UserFilter& filter) {
  return users_.search(serviceFilter(filter), filter.limit, filter.offset);
}

std::int64_t UserDirectory::count(const UserFilter& filter) { return users_.count(serviceFilter(filter)); }

std::vector<UserRow> UserDirectory::listAfter(const UserFilter& filter, int limit,
                                              const std::optional<UserKey>& after) {
  return users_.searchAfter(serviceFilter(filter), limit, after);
}

std::optional<UserRow> UserDirectory::find(const std::string& id) { return users_.findById(id); }

std::map<std::string, std::string> UserDirectory::emailsOf(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  for (auto& [id, user] : users_.findByIds(ids)) out[id] = user.email;
  return out;
}

std::map<std::string, std::int64_t> UserDirectory::signupsPerDay(const std::string& fromDay,
                                                                 const std::string& beforeDay) {
  return users_.signupsPerDay(fromDay, beforeDay);
}

}  // namespace cc::admin
