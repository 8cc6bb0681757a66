#include "core/http/http_server.hpp"

#include "core/auth/password.hpp"
#include "core/http/utf8.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <chrono>
#include <thread>

namespace cc::core {
namespace {

bool saneRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// Reads at most `limit` + 1 bytes so an oversized chunked body is noticed without
// buffering all of it.
constexpr Poco::Int64 kMaxDiscardBytes = 64 * 1024 * 1024;

void discard(std::istream& in) {
  char buffer[16384];
  while (in) in.read(buffer, sizeof buffer);
}

bool readBody(std::istream& in, std::size_t limit, std::string& out) {
  char buffer[8192];
  while (in) {
    in.read(buffer, sizeof buffer);
    out.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (out.size() > limit) return false;
  }
  return true;
}

void send(Poco::Net::HTTPServerResponse& out, const Response& res, const std::string& requestId) {
  out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(res.status));
  out.setContentType(res.contentType);
  for (auto& [k, v] : res.headers) out.set(k, v);
  out.set("X-Request-Id", requestId);
  out.setContentLength(static_cast<std::streamsize>(res.body.size()));
  out.sendBuffer(res.body.data(), res.body.size());
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(const Pipeline& p, std::atomic<int>& inFlight, Poco::Logger& access, bool accessLog)
      : pipeline_(p), inFlight_(inFlight), access_(access), accessLog_(accessLog) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
    struct Counter {
      std::atomic<int>& n;
      explicit Counter(std::atomic<int>& c) : n(c) { ++n; }
      ~Counter() { --n; }
    } counting(inFlight_);
    auto started = std::chrono::steady_clock::now();
    Request req;
    Response res;
    req.method = in.getMethod();
    req.requestId = in.get("X-Request-Id", "");
    if (!saneRequestId(req.requestId)) req.requestId = randomHex(12);
    req.remoteAddress = in.clientAddress().host().toString();
    for (auto& [k, v] : in) req.headers[lowerAscii(k)] = v;

    if (parse(in, req, res)) {
      pipeline_.handle(req, res);
    } else {
      pipeline_.reject(req, res, res.status, json::parseObject(res.body)->getValue<std::string>("error"));
    }
    if (req.method == "HEAD") res.body.clear();
    try {
      send(out, res, req.requestId);
    } catch (const std::exception&) {
      // The client went away; nothing left to tell it.
    }
    if (accessLog_) {
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
      access_.information("%s %s %d %z %.3fms id=%s user=%s", req.method, req.path, res.status, res.body.size(),
                          static_cast<double>(micros) / 1000.0, req.requestId,
                          req.user ? req.user->id : std::string("-"));
    }
  }

 private:
  // Fills path, query and body; on bad input writes the error into `res` and returns false.
  bool parse(Poco::Net::HTTPServerRequest& in, Request& req, Response& res) {
    try {
      Poco::URI uri(in.getURI());
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
    std::size_t limit = pipeline_.maxBodyBytes();
    if (in.hasContentLength() && in.getContentLength64() > static_cast<Poco::Int64>(limit)) {
      res.error(413, "request body too large (limit " + std::to_string(limit) + " bytes)");
      res.setHeader("Connection", "close");
      // Read (and drop) a bounded amount first: closing with unread data makes the kernel
      // send a reset, and the client would see "connection reset" instead of the 413.
      if (in.getContentLength64() <= kMaxDiscardBytes) discard(in.stream());
      return false;
    }
    const bool hasBody = in.hasContentLength() || in.getChunkedTransferEncoding();
    if (hasBody && !readBody(in.stream(), limit, req.body)) {
      res.error(413, "request body too large (limit " + std::to_string(limit) + " bytes)");
      res.setHeader("Connection", "close");
      return false;
    }
    return true;
  }

  const Pipeline& pipeline_;
  std::atomic<int>& inFlight_;
  Poco::Logger& access_;
  bool accessLog_;
};

}  // namespace

class HttpServer::Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(HttpServer& s) : server_(s) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(server_.pipeline_, server_.inFlight_, server_.accessLog_, server_.config_.accessLog);
  }

 private:
  HttpServer& server_;
};

HttpServer::HttpServer(const ServerConfig& config, const Pipeline& pipeline, Poco::Logger& accessLog, Poco::Logger& log)
    : config_(config), pipeline_(pipeline), accessLog_(accessLog), log_(log) {}

HttpServer::~HttpServer() { stop(); }

namespace {
Poco::Net::HTTPServerParams::Ptr serverParams(const ServerConfig& c) {
  Poco::Net::HTTPServerParams::Ptr p = new Poco::Net::HTTPServerParams;
  p->setMaxThreads(c.threads);
  p->setMaxQueued(c.queue);
  p->setKeepAlive(c.keepAlive);
  p->setMaxKeepAliveRequests(10000);
  p->setKeepAliveTimeout(Poco::Timespan(15, 0));
  p->setTimeout(Poco::Timespan(30, 0));
  // A dispatcher thread that finishes its connection after stop() has woken the others waits
  // this long for work before it notices the stop, and exit() joins it: Poco's default of 10 s
  // showed up as hosts taking seconds to exit after "shutdown complete".
  p->setThreadIdleTime(Poco::Timespan(1, 0));
  p->setServerName("codecouncil");
  return p;
}
}  // namespace

void HttpServer::start() {
  Poco::Net::SocketAddress address(config_.host, static_cast<Poco::UInt16>(config_.port));
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(address, true);
    socket.listen(1024);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + address.toString() + ": " + e.displayText());
  }
  const int listeners = config_.tls.enabled ? 2 : 1;
  pool_ = std::make_unique<Poco::ThreadPool>(2, config_.threads * listeners, 60);
  // HTTPS first: when its certificate is bad, nothing has started answering yet, so a
  // health check can never see a host that is about to exit.
  if (config_.tls.enabled) {
    try {
      Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, config_.tls.privateKeyFile,
                                                           config_.tls.certificateFile, "", Poco::Net::Context::VERIFY_NONE);
      Poco::Net::SecureServerSocket secure(ctx);
      secure.bind(Poco::Net::SocketAddress(config_.host, static_cast<Poco::UInt16>(config_.tls.port)), true);
      secure.listen(1024);
      https_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), *pool_, secure, serverParams(config_));
      https_->start();
    } catch (const Poco::Exception& e) {
      throw std::runtime_error("cannot start the HTTPS listener on port " + std::to_string(config_.tls.port) + ": " +
                               e.displayText());
    }
  }
  http_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), *pool_, socket, serverParams(config_));
  http_->start();
}

void HttpServer::stop() {
  if (!http_ && !https_) return;
  if (http_) http_->stop();
  if (https_) https_->stop();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.shutdownGraceSeconds);
  while (inFlight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (inFlight_.load() > 0) log_.warning("shutdown: %d requests still running after the grace period", inFlight_.load());
  if (http_) http_->stopAll(true);
  if (https_) https_->stopAll(true);
  http_.reset();
  https_.reset();
  if (pool_) pool_->joinAll();  // every worker has left its connection; none is left to exit() to join
  pool_.reset();
}

int HttpServer::port() const { return http_ ? http_->port() : 0; }
int HttpServer::tlsPort() const { return https_ ? https_->port() : 0; }

}  // namespace cc::core
