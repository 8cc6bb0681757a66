#include "core/auth/auth_routes.hpp"

#include <codecouncil/sdk/core_topics.hpp>

#include "core/auth/password.hpp"
#include "core/auth/user_json.hpp"

namespace cc::core {
namespace {

constexpr std::size_t kMinPassword = 8;
// argon2 cost grows with input; a bound keeps a login from being a CPU lever.
constexpr std::size_t kMaxPassword = 1024;
// RFC 5321 limits a forward path to 256 octets, so an address is at most 254.
constexpr std::size_t kMaxEmail = 254;

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

/// 429 in the rate limiter's form: the JSON error, `retryAfter` and the Retry-After header.
void refuse(Response& res, const std::string& message, std::int64_t retryAfter) {
  auto body = json::object();
  body->set("error", message + "; try again in " + std::to_string(retryAfter) + " seconds");
  body->set("retryAfter", retryAfter);
  res.json(429, body);
  res.setHeader("Retry-After", std::to_string(retryAfter));
}

/// Runs a throttle statement; a database that cannot answer is the server's trouble (503),
/// and the request is neither served nor counted.
template <class F>
auto throttleStep(Poco::Logger& log, const Request& req, F&& step) {
  try {
    return step();
  } catch (const std::exception& e) {
    log.error("request %s: the login throttle is unavailable: %s", req.requestId, std::string(e.what()));
    throw HttpError(503, "sign-in is temporarily unavailable").header("Retry-After", "1");
  }
}

/// A hash slot, or 503 at once: waiting longer would only pile up requests.
HashSlots::Lease hashSlot(AuthGuards& guards) {
  auto lease = guards.hashes.acquire();
  if (!lease) throw HttpError(503, "too many password checks at once; try again shortly").header("Retry-After", "1");
  return std::move(*lease);
}

struct LoginThrottle {
  AttemptThrottle& throttle;
  std::string subject;
  const char* name;     // the event's "throttle" field
  const char* message;  // the 429's error
};

}  // namespace

void registerAuthRoutes(Pipeline& pipeline, UserStore& users, const JwtService& jwt, EventBus& bus,
                        AuthGuards& guards) {
  RouteOptions open{Access::Public, 16 * 1024};
  pipeline.router().add(Route{"POST", "/api/auth/signup", "core", [&](Request& req, Response& res) {
    auto body = req.jsonBody();
    std::string email = normalizeEmail(json::requireString(body, "email"));
    std::string password = readPassword(body);
    if (password.size() < kMinPassword) throw HttpError(400, "password must be at least 8 characters");
    // Bad input is refused above and counts nothing; every signup that reaches the hash counts,
    // created or not (a duplicate cost the same hash).
    CountedAttempts attempt(guards.log);
    const std::string address = addressSubject(req.remoteAddress);
    auto reserved = throttleStep(guards.log, req, [&] { return guards.signupAddress.reserve(address); });
    if (!reserved) {
      auto retry = throttleStep(guards.log, req, [&] { return guards.signupAddress.retryAfterSeconds(address); });
      auto payload = json::object();
      payload->set("email", email);
      payload->set("throttle", std::string("address"));
      payload->set("retryAfter", retry);
      EventBus::addRequestContext(payload, req);
      bus.publish("core", topics::kSignupThrottled.name, payload);
      return refuse(res, "too many signups from this address", retry);
    }
    attempt.add(guards.signupAddress, *reserved);
    std::string hash;
    {
      auto slot = hashSlot(guards);
      hash = hashPassword(password);
    }
    attempt.keep();
    auto created = users.create(email, hash);
    if (!created) throw HttpError(409, "an account with this email already exists");
    auto payload = json::object();
    payload->set("userId", created->user.id);
    payload->set("email", created->user.email);
    EventBus::addRequestContext(payload, req);
    bus.publish("core", topics::kUserSignup.name, payload);
    respondWithToken(res, 201, jwt, *created);
  }, open});

  pipeline.router().add(Route{"POST", "/api/auth/login", "core", [&](Request& req, Response& res) {
    auto body = req.jsonBody();
    std::string email = lowerAscii(json::requireString(body, "email"));
    if (email.size() > kMaxEmail) throw HttpError(400, "email is too long (max 254 bytes)");
    std::string password = readPassword(body);
    auto found = users.findByEmail(email);

    // Reserve a failure on each throttle before hashing, so parallel guesses can never pass the
    // limit; a correct password refunds them. The address goes first: an attacker whose address
    // is locked is refused by one statement, without touching the victim's counter. Unknown
    // emails are counted like real ones, so a 429 says nothing about whether an account exists.
    CountedAttempts attempt(guards.log);
    for (const LoginThrottle& t :
         {LoginThrottle{guards.loginAddress, addressSubject(req.remoteAddress), "address",
                        "too many failed logins from this address"},
          LoginThrottle{guards.loginAccount, emailSubject(email), "account",
                        "too many failed logins for this account"}}) {
      auto reserved = throttleStep(guards.log, req, [&] { return t.throttle.reserve(t.subject); });
      if (reserved) {
        attempt.add(t.throttle, *reserved);
        continue;
      }
      auto retry = throttleStep(guards.log, req, [&] { return t.throttle.retryAfterSeconds(t.subject); });
      auto payload = json::object();
      payload->set("email", email);
      if (found) payload->set("userId", found->user.id);
      payload->set("throttle", std::string(t.name));
      payload->set("retryAfter", retry);
      EventBus::addRequestContext(payload, req);
      bus.publish("core", topics::kLoginThrottled.name, payload);
      return refuse(res, t.message, retry);  // `attempt` refunds what this request reserved
    }

    bool ok = false;
    {
      auto slot = hashSlot(guards);
      // Unknown emails cost the same argon2 run as real ones: no account enumeration by timing.
      ok = verifyPassword(password, found ? found->passwordHash : dummyPasswordHash()) && found;
    }
    if (!ok) {
      attempt.keep();
      auto payload = json::object();
      payload->set("email", email);
      if (found) payload->set("userId", found->user.id);
      EventBus::addRequestContext(payload, req);
      bus.publish("core", topics::kLoginFailed.name, payload);
      throw HttpError(401, "invalid email or password");
    }
    if (found->user.suspended) throw HttpError(403, "account suspended");
    respondWithToken(res, 200, jwt, *found);
  }, open});

  pipeline.router().add(Route{"GET", "/api/auth/me", "core", [&](Request& req, Response& res) {
    res.text(200, meResponseBody(req.requireUser()), "application/json");
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
