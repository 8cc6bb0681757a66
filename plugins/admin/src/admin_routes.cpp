#include "admin_api.hpp"

namespace cc::admin {

AdminApi::AdminApi(Database& db, Users& accounts, Events& events, Poco::Logger& log, Providers providers,
                   AdminSettings settings, std::shared_ptr<ActivityCounters> counters)
    : db_(db),
      events_(events),
      log_(log),
      providers_(std::move(providers)),
      settings_(std::move(settings)),
      counters_(std::move(counters)),
      accounts_(accounts),
      users_(accounts),
      signups_(users_) {}

void AdminApi::registerRoutes(Routes& routes, const std::shared_ptr<AdminApi>& api) {
  using Method = void (AdminApi::*)(Request&, Response&);
  auto add = [&](const char* method, const char* path, Method handler, std::size_t maxBody = 0) {
    routes.add(method, path, [&api, handler](Request& req, Response& res) { ((*api).*handler)(req, res); },
               {Access::Admin, maxBody});
  };
  add("GET", "/api/admin/stats", &AdminApi::stats);
  add("GET", "/api/admin/analytics", &AdminApi::analytics);
  add("GET", "/api/admin/audit-logs", &AdminApi::auditLogs);
  add("GET", "/api/admin/audit-logs/export", &AdminApi::exportAuditLogs);
  add("GET", "/api/admin/users", &AdminApi::listUsers);
  add("GET", "/api/admin/users/export", &AdminApi::exportUsers);  // a literal segment wins over :userId
  add("GET", "/api/admin/users/:userId", &AdminApi::userDetail);
  add("GET", "/api/admin/users/:userId/timeline", &AdminApi::userTimeline);
  // A reason is a sentence, not a document.
  add("POST", "/api/admin/users/:userId/suspend", &AdminApi::suspend, 4096);
  add("POST", "/api/admin/users/:userId/reactivate", &AdminApi::reactivate, 4096);
}

}  // namespace cc::admin
