#pragma once
// Request, response, handlers, middleware and route registration.
#include <codecouncil/sdk/http_error.hpp>
#include <codecouncil/sdk/json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cc {

/// The authenticated caller, loaded from the "User" row on every request, so a
/// suspension or a tier change takes effect on the next request.
struct User {
  std::string id;
  std::string email;
  bool isAdmin = false;
  bool suspended = false;
  std::string tier = "free";
};

/// Header names are stored lower-case; lookups are case-insensitive.
inline std::string lowerAscii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

/// Whether two header names are equal ignoring ASCII case, without copying either (responses
/// compare every header set against the ones already there).
/// ASCII letters only, whatever the process's locale.
inline bool sameIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

struct Request {
  std::string method;         ///< "GET", "POST", ...
  std::string path;           ///< decoded path without the query string
  std::string rawQuery;       ///< the query string as received
  std::string body;           ///< raw body bytes, exactly as received (signatures are checked on it)
  std::string routeTemplate;  ///< the matched pattern, e.g. "/api/admin/users/:userId"; empty when none matched
  std::vector<std::string> routeTags;  ///< the matched route's RouteOptions::tags; empty when none matched
  std::string requestId;      ///< X-Request-Id (the client's when sane, else generated)
  std::string remoteAddress;  ///< client IP: the TCP peer, or from X-Forwarded-For when the peer is a trusted proxy
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::map<std::string, std::string> params;   ///< path parameters by name
  std::multimap<std::string, std::string> query;  ///< decoded query parameters
  std::optional<User> user;   ///< set when a valid bearer token came with the request
  std::map<std::string, std::string> attributes;  ///< scratch space for middleware

  std::string header(const std::string& name, const std::string& fallback = "") const {
    auto it = headers.find(lowerAscii(name));
    return it == headers.end() ? fallback : it->second;
  }
  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
  /// Whether the matched route declared `tag` (see RouteOptions::tags); false when none matched.
  bool hasRouteTag(std::string_view tag) const {  // a view: tags are constants, asked on every request
    return std::find(routeTags.begin(), routeTags.end(), tag) != routeTags.end();
  }
  std::optional<std::string> queryParam(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
  /// The body parsed as a JSON object (400 on anything else).
  json::ObjectPtr jsonBody() const { return json::parseObject(body); }
  /// The authenticated user; 401 when there is none.
  const User& requireUser() const {
    if (!user) throw HttpError(401, "authentication required");
    return *user;
  }
};

/// Produces a streamed body piece by piece (see Response::stream). Appends the next piece to
/// `piece` (passed in empty) and returns true to be called again, or false when that piece was
/// the last (it may be empty). It may block (a database page read): it runs on a handler thread,
/// once per piece, only after the previous piece reached the client's socket, so a slow client
/// costs no memory. Throwing ends the response without its last chunk: the client sees a
/// truncated body, never a wrong status. Destroyed when the response ends, however it ends.
using BodyWriter = std::function<bool(std::string& piece)>;

struct Response {
  int status = 200;
  std::string body;
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  /// Set by stream(): the body comes from this writer, after the handler and the middleware
  /// returned, instead of from `body`. The host never calls it for HEAD or a bodyless status.
  BodyWriter bodyWriter;

  void setHeader(const std::string& name, const std::string& value) {
    for (auto& h : headers)
      if (sameIgnoringAsciiCase(h.first, name)) {
        h.second = value;
        return;
      }
    headers.emplace_back(name, value);
  }
  std::string header(const std::string& name) const {
    for (auto& h : headers)
      if (sameIgnoringAsciiCase(h.first, name)) return h.second;
    return {};
  }
  void json(int code, const Poco::Dynamic::Var& value) {
    status = code;
    contentType = "application/json";
    body = json::stringify(value);
    bodyWriter = nullptr;  // a response has one body: this one replaces a stream
  }
  void error(int code, const std::string& message) {
    json::ObjectPtr o = json::object();
    o->set("error", message);
    json(code, o);
  }
  void text(int code, std::string content, std::string type = "text/plain; charset=utf-8") {
    status = code;
    contentType = std::move(type);
    body = std::move(content);
    bodyWriter = nullptr;
  }
  /// Answers `code` with a body produced piece by piece by `writer` (see BodyWriter), sent
  /// chunked to HTTP/1.1 clients and until close to HTTP/1.0 ones, in constant memory
  /// whatever its size. Headers set before or after still go out; `body` is cleared.
  void stream(int code, std::string type, BodyWriter writer) {
    status = code;
    contentType = std::move(type);
    body.clear();
    bodyWriter = std::move(writer);
  }
};

using Handler = std::function<void(Request&, Response&)>;
using Next = std::function<void()>;
/// Middleware runs around every request (matched or not) in ascending priority order
/// (cc::phase), ties broken by name. Call next() to continue; skip it to answer early.
using Middleware = std::function<void(Request&, Response&, const Next& next)>;

enum class Access {
  Public,  ///< no token needed; req.user is set when a valid one comes anyway
  User,    ///< a valid token of a non-suspended user (401 / 403)
  Admin,   ///< as User, and isAdmin (403)
};

struct RouteOptions {
  Access access = Access::User;
  std::size_t maxBodyBytes = 0;  ///< 0: the host's server.max_body_bytes (a route can only lower it)
  /// What the route is, for other plugins' middleware (req.routeTags / req.hasRouteTag): a
  /// route says what it meters, so a limiter counts by tag instead of knowing other plugins'
  /// paths. Free-form strings; the well-known ones are in cc::route_tag.
  std::vector<std::string> tags;
};

/// Well-known route tags (RouteOptions::tags). A plugin may use its own "<plugin>.<what>" tags.
namespace route_tag {
/// A call of this route is one analysis run: a limiter (middleware in phase::kAdmission)
/// counts it against the caller's analysis limits as well as the request limits.
inline constexpr const char* kAnalysisRun = "meter.analysis-run";
}  // namespace route_tag

/// Middleware phases: the priority passed to Routes::use(). Lower runs first (outermost), ties
/// by name. They are plain numbers so a plugin can place itself between two phases
/// (cc::phase::kAdmission - 10 runs just before the other admission checks).
/// Authentication runs before all middleware, so req.user is set in every phase.
namespace phase {
/// Outermost: sees every request, matched or not, and the final status of its response
/// (including answers given early by inner middleware, such as a 429). For observers that
/// only measure or record: request counters and timings, access logs, tracing.
inline constexpr int kObserve = 100;
/// Decides whether a request may reach its handler at all, after authentication: quotas,
/// rate limits, maintenance switches. May answer early without calling next().
inline constexpr int kAdmission = 500;
/// Innermost, right around the handler: request decoration, per-route tweaks.
inline constexpr int kDefault = 1000;
}  // namespace phase

class Routes {
 public:
  virtual ~Routes() = default;
  /// Pattern segments: literal, ":name" (one segment), or a final "*name" (the rest of the path).
  /// A duplicate method+pattern is an error.
  virtual void add(const std::string& method, const std::string& pattern, Handler handler,
                   RouteOptions options = {}) = 0;
  virtual void use(const std::string& name, int priority, Middleware middleware) = 0;
};

}  // namespace cc
