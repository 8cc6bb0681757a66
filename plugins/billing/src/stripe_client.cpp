#include "stripe_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace cc::billing {

StripeError::StripeError(int httpStatus, std::string type, std::string code, std::string message, std::string param,
                         std::string requestId, std::string declineCode)
    : std::runtime_error("stripe: " + (message.empty() ? type : message)),
      httpStatus_(httpStatus),
      type_(std::move(type)),
      code_(std::move(code)),
      message_(std::move(message)),
      param_(std::move(param)),
      requestId_(std::move(requestId)),
      declineCode_(std::move(declineCode)) {}

HttpError toHttpError(const StripeError& e) {
  if (e.httpStatus() == 402 || e.type() == "card_error") {
    std::string msg = e.stripeMessage().empty() ? "your card was declined" : e.stripeMessage();
    return HttpError(402, msg);
  }
  if (e.httpStatus() == 429) return HttpError(503, "payment provider is busy, try again shortly").header("Retry-After", "5");
  if (e.isNetworkError()) return HttpError(502, "payment provider is unreachable, try again later");
  if (e.httpStatus() >= 500) return HttpError(502, "payment provider failed, try again later");
  // 400/401/403/404/409: our request or our credentials are wrong, not the caller's.
  std::string detail = e.code().empty() ? e.type() : e.code();
  return HttpError(502, "payment provider rejected the request" + (detail.empty() ? std::string() : " (" + detail + ")"));
}

namespace {

Poco::Net::Context::Ptr tlsContext() {
  // One client context for the process: verifies the server against the system CAs.
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_RELAXED,
                                     9, true, "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
  });
  return context;
}

std::string uuid4() { return Poco::UUIDGenerator::defaultGenerator().createRandom().toString(); }

std::string nestedString(const json::ObjectPtr& o, const std::string& key) {
  if (!o || !o->has(key) || o->isNull(key)) return "";
  auto v = o->get(key);
  return v.isString() ? v.toString() : "";
}

}  // namespace

StripeClient::StripeClient(StripeClientOptions options, Poco::Logger& log)
    : options_(std::move(options)), log_(log), sleeper_([](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }) {}

json::ObjectPtr StripeClient::post(const std::string& path, const FormBody& form) { return call("POST", path, form.encode()); }

json::ObjectPtr StripeClient::get(const std::string& path, const FormBody& query) {
  return call("GET", query.empty() ? path : path + "?" + query.encode(), "");
}

json::ObjectPtr StripeClient::del(const std::string& path) { return call("DELETE", path, ""); }

std::chrono::milliseconds StripeClient::backoff(int attempt, std::int64_t retryAfterSeconds) const {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  double base = static_cast<double>(options_.retryBaseMs) * static_cast<double>(1LL << std::min(attempt, 20));
  double capped = std::min(base, static_cast<double>(options_.retryMaxMs));
  double jittered = capped * std::uniform_real_distribution<double>(0.5, 1.0)(rng);
  auto delay = static_cast<std::int64_t>(jittered);
  if (retryAfterSeconds > 0) delay = std::max(delay, std::min<std::int64_t>(retryAfterSeconds, 60) * 1000);
  return std::chrono::milliseconds(delay);
}

bool StripeClient::shouldRetry(const RawResponse& r) {
  if (r.shouldRetry == "true") return true;
  if (r.shouldRetry == "false") return false;
  return r.status == 409 || r.status >= 500;
}

StripeError StripeClient::errorFrom(const RawResponse& r) {
  json::ObjectPtr error;
  try {
    Poco::JSON::Parser parser;
    auto parsed = parser.parse(r.body);
    if (parsed.type() == typeid(json::ObjectPtr)) error = parsed.extract<json::ObjectPtr>()->getObject("error");
  } catch (const std::exception&) {
    // not Stripe's JSON (a proxy's error page): described by the status alone
  }
  if (!error)
    return StripeError(r.status, r.status >= 500 ? "api_error" : "invalid_response", "",
                       "HTTP " + std::to_string(r.status) + " without a Stripe error body", "", r.requestId);
  return StripeError(r.status, nestedString(error, "type"), nestedString(error, "code"), nestedString(error, "message"),
                     nestedString(error, "param"), r.requestId, nestedString(error, "decline_code"));
}

json::ObjectPtr StripeClient::call(const std::string& method, const std::string& path, const std::string& body) {
  const std::string idempotencyKey = method == "POST" ? uuid4() : "";
  for (int attempt = 0;; ++attempt) {
    RawResponse r;
    std::string networkError;
    try {
      r = sendOnce(method, path, body, idempotencyKey);
    } catch (const Poco::Exception& e) {
      networkError = e.displayText();
    } catch (const std::exception& e) {
      networkError = e.what();
    }
    std::string route = method + " " + path.substr(0, path.find('?'));
    if (networkError.empty()) {
      log_.information("stripe %s -> %d request-id=%s attempt=%d", route, r.status,
                       r.requestId.empty() ? std::string("-") : r.requestId, attempt + 1);
      if (r.status >= 200 && r.status < 300) {
        try {
          Poco::JSON::Parser parser;
          auto parsed = parser.parse(r.body);
          if (parsed.type() == typeid(json::ObjectPtr)) return parsed.extract<json::ObjectPtr>();
        } catch (const std::exception&) {
        }
        throw StripeError(502, "invalid_response", "", "Stripe answered with something that is not a JSON object", "",
                          r.requestId);
      }
    } else {
      log_.warning("stripe %s failed: %s (attempt %d)", route, networkError, attempt + 1);
    }
    bool retry = networkError.empty() ? shouldRetry(r) : true;
    if (!retry || attempt >= options_.maxRetries) {
      if (!networkError.empty()) throw StripeError(0, "network_error", "", networkError);
      throw errorFrom(r);
    }
    sleeper_(backoff(attempt, networkError.empty() ? r.retryAfterSeconds : -1));
  }
}

StripeClient::RawResponse StripeClient::sendOnce(const std::string& method, const std::string& pathAndQuery,
                                                 const std::string& body, const std::string& idempotencyKey) {
  Poco::URI base(options_.apiBase);
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (base.getScheme() == "https")
    session = std::make_unique<Poco::Net::HTTPSClientSession>(base.getHost(), base.getPort(), tlsContext());
  else
    session = std::make_unique<Poco::Net::HTTPClientSession>(base.getHost(), base.getPort());
  session->setTimeout(Poco::Timespan(static_cast<long>(options_.timeoutSeconds), 0));

  std::string prefix = base.getPath();
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  Poco::Net::HTTPRequest req(method, prefix + pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
  req.set("Authorization", "Bearer " + options_.secretKey);
  req.set("Stripe-Version", options_.apiVersion);
  req.set("Accept", "application/json");
  req.set("User-Agent", "codecouncil-billing/1.0");
  if (!idempotencyKey.empty()) req.set("Idempotency-Key", idempotencyKey);
  if (method == "POST") {
    req.setContentType("application/x-www-form-urlencoded");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  std::ostream& out = session->sendRequest(req);
  if (method == "POST") out << body;

  Poco::Net::HTTPResponse res;
  std::istream& in = session->receiveResponse(res);
  RawResponse r;
  r.status = res.getStatus();
  Poco::StreamCopier::copyToString(in, r.body);
  // A body cut short by a dropped connection is a network failure, not an answer.
  if (res.hasContentLength() && static_cast<std::streamsize>(r.body.size()) < res.getContentLength())
    throw Poco::Net::NetException("connection closed before the whole response arrived");
  r.requestId = res.get("Request-Id", "");
  r.shouldRetry = res.get("Stripe-Should-Retry", "");
  std::string retryAfter = res.get("Retry-After", "");
  if (!retryAfter.empty()) {
    try {
      r.retryAfterSeconds = std::stoll(retryAfter);
    } catch (const std::exception&) {
      // an HTTP date: ignored, the computed backoff applies
    }
  }
  return r;
}

}  // namespace cc::billing
