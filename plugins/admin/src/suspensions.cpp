#include "suspensions.hpp"

#include <vector>

using namespace Poco::Data::Keywords;

namespace cc::admin {

SuspensionOutcome Suspensions::suspend(const std::string& userId, const std::string& reason) {
  return db_.transaction([&](Poco::Data::Session& s) {
    std::string id = userId, why = reason;
    std::vector<std::string> changed;
    s << db_.sql("UPDATE \"User\" SET suspended = true, \"suspendedReason\" = ?, \"suspendedAt\" = " + db_.nowSql() +
                 ", \"updatedAt\" = " + db_.nowSql() + " WHERE id = ? AND suspended = false RETURNING id"),
        use(why), use(id), into(changed), now;
    return changed.empty() ? outcomeWhenUnchanged(s, userId) : SuspensionOutcome::Changed;
  });
}

SuspensionOutcome Suspensions::reactivate(const std::string& userId) {
  return db_.transaction([&](Poco::Data::Session& s) {
    std::string id = userId;
    std::vector<std::string> changed;
    s << db_.sql("UPDATE \"User\" SET suspended = false, \"suspendedReason\" = NULL, \"suspendedAt\" = NULL, "
                 "\"updatedAt\" = " + db_.nowSql() + " WHERE id = ? AND suspended = true RETURNING id"),
        use(id), into(changed), now;
    return changed.empty() ? outcomeWhenUnchanged(s, userId) : SuspensionOutcome::Changed;
  });
}

SuspensionOutcome Suspensions::outcomeWhenUnchanged(Poco::Data::Session& s, const std::string& userId) {
  std::string id = userId;
  std::int64_t n = 0;
  s << db_.sql("SELECT COUNT(*) FROM \"User\" WHERE id = ?"), use(id), into(n), now;
  return n == 0 ? SuspensionOutcome::NotFound : SuspensionOutcome::AlreadyInState;
}

}  // namespace cc::admin
