#pragma once
// The path of one request through the host, independent of the socket layer:
// route match -> authentication -> middleware (by priority) -> access check -> handler.
// Every failure becomes a JSON error; middleware sees the final status of every request.
#include "core/http/client_address.hpp"
#include "core/http/router.hpp"

#include <codecouncil/sdk/http.hpp>

#include <Poco/Logger.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cc::core {

/// Resolves a bearer token to the current user row. Returns nullopt with `reason` on failure.
using Authenticator = std::function<std::optional<User>(const std::string& token, std::string& reason)>;

struct MiddlewareEntry {
  std::string name;
  std::string owner;
  int priority;
  Middleware fn;
};

class Pipeline {
 public:
  explicit Pipeline(Poco::Logger& log) : log_(log) {}

  Router& router() { return router_; }
  const Router& router() const { return router_; }
  void setAuthenticator(Authenticator a) { authenticate_ = std::move(a); }
  void setMaxBodyBytes(std::size_t n) { maxBodyBytes_ = n; }
  std::size_t maxBodyBytes() const { return maxBodyBytes_; }
  /// Peers whose X-Forwarded-For names the client (server.trusted_proxies). handle() and
  /// reject() replace req.remoteAddress with the resolved client first, so every consumer
  /// (middleware, handlers, events, logs) sees the same address.
  void setTrustedProxies(TrustedProxies proxies) { trustedProxies_ = std::move(proxies); }

  /// Middleware order: ascending priority, ties by name. A duplicate name is an error.
  void addMiddleware(MiddlewareEntry entry);
  void removeOwner(const std::string& owner);
  const std::vector<MiddlewareEntry>& middleware() const { return middleware_; }

  /// Runs the request to completion; never throws.
  void handle(Request& req, Response& res) const;
  /// Answers a request the server refused before routing (oversized body, bad URI) with
  /// `status`, still through the middleware so metrics and logs see it.
  void reject(Request& req, Response& res, int status, const std::string& message) const;

 private:
  void runChain(std::size_t index, Request& req, Response& res, const std::function<void()>& terminal) const;
  void terminal(Request& req, Response& res, const RouteMatch& match) const;
  void guarded(Request& req, Response& res, const std::function<void()>& fn) const;
  void resolveClient(Request& req) const;

  Poco::Logger& log_;
  Router router_;
  std::vector<MiddlewareEntry> middleware_;
  Authenticator authenticate_;
  std::size_t maxBodyBytes_ = 1048576;
  TrustedProxies trustedProxies_;
};

}  // namespace cc::core
