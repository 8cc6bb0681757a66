#pragma once
// Suspends and reactivates accounts in the host's "User" table. The core reads that row on
// every authenticated request, so a change applies to the user's very next request.
//
// Each change is one conditional UPDATE (WHERE suspended = false / true): when two admins
// act at the same time, exactly one of them changes the row and the other is told so.
#include <codecouncil/sdk/database.hpp>

#include <string>

namespace cc::admin {

enum class SuspensionOutcome {
  Changed,         ///< the row was updated
  NotFound,        ///< no such user
  AlreadyInState,  ///< already suspended (suspend) or not suspended (reactivate)
};

class Suspensions {
 public:
  explicit Suspensions(Database& db) : db_(db) {}
  SuspensionOutcome suspend(const std::string& userId, const std::string& reason);
  SuspensionOutcome reactivate(const std::string& userId);

 private:
  SuspensionOutcome outcomeWhenUnchanged(Poco::Data::Session& s, const std::string& userId);
  Database& db_;
};

}  // namespace cc::admin
