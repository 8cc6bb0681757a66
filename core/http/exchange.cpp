#include "core/http/exchange.hpp"

#include "core/http/utf8.hpp"

#include <Poco/URI.h>

#include <codecouncil/sdk/text.hpp>

#include <cctype>
#include <cstdint>
#include <random>
#include <ctime>

namespace cc::core {

namespace {

// Request ids only have to be unique, not secret (clients see them; nothing trusts them): a
// per-thread generator seeded once from the system's random source, instead of a getrandom(2)
// call per request (1% of a cheap request's CPU in the profile).
std::string newRequestId() {
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(24, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = generator();
    for (int i = 0; i < 12; ++i, bits >>= 4) id[static_cast<std::size_t>(half * 12 + i)] = kHex[bits & 0xF];
  }
  return id;
}

}  // namespace

std::string requestIdFor(std::string_view sent) {
  bool sane = !sent.empty() && sent.size() <= 128;
  for (char c : sent)
    sane = sane && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  return sane ? std::string(sent) : newRequestId();
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
  // HEAD: the head only. A streamed body's writer is dropped uncalled (destroyed here, on
  // this handler thread, while the plugin that made it is certainly loaded).
  if (req.method == "HEAD") {
    res.body.clear();
    res.bodyWriter = nullptr;
  }
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
  req.requestId = newRequestId();
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

namespace {

// The loggers' timestamp ("%Y-%m-%dT%H:%M:%S.%iZ" in UTC, core/host/host.cpp), the second's
// text made once per second per thread.
void appendTimestamp(std::string& out) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  const std::time_t second = static_cast<std::time_t>(ms / 1000);
  thread_local std::time_t cachedSecond = -1;
  thread_local char secondText[24] = "";
  if (second != cachedSecond) {
    std::tm tm{};
    gmtime_r(&second, &tm);
    std::strftime(secondText, sizeof secondText, "%Y-%m-%dT%H:%M:%S", &tm);
    cachedSecond = second;
  }
  const auto milli = static_cast<int>(ms % 1000);
  out += secondText;
  out += '.';
  out += static_cast<char>('0' + milli / 100);
  out += static_cast<char>('0' + milli / 10 % 10);
  out += static_cast<char>('0' + milli % 10);
  out += 'Z';
}

}  // namespace

// The line the loggers would write ("<time> Information codecouncil.access: GET /x 200 15
// 0.114ms id=... user=..."), built here and handed to the log writer: no Poco::Message, no
// format-string parsing, no wake-up of a thread per line (docs/performance.md).
// Never inlined into run(): the request may have moved to another thread (a fiber that
// suspended, core/fibers/request_fiber.hpp) since run() began, and this reads thread_locals.
[[gnu::noinline]] void Exchange::log(const Request& req, const Response& res, std::chrono::steady_clock::time_point started) const {
  if (!accessLogEnabled_ || !accessLog_.information()) return;
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  thread_local std::string text;
  text.clear();
  text += req.method;
  text += ' ';
  text += req.path;
  text += ' ';
  text += std::to_string(res.status);
  text += ' ';
  // A streamed body is written after this line (its size is not known yet): "-".
  if (res.bodyWriter)
    text += '-';
  else
    text += std::to_string(res.body.size());
  text += ' ';
  text += std::to_string(micros / 1000);
  text += '.';
  const auto fraction = static_cast<int>(micros % 1000);
  text += static_cast<char>('0' + fraction / 100);
  text += static_cast<char>('0' + fraction / 10 % 10);
  text += static_cast<char>('0' + fraction % 10);
  text += "ms id=";
  text += req.requestId;
  text += " user=";
  text += req.user ? req.user->id : std::string_view("-");
  thread_local std::string line;
  line.clear();
  appendTimestamp(line);
  line += " Information ";
  line += accessLog_.name();
  line += ": ";
  // A decoded path may hold CR/LF or ESC (GET /x%0d%0a...): one printable line, as every
  // logger writes it (core/host/escaping_formatter.hpp).
  if (text::needsEscaping(text))
    line += text::escapeControls(text);
  else
    line += text;
  sink_.append(line);
}

}  // namespace cc::core
