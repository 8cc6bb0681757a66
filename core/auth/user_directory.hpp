#pragma once
// cc::Users for plugins: core's SQL on the "User" table (the store of core/auth/user_store.hpp
// signs users up and logs them in; this class is everything plugins may ask of an account).
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/users.hpp>

namespace cc::core {

/// A WHERE clause and its parameters (user_directory.cpp).
struct UserWhere;

class UserDirectory : public Users {
 public:
  explicit UserDirectory(Database& db) : db_(db) {}

  std::optional<UserProfile> findById(const std::string& id) override;
  std::optional<UserProfile> findById(Poco::Data::Session& session, const std::string& id) override;
  std::optional<UserProfile> findByEmail(const std::string& email) override;
  std::map<std::string, UserProfile> findByIds(const std::vector<std::string>& ids) override;
  UserPage search(const UserFilter& filter, int limit, int offset) override;
  std::vector<UserProfile> searchAfter(const UserFilter& filter, int limit,
                                       const std::optional<UserKey>& after) override;
  std::int64_t count(const UserFilter& filter) override;
  std::map<std::string, std::int64_t> signupsPerDay(const std::string& fromDay, const std::string& beforeDay) override;
  bool setTier(const std::string& id, const std::string& tier) override;
  bool setTier(Poco::Data::Session& session, const std::string& id, const std::string& tier) override;
  SuspensionChange suspend(const std::string& id, const std::string& reason) override;
  SuspensionChange reactivate(const std::string& id) override;

  /// A search page is sorted from its matching rows when at most this many match (a
  /// selective search: found through an index, then sorted); above it the page walks the
  /// signup order, where dense matches fill a page after a few rows.
  static constexpr std::int64_t kSortMatchesUpTo = 2000;
  static constexpr std::size_t kMaxReasonLength = 1000;

 private:
  std::vector<UserProfile> select(const std::string& sql, const std::vector<std::string>& params);
  /// Keys (SQLite rowid, PostgreSQL id) of at most `atMost` accounts matching `filter`.
  std::vector<std::string> selectKeys(const UserFilter& filter, const UserWhere& where, std::int64_t atMost);
  /// The page `window` (ORDER BY ... LIMIT ... OFFSET ...) of the accounts with these keys.
  std::vector<UserProfile> selectByKeys(const std::vector<std::string>& keys, const std::string& window);
  Database& db_;
};

/// Escapes % _ and \ for a LIKE pattern with ESCAPE '\'.
std::string likeEscape(const std::string& text);

}  // namespace cc::core
