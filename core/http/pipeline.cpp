#include "core/http/pipeline.hpp"

#include "core/db/database_unavailable.hpp"
#include "core/http/utf8.hpp"

#include <Poco/Data/DataException.h>

#include <algorithm>
#include <stdexcept>

namespace cc::core {

namespace {
// Poco's what() is only the exception's class name; the message is in displayText().
std::string describe(const std::exception& e) {
  auto* poco = dynamic_cast<const Poco::Exception*>(&e);
  return poco ? poco->displayText() : std::string(e.what());
}

}  // namespace

void Pipeline::addMiddleware(MiddlewareEntry entry) {
  for (auto& m : middleware_)
    if (m.name == entry.name) throw std::invalid_argument("middleware '" + entry.name + "' is already registered by " + m.owner);
  middleware_.push_back(std::move(entry));
  std::stable_sort(middleware_.begin(), middleware_.end(), [](const MiddlewareEntry& a, const MiddlewareEntry& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
  });
}

void Pipeline::removeOwner(const std::string& owner) {
  router_.removeOwner(owner);
  middleware_.erase(std::remove_if(middleware_.begin(), middleware_.end(),
                                   [&](const MiddlewareEntry& m) { return m.owner == owner; }),
                    middleware_.end());
}

// Turns whatever `fn` throws into a JSON error response, so the middleware around it still
// sees a completed response with its final status.
void Pipeline::guarded(Request& req, Response& res, const std::function<void()>& fn) const {
  try {
    fn();
  } catch (const HttpError& e) {
    res.headers.clear();
    // Messages may quote the request (the decoded path of a 404/405, a handler's echo of a
    // value); the JSON writer copies bytes as they are, so ill-formed UTF-8 is replaced.
    res.error(e.status(), replaceInvalidUtf8(e.what()));
    for (auto& [k, v] : e.headers()) res.setHeader(k, v);
  } catch (const std::exception& e) {
    log_.error("request %s %s %s failed: %s", req.requestId, req.method, req.path, describe(e));
    res.headers.clear();
    if (dynamic_cast<const Poco::Data::SessionPoolExhaustedException*>(&e)) {
      // Every pooled connection stayed busy for database.pool_timeout_ms: overload, not a fault.
      res.error(503, "the server is busy: no database connection became free in time");
      res.setHeader("Retry-After", "1");
      return;
    }
    // Down, restarting, connection lost, SQLite's write lock held past its timeout: the
    // server's temporary trouble, never a 500 (one rule with plugins' Database::isUnavailable).
    if (databaseIsUnavailable(e)) {
      res.error(503, "the database is temporarily unavailable");
      res.setHeader("Retry-After", "1");
      return;
    }
    res.error(500, "internal server error (request id " + req.requestId + ")");
  } catch (...) {
    log_.error("request %s %s %s failed with a non-standard exception", req.requestId, req.method, req.path);
    res.headers.clear();
    res.error(500, "internal server error (request id " + req.requestId + ")");
  }
}

void Pipeline::resolveClient(Request& req) const {
  if (trustedProxies_.empty()) return;
  req.remoteAddress = resolveClientAddress(req.remoteAddress, req.header("x-forwarded-for"), trustedProxies_);
}

void Pipeline::handle(Request& req, Response& res) const {
  resolveClient(req);
  RouteMatch match = router_.match(req.method, req.path);
  if (match.kind == RouteMatch::Kind::Found) {
    req.routeTemplate = match.route->pattern;
    req.routeTags = match.route->options.tags;
    req.params = std::move(match.params);
  }
  std::string authError;
  std::string auth = req.header("authorization");
  if (auth.size() > 7 && lowerAscii(auth.substr(0, 7)) == "bearer " && authenticate_) {
    try {
      req.user = authenticate_(auth.substr(7), authError);
      if (!req.user && authError.empty()) authError = "invalid token";
    } catch (const std::exception& e) {
      // The user store is down: that is the server's problem, not a bad token.
      log_.error("request %s: authentication failed: %s", req.requestId, describe(e));
      req.attributes["auth.unavailable"] = "1";
    }
  } else if (!auth.empty()) {
    authError = "Authorization header must be 'Bearer <token>'";
  }
  if (!authError.empty()) req.attributes["auth.error"] = authError;
  runChain(0, req, res, [&] { terminal(req, res, match); });
}

void Pipeline::reject(Request& req, Response& res, int status, const std::string& message) const {
  resolveClient(req);
  auto headers = res.headers;
  runChain(0, req, res, [&] {
    HttpError e(status, message);
    for (auto& [k, v] : headers) e.header(k, v);
    throw e;
  });
}

void Pipeline::runChain(std::size_t index, Request& req, Response& res, const std::function<void()>& last) const {
  if (index == middleware_.size()) {
    guarded(req, res, last);
    return;
  }
  const MiddlewareEntry& m = middleware_[index];
  guarded(req, res, [&] { m.fn(req, res, [&] { runChain(index + 1, req, res, last); }); });
}

void Pipeline::terminal(Request& req, Response& res, const RouteMatch& match) const {
  if (match.kind == RouteMatch::Kind::NotFound) throw HttpError(404, "no route for " + req.method + " " + req.path);
  if (match.kind == RouteMatch::Kind::MethodNotAllowed) {
    std::string allow;
    for (auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    throw HttpError(405, "method " + req.method + " is not allowed on " + req.path).header("Allow", allow);
  }
  const Route& route = *match.route;
  if (req.attributes.count("auth.unavailable"))
    throw HttpError(503, "authentication is temporarily unavailable").header("Retry-After", "1");
  if (route.options.access != Access::Public) {
    if (!req.user) {
      auto it = req.attributes.find("auth.error");
      throw HttpError(401, it != req.attributes.end() ? "authentication failed: " + it->second
                                                      : "authentication required")
          .header("WWW-Authenticate", "Bearer");
    }
    if (req.user->suspended) throw HttpError(403, "account suspended");
    if (route.options.access == Access::Admin && !req.user->isAdmin) throw HttpError(403, "admin access required");
  }
  std::size_t limit = route.options.maxBodyBytes ? route.options.maxBodyBytes : maxBodyBytes_;
  if (req.body.size() > limit)
    throw HttpError(413, "request body too large (limit " + std::to_string(limit) + " bytes)");
  route.handler(req, res);
}

}  // namespace cc::core
