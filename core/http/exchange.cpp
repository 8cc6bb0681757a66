#include "core/http/exchange.hpp"

#include "core/auth/password.hpp"
#include "core/http/utf8.hpp"

#include <Poco/URI.h>

#include <cctype>

namespace cc::core {

std::string requestIdFor(std::string_view sent) {
  bool sane = !sent.empty() && sent.size() <= 128;
  for (char c : sent)
    sane = sane && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  return sane ? std::string(sent) : randomHex(12);
}

namespace {
std::string tooLarge(std::size_t limit) {
  return "request body too large (limit " + std::to_string(limit) + " bytes)";
}
}  // namespace

Response Exchange::run(IncomingRequest& in, std::string& requestId) const {
  auto started = std::chrono::steady_clock::now();
  Request req;
  Response res;
  req.method = std::move(in.method);
  req.remoteAddress = std::move(in.peerAddress);
  // Header values may carry obs-text (bytes 0x80-0xFF, which the parser allows); they reach
  // logs, events and SQL as text, so each byte of ill-formed UTF-8 becomes the text \xNN
  // here, once for everyone (an audit row keeps what the client sent, as valid text).
  // A field sent on several lines is one comma-separated list (RFC 9110, 5.3): a proxy
  // chain may add its own X-Forwarded-For line, and every hop must count.
  for (auto& [k, v] : in.headers) {
    std::string value = isValidUtf8(v) ? std::move(v) : escapeInvalidUtf8(v);
    auto [it, added] = req.headers.try_emplace(lowerAscii(k), std::move(value));
    if (!added) it->second += ", " + value;
  }
  req.requestId = requestIdFor(req.header("x-request-id"));
  if (parse(in, req, res)) {
    pipeline_.handle(req, res);
  } else {
    // Copy the message out first: reject() rewrites `res` through the middleware.
    std::string message = json::parseObject(res.body)->getValue<std::string>("error");
    pipeline_.reject(req, res, res.status, message);
  }
  if (req.method == "HEAD") res.body.clear();
  log(req, res, started);
  requestId = req.requestId;
  return res;
}

Response Exchange::refuse(int status, const std::string& message, const std::string& peerAddress,
                          std::string& requestId) const {
  auto started = std::chrono::steady_clock::now();
  Request req;
  req.method = "-";
  req.path = "-";
  req.remoteAddress = peerAddress;
  req.requestId = randomHex(12);
  Response res;
  res.error(status, message);
  res.setHeader("Connection", "close");
  log(req, res, started);
  requestId = req.requestId;
  return res;
}

// Fills path, query and body; on bad input writes the error into `res` and returns false.
bool Exchange::parse(IncomingRequest& in, Request& req, Response& res) const {
  try {
    Poco::URI uri(in.target);
    req.path = uri.getPath();
    req.rawQuery = uri.getRawQuery();
    for (auto& [k, v] : uri.getQueryParameters()) req.query.emplace(k, v);
  } catch (const std::exception&) {
    res.error(400, "malformed request URI");
    return false;
  }
  // Decoded path and parameters reach handlers, SQL and logs as text: PostgreSQL refuses an
  // invalid UTF-8 parameter with an error (which surfaced as a 500), so refuse it here.
  bool text = isValidUtf8(req.path);
  for (auto& [k, v] : req.query) text = text && isValidUtf8(k) && isValidUtf8(v);
  if (!text) {
    res.error(400, "request path and query parameters must be valid UTF-8");
    return false;
  }
  if (req.path.empty()) req.path = "/";
  if (in.bodyTooLarge) {
    res.error(413, tooLarge(pipeline_.maxBodyBytes()));
    res.setHeader("Connection", "close");
    return false;
  }
  req.body = std::move(in.body);
  return true;
}

void Exchange::log(const Request& req, const Response& res, std::chrono::steady_clock::time_point started) const {
  if (!accessLogEnabled_) return;
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  accessLog_.information("%s %s %d %z %.3fms id=%s user=%s", req.method, req.path, res.status, res.body.size(),
                         static_cast<double>(micros) / 1000.0, req.requestId,
                         req.user ? req.user->id : std::string("-"));
}

}  // namespace cc::core
