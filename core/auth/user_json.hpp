#pragma once
// How the auth routes show a user in JSON: the object of signup, login and GET /api/auth/me.
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/json.hpp>

#include <string>

namespace cc::core {

/// {"email","id","isAdmin","suspended","tier"} (and "createdAt" when given), for responses
/// built as a JSON tree.
json::ObjectPtr userJson(const User& u, const std::string& createdAt = "");

/// The whole body of GET /api/auth/me, {"user": userJson(u)}, written straight into a string:
/// the same bytes as json::stringify of the tree (keys in the tree's sorted order, strings
/// escaped by the same writer), without building the tree on every authenticated request.
std::string meResponseBody(const User& u);

}  // namespace cc::core
