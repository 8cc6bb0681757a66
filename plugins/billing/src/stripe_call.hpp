#pragma once
// Runs one Stripe API call for an HTTP route: a StripeError is logged (status, type, code and
// Request-Id, never the key) and becomes the HTTP answer our client gets (toHttpError).
#include "stripe_client.hpp"

#include <Poco/Logger.h>

#include <string>
#include <utility>

namespace cc::billing {

template <class F>
auto stripeCall(Poco::Logger& log, const char* what, F&& fn) {
  try {
    return std::forward<F>(fn)();
  } catch (const StripeError& e) {
    log.warning("stripe %s failed: status=%d type=%s code=%s request-id=%s", std::string(what), e.httpStatus(), e.type(),
                e.code(), e.requestId().empty() ? std::string("-") : e.requestId());
    throw toHttpError(e);
  }
}

}  // namespace cc::billing
