#pragma once
// POST /api/auth/signup, POST /api/auth/login, GET /api/auth/me, and the authenticator that
// turns a bearer token into the current "User" row on every request.
#include "core/auth/jwt.hpp"
#include "core/auth/user_store.hpp"
#include "core/events/event_bus.hpp"
#include "core/http/pipeline.hpp"

namespace cc::core {

void registerAuthRoutes(Pipeline& pipeline, UserStore& users, const JwtService& jwt, EventBus& bus);

/// Verifies the JWT, then loads the user (so suspension and tier changes apply at once).
Authenticator makeAuthenticator(UserStore& users, const JwtService& jwt);

}  // namespace cc::core
