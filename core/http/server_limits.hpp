#pragma once
// The socket layer's limits, read once from ServerConfig. Every wait has a deadline, so no
// client can hold a connection open without making progress.
#include "core/config/host_config.hpp"

#include <chrono>
#include <cstdint>

namespace cc::core {

/// How often the server closes connections past their deadline: each timeout below is
/// enforced within this much after it passes (docs/architecture.md, "Server").
inline constexpr std::chrono::milliseconds kDeadlineSweepInterval{250};

struct ServerLimits {
  std::chrono::seconds headerTimeout{10};     // a new connection's first request header, whole
  std::chrono::seconds keepAliveTimeout{15};  // between requests on a kept-alive connection
  std::chrono::seconds bodyTimeout{30};       // each read of a request body
  std::chrono::seconds writeTimeout{30};      // writing one answer
  std::chrono::seconds lingerTimeout{2};      // reading and dropping input after the last answer
  std::uint32_t maxHeaderBytes = 16384;
  std::uint64_t maxBodyBytes = 1048576;
  unsigned maxKeepAliveRequests = 10000;
  bool keepAlive = true;

  static ServerLimits from(const ServerConfig& c) {
    ServerLimits l;
    l.headerTimeout = std::chrono::seconds(c.headerTimeoutSeconds);
    l.keepAliveTimeout = std::chrono::seconds(c.keepAliveTimeoutSeconds);
    l.bodyTimeout = std::chrono::seconds(c.bodyTimeoutSeconds);
    l.writeTimeout = std::chrono::seconds(c.writeTimeoutSeconds);
    l.maxHeaderBytes = static_cast<std::uint32_t>(c.maxHeaderBytes);
    l.maxBodyBytes = static_cast<std::uint64_t>(c.maxBodyBytes);
    l.keepAlive = c.keepAlive;
    return l;
  }
};

}  // namespace cc::core
