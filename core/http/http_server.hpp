#pragma once
// Poco::Net::HTTPServer in front of the Pipeline: reads the request (with the body limit),
// hands it to the pipeline, writes the answer, logs one access line, counts in-flight
// requests so shutdown can drain them.
#include "core/config/host_config.hpp"
#include "core/http/pipeline.hpp"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <memory>

namespace cc::core {

class HttpServer {
 public:
  HttpServer(const ServerConfig& config, const Pipeline& pipeline, Poco::Logger& accessLog, Poco::Logger& log);
  ~HttpServer();

  /// Binds and starts accepting. Throws with the address on failure (port in use, bad cert).
  void start();
  /// Stops accepting, then waits up to the grace period for in-flight requests.
  void stop();

  int port() const;
  int tlsPort() const;
  int inFlight() const { return inFlight_.load(); }

 private:
  class Factory;
  const ServerConfig config_;
  const Pipeline& pipeline_;
  Poco::Logger& accessLog_;
  Poco::Logger& log_;
  std::atomic<int> inFlight_{0};
  // The servers' own worker threads. Poco's default pool holds at most 16 threads, so a larger
  // server.threads silently changed nothing; and Poco serves one keep-alive connection per
  // thread, so connections beyond the threads wait in the queue until a thread frees up.
  // Declared before the servers: they are destroyed first and the pool outlives them.
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> http_;
  std::unique_ptr<Poco::Net::HTTPServer> https_;
};

}  // namespace cc::core
