#pragma once
// The "User" table as the host needs it: create, find, promote. Emails are stored lower-case.
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
  explicit UserStore(PooledDatabase& db) : db_(db) {}

  /// Inserts a user; nullopt when the email is taken (also under a concurrent race).
  std::optional<UserRecord> create(const std::string& email, const std::string& passwordHash);
  std::optional<UserRecord> findByEmail(const std::string& email);
  /// Runs on every authenticated request: a statement prepared once per pooled connection.
  std::optional<User> findById(const std::string& id);
  /// Sets "isAdmin" = true; false when no user has that email.
  bool promote(const std::string& email);

 private:
  std::optional<User> findByIdPrepared(const std::string& id);
  PooledDatabase& db_;
};

/// Lower-cases and checks an email address; throws HttpError(400) with the reason.
std::string normalizeEmail(const std::string& email);

}  // namespace cc::core
