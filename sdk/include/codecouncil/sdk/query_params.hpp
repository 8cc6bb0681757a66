#pragma once
// Query-string parameters checked before anything is read or sent anywhere. A list route's
// `?limit=`, `?offset=` or `?search=` is the first thing a hostile client varies; each route
// used to write its own parser, with its own message and its own idea of "too long". These
// give every plugin one rule: an empty value counts as absent (HTML forms send `?tier=`), and
// anything else malformed is a 400 that names the parameter and what it must be.
//
// The host has already refused a query that is not valid UTF-8, so values are well-formed text.
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/http_error.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace cc {

/// `?name=` as text; std::nullopt when absent or empty. Longer than `maxLength` bytes: 400.
inline std::optional<std::string> textQueryParam(const Request& req, const std::string& name,
                                                 std::size_t maxLength = 256) {
  auto v = req.queryParam(name);
  if (!v || v->empty()) return std::nullopt;
  if (v->size() > maxLength)
    throw HttpError(400, name + " must be at most " + std::to_string(maxLength) + " characters");
  return v;
}

/// `?name=` as a whole number in [min, max] (min >= 0); `fallback` when absent or empty.
/// Signs, spaces, decimals, exponents and out-of-range values are a 400 naming the range, and
/// nothing in between is parsed leniently (`10abc` is refused, not read as 10).
inline int intQueryParam(const Request& req, const std::string& name, int fallback, int min, int max) {
  auto v = textQueryParam(req, name, 16);
  if (!v) return fallback;
  const std::string range = name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  // At most ten digits cannot overflow int64 before the range check below.
  if (v->size() > 10 || v->find_first_not_of("0123456789") != std::string::npos) throw HttpError(400, range);
  std::int64_t n = std::stoll(*v);
  if (n < min || n > max) throw HttpError(400, range);
  return static_cast<int>(n);
}

/// `?name=true` or `?name=false`; std::nullopt when absent or empty; anything else: 400.
inline std::optional<bool> boolQueryParam(const Request& req, const std::string& name) {
  auto v = textQueryParam(req, name, 16);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  throw HttpError(400, name + " must be true or false");
}

/// `?name=` as one of `allowed`; std::nullopt when absent or empty; anything else: 400 listing them.
inline std::optional<std::string> choiceQueryParam(const Request& req, const std::string& name,
                                                   std::initializer_list<const char*> allowed) {
  auto v = textQueryParam(req, name, 64);
  if (!v) return std::nullopt;
  std::string list;
  for (const char* a : allowed) {
    if (*v == a) return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  throw HttpError(400, name + " must be one of: " + list);
}

}  // namespace cc
