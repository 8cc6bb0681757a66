#pragma once
// The "User" table as the host needs it: create, find, promote. Emails are stored lower-case.
#include "core/auth/user_lookup_batch.hpp"
#include "core/db/database_impl.hpp"

#include <codecouncil/sdk/http.hpp>

#include <optional>
#include <string>

namespace cc::core {

struct UserRecord {
  User user;
  std::string passwordHash;
  std::string createdAt;
};

class UserStore {
 public:
  explicit UserStore(PooledDatabase& db);

  /// Inserts a user; nullopt when the email is taken (also under a concurrent race).
  std::optional<UserRecord> create(const std::string& email, const std::string& passwordHash);
  std::optional<UserRecord> findByEmail(const std::string& email);
  /// Runs on every authenticated request: concurrent lookups share one prepared statement
  /// that starts after each of them asked (core/auth/user_lookup_batch.hpp).
  std::optional<User> findById(const std::string& id);
  /// Statements run and lookups answered by findById() since start.
  UserLookupBatch::Counts lookupCounts() const { return lookups_.counts(); }
  /// Sets "isAdmin" = true; false when no user has that email.
  bool promote(const std::string& email);

 private:
  std::vector<User> readUsers(const std::vector<std::string>& ids);
  std::optional<User> readOne(const std::string& id);
  std::optional<User> findByIdPrepared(const std::string& id);
  std::vector<User> findManyPrepared(const std::vector<std::string>& ids);
  PooledDatabase& db_;
  UserLookupBatch lookups_;
};

/// Lower-cases and checks an email address; throws HttpError(400) with the reason.
std::string normalizeEmail(const std::string& email);

}  // namespace cc::core
