#pragma once
// Method + pattern routing with :params and a trailing *wildcard. Knows the difference
// between "no such path" (404) and "path exists, other method" (405 + Allow).
#include <codecouncil/sdk/http.hpp>

#include <map>
#include <string>
#include <vector>

namespace cc::core {

struct Route {
  std::string method;
  std::string pattern;
  std::string owner;  // plugin name, "core" for the host
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  enum class Kind { Found, NotFound, MethodNotAllowed } kind = Kind::NotFound;
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;  // for MethodNotAllowed
};

class Router {
 public:
  /// Throws std::invalid_argument for a malformed pattern or a duplicate method+pattern.
  void add(Route route);
  /// Removes every route registered by `owner`.
  void removeOwner(const std::string& owner);
  RouteMatch match(const std::string& method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Compiled {
    std::vector<std::string> segments;  // literal, ":name" or "*name"
  };
  static Compiled compile(const std::string& pattern);
  static bool matchSegments(const Compiled& c, const std::vector<std::string_view>& parts,
                            std::map<std::string, std::string>* params);

  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
};

/// Splits "/a/b/" into {"a","b"}; empty segments are dropped.
std::vector<std::string_view> splitPath(std::string_view path);

}  // namespace cc::core
