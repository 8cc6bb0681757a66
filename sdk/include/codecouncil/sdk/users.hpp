#pragma once
// The host's user accounts, as a service (ctx.users()). Core owns the "User" table: a plugin
// reads and changes accounts only through this interface, never with SQL on "User" (a
// FOREIGN KEY ... REFERENCES "User"(id) in a plugin's own table is fine).
//
// Every method borrows one pooled connection for its work. The overloads that take a
// Poco::Data::Session run on the caller's session instead (from ctx.db().session(), inside
// ctx.db().begin()/commit()): the change commits or rolls back with the caller's other writes,
// under the caller's locks, and no second connection is borrowed (see database.hpp).
//
// Methods throw std::invalid_argument for a bad argument (limit out of range, an over-long
// filter or key) and std::runtime_error (or Poco's database exceptions) when the database fails.
#include <Poco/Data/Session.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cc {

/// One account as plugins see it (the password hash stays in core).
struct UserProfile {
  std::string id;
  std::string email;  ///< stored lower-case
  std::string name;   ///< empty when not set
  bool isAdmin = false;
  bool suspended = false;
  std::string suspendedReason;  ///< empty when not suspended
  std::string suspendedAt;      ///< ISO-8601 UTC, empty when not suspended
  std::string tier = "free";    ///< rate-limit tier: "free", "startup", "enterprise", ...
  std::string createdAt;        ///< ISO-8601 UTC (the database clock at signup)
  std::string updatedAt;
};

/// Filters of search() and count(); every one that is set must hold.
struct UserFilter {
  /// Part of the e-mail address (case-insensitive; % and _ are plain characters), or an exact id.
  std::optional<std::string> emailContains;
  std::optional<std::string> tier;   ///< exact tier
  std::optional<bool> paidTier;      ///< true: tier is not "free"; false: tier is "free"
  std::optional<bool> suspended;
  std::optional<bool> admin;
};

/// A position in the search order: the (createdAt, id) of an account, as searchAfter() takes it.
struct UserKey {
  std::string createdAt;
  std::string id;
};

/// The key of `u`: pass the last account of one searchAfter() page to get the next.
inline UserKey keyOf(const UserProfile& u) { return {u.createdAt, u.id}; }

struct UserPage {
  std::vector<UserProfile> items;  ///< newest signup first (ties: id descending)
  std::int64_t total = 0;          ///< accounts matching the filter, ignoring limit and offset
  int limit = 0;
  int offset = 0;
};

enum class SuspensionChange {
  Changed,         ///< the account was changed
  NotFound,        ///< no account has that id
  AlreadyInState,  ///< already suspended (suspend) or not suspended (reactivate)
};

class Users {
 public:
  static constexpr int kMaxPageSize = 1000;
  static constexpr std::size_t kMaxFilterLength = 254;  ///< bytes of emailContains / tier

  virtual ~Users() = default;

  virtual std::optional<UserProfile> findById(const std::string& id) = 0;
  virtual std::optional<UserProfile> findById(Poco::Data::Session& session, const std::string& id) = 0;
  /// Case-insensitive (addresses are stored lower-case).
  virtual std::optional<UserProfile> findByEmail(const std::string& email) = 0;
  /// The accounts among `ids` that exist, by id (any number of ids; asked in batches).
  virtual std::map<std::string, UserProfile> findByIds(const std::vector<std::string>& ids) = 0;

  /// One page of the accounts matching `filter`, newest first, with the total. `limit` in
  /// [1, kMaxPageSize], `offset` >= 0. An e-mail search of 3 characters or more uses an index
  /// (docs/performance.md has the figures at 100,000 users).
  virtual UserPage search(const UserFilter& filter, int limit, int offset) = 0;
  /// Keyset paging, for reading every match (an export): up to `limit` accounts matching
  /// `filter` that come after `after` in search()'s order (newest signup first, ties by id
  /// descending), or from the newest when `after` is nullopt. Continue with
  /// `after = keyOf(page.back())`; a page shorter than `limit` is the last. Each page is one
  /// indexed range read, however deep it is (an offset re-reads every row it skips), and no
  /// account is repeated or skipped while others sign up: those sort before the first page,
  /// so a walk started from nullopt holds the accounts that existed when its first page was
  /// read (an account that changes to or from matching `filter` meanwhile is read as it is
  /// when its page is). No total: count(filter) when you need one. `limit` in [1, kMaxPageSize].
  virtual std::vector<UserProfile> searchAfter(const UserFilter& filter, int limit,
                                               const std::optional<UserKey>& after) = 0;
  virtual std::int64_t count(const UserFilter& filter) = 0;
  /// Signups per UTC day ("YYYY-MM-DD" -> count) for days on or after `fromDay` and, unless
  /// `beforeDay` is empty, before `beforeDay`. Days without signups are absent.
  virtual std::map<std::string, std::int64_t> signupsPerDay(const std::string& fromDay,
                                                            const std::string& beforeDay) = 0;

  /// Sets the tier; false when no account has that id. Takes effect on the user's next request.
  virtual bool setTier(const std::string& id, const std::string& tier) = 0;
  /// The same inside the caller's transaction (e.g. with the subscription rows it derives from).
  virtual bool setTier(Poco::Data::Session& session, const std::string& id, const std::string& tier) = 0;

  /// Suspends with a reason (kept with the account until reactivation). One conditional update:
  /// of two concurrent calls exactly one gets Changed. The host refuses the user's next request.
  virtual SuspensionChange suspend(const std::string& id, const std::string& reason) = 0;
  /// Lifts a suspension and clears its reason and time.
  virtual SuspensionChange reactivate(const std::string& id) = 0;
};

}  // namespace cc
