#pragma once
// The handlers of /api/admin/*. Every route requires an admin (the host answers 401/403
// before a handler runs); each handler validates all input before it writes anything.
#include "activity_counters.hpp"
#include "admin_config.hpp"
#include "providers.hpp"
#include "signup_history.hpp"
#include "user_directory.hpp"

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/users.hpp>

#include <Poco/Logger.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace cc::admin {

inline constexpr std::size_t kMaxReasonLength = 500;

class AdminApi {
 public:
  /// `db` is the host's database, which the audit service reads too: it tells a database that
  /// is away (503 + Retry-After) from a failing query (500).
  AdminApi(Database& db, Users& accounts, Events& events, Poco::Logger& log, Providers providers,
           AdminSettings settings, std::shared_ptr<ActivityCounters> counters);

  // report_handlers.cpp
  void stats(Request& req, Response& res);
  void analytics(Request& req, Response& res);
  void auditLogs(Request& req, Response& res);
  // user_handlers.cpp
  void listUsers(Request& req, Response& res);
  void userDetail(Request& req, Response& res);
  void suspend(Request& req, Response& res);
  void reactivate(Request& req, Response& res);
  // user_export.cpp
  void exportUsers(Request& req, Response& res);
  // audit_export_handler.cpp
  void exportAuditLogs(Request& req, Response& res);
  // timeline_handler.cpp
  void userTimeline(Request& req, Response& res);

  /// Adds every /api/admin route; the handlers keep `api` alive.
  /// `api` is the plugin's member, set in start() and reset in stop(): the handlers keep a
  /// reference to it (declared before it exists) and read it on every call.
  static void registerRoutes(Routes& routes, const std::shared_ptr<AdminApi>& api);

 private:
  /// Runs a call of the audit service: its std::invalid_argument (a bad filter) is a 400, a
  /// database that is away (pool exhausted, connection lost, server restarting) a 503 with
  /// Retry-After, like the host's own 503s; anything else is a fault, which the host answers
  /// 500 and logs with the request id.
  template <class Call>
  auto fromAudit(const char* what, Call call) {
    try {
      return call();
    } catch (const std::invalid_argument& e) {
      throw HttpError(400, e.what());
    } catch (const std::exception& e) {
      if (!db_.isUnavailable(e)) throw;
      log_.warning("audit %s failed, the database is unavailable: %s", std::string(what), std::string(e.what()));
      throw HttpError(503, "the audit log cannot be read right now; try again shortly").header("Retry-After", "1");
    }
  }

  json::ArrayPtr usersWithEmails(const std::vector<std::pair<std::string, std::int64_t>>& ranking,
                                 const char* figure);

  Database& db_;
  Events& events_;
  Poco::Logger& log_;
  Providers providers_;
  AdminSettings settings_;
  std::shared_ptr<ActivityCounters> counters_;
  Users& accounts_;  ///< the host's users service: suspensions go straight to it
  UserDirectory users_;
  SignupHistory signups_;
};

}  // namespace cc::admin
