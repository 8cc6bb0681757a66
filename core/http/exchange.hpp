#pragma once
// One request/response exchange, independent of sockets and of the HTTP library that parsed
// it: checks what the parser cannot (URI, UTF-8, body size), runs the pipeline, writes the
// access log line. The connection code (connection.hpp) only moves bytes.
#include "core/host/log_sink.hpp"
#include "core/http/pipeline.hpp"

#include <Poco/Logger.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cc::core {

/// What the HTTP parser read from the wire (header names as sent).
struct IncomingRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peerAddress;
  /// The body was cut off at the server's limit; the exchange answers 413.
  bool bodyTooLarge = false;
};

class Exchange {
 public:
  /// Access log lines go to `sink` when `accessLogEnabled` and `accessLog` logs information;
  /// they carry `accessLog`'s name, like every logger's line.
  Exchange(const Pipeline& pipeline, Poco::Logger& accessLog, bool accessLogEnabled,
           LogSink& sink = LogSink::standardError())
      : pipeline_(pipeline), accessLog_(accessLog), accessLogEnabled_(accessLogEnabled), sink_(sink) {}

  /// Runs `in` through the pipeline; never throws. HEAD answers carry no body (and no body
  /// writer). A streamed answer (Response::bodyWriter) is logged with "-" for its size.
  Response run(IncomingRequest& in, std::string& requestId) const;

  /// An answer the connection gives without the pipeline (malformed HTTP, headers too large):
  /// a JSON error, logged like any request.
  Response refuse(int status, const std::string& message, const std::string& peerAddress,
                  std::string& requestId) const;

  std::size_t maxBodyBytes() const { return pipeline_.maxBodyBytes(); }

 private:
  bool parse(IncomingRequest& in, Request& req, Response& res) const;
  void log(const Request& req, const Response& res, std::chrono::steady_clock::time_point started) const;

  const Pipeline& pipeline_;
  Poco::Logger& accessLog_;
  bool accessLogEnabled_;
  LogSink& sink_;
};

/// The X-Request-Id a client sent when it is safe to echo and log, else a new random one.
std::string requestIdFor(std::string_view sent);

}  // namespace cc::core
