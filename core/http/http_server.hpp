#pragma once
// The host's HTTP(S) listeners: an event-driven front (Boost.Beast's parser over Asio) that
// holds every open connection as a small record and runs each complete request through the
// Pipeline on one of `server.threads` threads. Idle and slow clients hold no thread; every
// wait for a client has a deadline (server.*_timeout_seconds); at most server.max_connections
// are open at once. See docs/architecture.md, "The server", for why this design.
#include "core/config/host_config.hpp"
#include "core/http/pipeline.hpp"

#include <Poco/Logger.h>

#include <atomic>
#include <memory>

namespace cc::core {

class HttpServer {
 public:
  HttpServer(const ServerConfig& config, const Pipeline& pipeline, Poco::Logger& accessLog, Poco::Logger& log);
  ~HttpServer();

  /// Binds and starts accepting. Throws with the address on failure (port in use, bad cert).
  void start();
  /// Stops accepting, closes idle connections, then waits up to the grace period for
  /// in-flight requests before closing the rest.
  void stop();

  int port() const;
  int tlsPort() const;
  int inFlight() const { return inFlight_.load(); }
  /// Connections open right now (idle ones included).
  int openConnections() const;

 private:
  class Impl;
  const ServerConfig config_;
  const Pipeline& pipeline_;
  Poco::Logger& accessLog_;
  Poco::Logger& log_;
  std::atomic<int> inFlight_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace cc::core
