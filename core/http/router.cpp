#include "core/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace cc::core {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

Router::Compiled Router::compile(const std::string& pattern) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route pattern '" + pattern + "' must start with '/'");
  Compiled c;
  auto parts = splitPath(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string seg(parts[i]);
    if ((seg[0] == ':' || seg[0] == '*') && seg.size() == 1)
      throw std::invalid_argument("route pattern '" + pattern + "': parameter without a name");
    if (seg[0] == '*' && i + 1 != parts.size())
      throw std::invalid_argument("route pattern '" + pattern + "': *wildcard must be the last segment");
    c.segments.push_back(seg);
  }
  return c;
}

namespace {
// "/a/:id" and "/a/:userId" are the same route to a matcher: compare with names erased.
std::vector<std::string> shape(const std::vector<std::string>& segments) {
  std::vector<std::string> out;
  for (auto& s : segments) out.push_back(s[0] == ':' || s[0] == '*' ? std::string(1, s[0]) : s);
  return out;
}
}  // namespace

void Router::add(Route route) {
  Compiled c = compile(route.pattern);
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].method == route.method && shape(compiled_[i].segments) == shape(c.segments))
      throw std::invalid_argument("route " + route.method + " " + route.pattern + " is already registered by " +
                                  routes_[i].owner);
  }
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(c));
}

void Router::removeOwner(const std::string& owner) {
  for (std::size_t i = routes_.size(); i-- > 0;) {
    if (routes_[i].owner == owner) {
      routes_.erase(routes_.begin() + static_cast<long>(i));
      compiled_.erase(compiled_.begin() + static_cast<long>(i));
    }
  }
}

bool Router::matchSegments(const Compiled& c, const std::vector<std::string_view>& parts,
                           std::map<std::string, std::string>* params) {
  const auto& segs = c.segments;
  bool wildcard = !segs.empty() && segs.back()[0] == '*';
  std::size_t fixed = wildcard ? segs.size() - 1 : segs.size();
  if (wildcard ? parts.size() < fixed : parts.size() != fixed) return false;
  for (std::size_t i = 0; i < fixed; ++i) {
    const std::string& s = segs[i];
    if (s[0] == ':') {
      if (params) (*params)[s.substr(1)] = std::string(parts[i]);
    } else if (s != parts[i]) {
      return false;
    }
  }
  if (wildcard && params) {
    std::string rest;
    for (std::size_t i = fixed; i < parts.size(); ++i) rest += (i > fixed ? "/" : "") + std::string(parts[i]);
    (*params)[segs.back().substr(1)] = rest;
  }
  return true;
}

RouteMatch Router::match(const std::string& method, const std::string& path) const {
  RouteMatch result;
  auto parts = splitPath(path);
  // Literal routes win over parametric ones at the same position: pick the match with the
  // most literal segments (so /api/admin/users/stats beats /api/admin/users/:userId).
  // Rank = one flag per segment (literal = 1) then "not a wildcard", compared
  // lexicographically: an earlier literal segment wins, whatever the path length.
  std::vector<char> bestRank;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!matchSegments(compiled_[i], parts, nullptr)) continue;
    const std::string& m = routes_[i].method;
    if (m == method || (method == "HEAD" && m == "GET")) {
      std::vector<char> rank;
      for (auto& s : compiled_[i].segments) rank.push_back(s[0] != ':' && s[0] != '*');
      rank.push_back(compiled_[i].segments.empty() || compiled_[i].segments.back()[0] != '*');
      if (!result.route || rank > bestRank) {
        bestRank = std::move(rank);
        result.route = &routes_[i];
        result.params.clear();
        matchSegments(compiled_[i], parts, &result.params);
      }
    } else if (std::find(result.allowed.begin(), result.allowed.end(), m) == result.allowed.end()) {
      result.allowed.push_back(m);
    }
  }
  if (result.route) {
    result.kind = RouteMatch::Kind::Found;
    result.allowed.clear();
  } else if (!result.allowed.empty()) {
    result.kind = RouteMatch::Kind::MethodNotAllowed;
    std::sort(result.allowed.begin(), result.allowed.end());
  }
  return result;
}

}  // namespace cc::core
