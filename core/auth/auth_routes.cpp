#include "core/auth/auth_routes.hpp"

#include "core/auth/password.hpp"

namespace cc::core {
namespace {

constexpr std::size_t kMinPassword = 8;
// argon2 cost grows with input; a bound keeps a login from being a CPU lever.
constexpr std::size_t kMaxPassword = 1024;

json::ObjectPtr userJson(const User& u, const std::string& createdAt = "") {
  auto o = json::object();
  o->set("id", u.id);
  o->set("email", u.email);
  o->set("isAdmin", u.isAdmin);
  o->set("suspended", u.suspended);
  o->set("tier", u.tier);
  if (!createdAt.empty()) o->set("createdAt", createdAt);
  return o;
}

std::string readPassword(const json::ObjectPtr& body) {
  std::string password = json::requireString(body, "password");
  if (password.size() > kMaxPassword) throw HttpError(400, "password is too long (max 1024 bytes)");
  return password;
}

void respondWithToken(Response& res, int status, const JwtService& jwt, const UserRecord& r) {
  auto o = json::object();
  o->set("token", jwt.issue(r.user.id, r.user.email));
  o->set("user", userJson(r.user, r.createdAt));
  res.json(status, o);
}

}  // namespace

void registerAuthRoutes(Pipeline& pipeline, UserStore& users, const JwtService& jwt, EventBus& bus) {
  RouteOptions open{Access::Public, 16 * 1024};
  pipeline.router().add(Route{"POST", "/api/auth/signup", "core", [&](Request& req, Response& res) {
    auto body = req.jsonBody();
    std::string email = normalizeEmail(json::requireString(body, "email"));
    std::string password = readPassword(body);
    if (password.size() < kMinPassword) throw HttpError(400, "password must be at least 8 characters");
    auto created = users.create(email, hashPassword(password));
    if (!created) throw HttpError(409, "an account with this email already exists");
    auto payload = json::object();
    payload->set("userId", created->user.id);
    payload->set("email", created->user.email);
    EventBus::addRequestContext(payload, req);
    bus.publish("core", "user_signup", payload);
    respondWithToken(res, 201, jwt, *created);
  }, open});

  pipeline.router().add(Route{"POST", "/api/auth/login", "core", [&](Request& req, Response& res) {
    auto body = req.jsonBody();
    std::string email = lowerAscii(json::requireString(body, "email"));
    std::string password = readPassword(body);
    auto found = users.findByEmail(email);
    // Unknown emails cost the same argon2 run as real ones: no account enumeration by timing.
    bool ok = verifyPassword(password, found ? found->passwordHash : dummyPasswordHash()) && found;
    if (!ok) {
      auto payload = json::object();
      payload->set("email", email);
      if (found) payload->set("userId", found->user.id);
      EventBus::addRequestContext(payload, req);
      bus.publish("core", "login_failed", payload);
      throw HttpError(401, "invalid email or password");
    }
    if (found->user.suspended) throw HttpError(403, "account suspended");
    respondWithToken(res, 200, jwt, *found);
  }, open});

  pipeline.router().add(Route{"GET", "/api/auth/me", "core", [&](Request& req, Response& res) {
    auto o = json::object();
    o->set("user", userJson(req.requireUser()));
    res.json(200, o);
  }, RouteOptions{Access::User}});
}

Authenticator makeAuthenticator(UserStore& users, const JwtService& jwt) {
  return [&users, &jwt](const std::string& token, std::string& reason) -> std::optional<User> {
    auto claims = jwt.verify(token, &reason);
    if (!claims) return std::nullopt;
    auto user = users.findById(claims->userId);
    if (!user) reason = "user no longer exists";
    return user;
  };
}

}  // namespace cc::core
