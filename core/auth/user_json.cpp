#include "core/auth/user_json.hpp"

namespace cc::core {

json::ObjectPtr userJson(const User& u, const std::string& createdAt) {
  auto o = json::object();
  o->set("id", u.id);
  o->set("email", u.email);
  o->set("isAdmin", u.isAdmin);
  o->set("suspended", u.suspended);
  o->set("tier", u.tier);
  if (!createdAt.empty()) o->set("createdAt", createdAt);
  return o;
}

std::string meResponseBody(const User& u) {
  std::string out;
  out.reserve(80 + u.id.size() + u.email.size() + u.tier.size());
  out += "{\"user\":{\"email\":";
  json::detail::appendString(out, u.email);
  out += ",\"id\":";
  json::detail::appendString(out, u.id);
  out += u.isAdmin ? ",\"isAdmin\":true" : ",\"isAdmin\":false";
  out += u.suspended ? ",\"suspended\":true" : ",\"suspended\":false";
  out += ",\"tier\":";
  json::detail::appendString(out, u.tier);
  out += "}}";
  return out;
}

}  // namespace cc::core
