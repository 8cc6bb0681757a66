#pragma once
// Reads the host's "User" table for the admin API: counts, newest users, the filtered and
// paged list, one profile, e-mails for a set of ids and signups per day.
#include <codecouncil/sdk/database.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cc::admin {

struct UserRow {
  std::string id, email, name;
  bool isAdmin = false;
  bool suspended = false;
  std::string suspendedReason, suspendedAt;  ///< empty when not suspended
  std::string tier;
  std::string createdAt, updatedAt;
};

/// "Subscription status" on the list is the tier billing keeps in "User": a paid tier
/// means an active subscription. It is the only status kept in a table this plugin may read.
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

struct UserPage {
  std::vector<UserRow> items;  ///< newest signup first
  std::int64_t total = 0;
  int limit = 0, offset = 0;
};

class UserDirectory {
 public:
  explicit UserDirectory(Database& db) : db_(db) {}

  std::int64_t count();
  std::int64_t countSuspended();
  std::vector<UserRow> newest(int limit);
  UserPage list(const UserFilter& filter);
  std::optional<UserRow> find(const std::string& id);
  /// id -> e-mail for the ids that exist.
  std::map<std::string, std::string> emailsOf(const std::vector<std::string>& ids);
  /// "YYYY-MM-DD" -> signups, for days on or after `fromDay` and, when given, before `beforeDay`.
  std::map<std::string, std::int64_t> signupsPerDay(const std::string& fromDay, const std::string& beforeDay = "");

 private:
  Database& db_;
};

/// Escapes % _ and \ for a LIKE pattern with ESCAPE '\'.
std::string likeEscape(const std::string& text);

}  // namespace cc::admin
