#pragma once
// POST /api/auth/signup, POST /api/auth/login, GET /api/auth/me, and the authenticator that
// turns a bearer token into the current "User" row on every request.
#include "core/auth/auth_guards.hpp"
#include "core/auth/jwt.hpp"
#include "core/auth/user_store.hpp"
#include "core/events/event_bus.hpp"
#include "core/http/pipeline.hpp"

namespace cc::core {

/// Signup and login consult `guards` before any password hash: 429 + Retry-After from a
/// throttle, 503 + Retry-After when no hash slot frees up in time.
void registerAuthRoutes(Pipeline& pipeline, UserStore& users, const JwtService& jwt, EventBus& bus,
                        AuthGuards& guards);

/// Verifies the JWT, then loads the user (so suspension and tier changes apply at once).
Authenticator makeAuthenticator(UserStore& users, const JwtService& jwt);

}  // namespace cc::core
