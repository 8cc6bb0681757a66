#pragma once
// A small Stripe API client over Poco (HTTPS, or plain HTTP for a loopback fake in tests).
//
// Every POST carries a fresh UUIDv4 Idempotency-Key that is reused on each retry of that
// call, so a retried "create subscription" can never create two. Retries follow Stripe's
// libraries: Stripe-Should-Retry decides when present; otherwise network errors, 409 and
// 5xx are retried, with capped, jittered exponential backoff that honours Retry-After.
#include "form_body.hpp"

#include <codecouncil/sdk/http_error.hpp>
#include <codecouncil/sdk/json.hpp>

#include <Poco/Logger.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace cc::billing {

struct StripeClientOptions {
  std::string apiBase = "https://api.stripe.com";
  std::string secretKey;
  std::string apiVersion = "2025-03-31.basil";
  std::int64_t timeoutSeconds = 30;
  int maxRetries = 3;
  std::int64_t retryBaseMs = 500;
  std::int64_t retryMaxMs = 5000;
};

/// A failed call: Stripe's error object, or a network failure (httpStatus 0).
class StripeError : public std::runtime_error {
 public:
  StripeError(int httpStatus, std::string type, std::string code, std::string message, std::string param = "",
              std::string requestId = "", std::string declineCode = "");
  int httpStatus() const { return httpStatus_; }
  bool isNetworkError() const { return httpStatus_ == 0; }
  const std::string& type() const { return type_; }
  const std::string& code() const { return code_; }
  const std::string& param() const { return param_; }
  const std::string& requestId() const { return requestId_; }
  const std::string& declineCode() const { return declineCode_; }
  const std::string& stripeMessage() const { return message_; }

 private:
  int httpStatus_;
  std::string type_, code_, message_, param_, requestId_, declineCode_;
};

/// What our API client sees: card errors 402 with Stripe's (customer-facing) message, a
/// busy Stripe 503 with Retry-After, anything else upstream 502.
HttpError toHttpError(const StripeError& error);

class StripeClient {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  StripeClient(StripeClientOptions options, Poco::Logger& log);

  json::ObjectPtr post(const std::string& path, const FormBody& form);
  json::ObjectPtr get(const std::string& path, const FormBody& query = {});
  json::ObjectPtr del(const std::string& path);

  /// Tests replace the sleep to observe the backoff without waiting for it.
  void setSleeper(Sleeper sleeper) { sleeper_ = std::move(sleeper); }

  /// Delay before retry number `attempt` (0-based): base * 2^attempt capped at max, with
  /// jitter in [50%, 100%]; a Retry-After (seconds) longer than that wins, up to 60 s.
  std::chrono::milliseconds backoff(int attempt, std::int64_t retryAfterSeconds) const;

 private:
  struct RawResponse {
    int status = 0;
    std::string body;
    std::string requestId;
    std::string shouldRetry;  ///< "true", "false" or ""
    std::int64_t retryAfterSeconds = -1;
  };

  json::ObjectPtr call(const std::string& method, const std::string& path, const std::string& body);
  RawResponse sendOnce(const std::string& method, const std::string& pathAndQuery, const std::string& body,
                       const std::string& idempotencyKey);
  static bool shouldRetry(const RawResponse& r);
  static StripeError errorFrom(const RawResponse& r);

  StripeClientOptions options_;
  Poco::Logger& log_;
  Sleeper sleeper_;
};

}  // namespace cc::billing
