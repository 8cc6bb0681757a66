#pragma once
// One Gemini attempt's total time limit. Socket timeouts bound each read (and each write) on
// its own, so a server that trickles a byte now and then keeps an attempt going for as long
// as it likes, and the recovery job could then take a live run for an abandoned one. The
// deadline cuts the connection when it passes, whatever the attempt is doing: TLS handshake,
// sending, waiting for the status line, reading the body.
//
// A watchdog thread waits for the deadline and then shuts the socket down (both ways), which
// ends any blocked send or receive at once; the attempt then reports a timeout. It works on
// its own duplicate of the descriptor, so a socket the session has already closed (after an
// error) can never be mixed up with another one that got the same number.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace cc::analysis {

class AttemptDeadline {
 public:
  /// The deadline is `budget` from now; the watchdog starts at once.
  explicit AttemptDeadline(std::chrono::milliseconds budget);
  /// Stops the watchdog (the connection is left to its session).
  ~AttemptDeadline();
  AttemptDeadline(const AttemptDeadline&) = delete;
  AttemptDeadline& operator=(const AttemptDeadline&) = delete;

  /// Watches the connected socket `fd`: shut down when the deadline passes, or right away
  /// when it has passed already (a slow name lookup). Throws Poco::IOException when the
  /// descriptor cannot be duplicated.
  void watch(int fd);
  /// True once the deadline passed and the connection was cut.
  bool expired() const;
  /// Time left, zero when none: the connect timeout.
  Poco::Timespan remaining() const;

 private:
  void run();

  const std::chrono::steady_clock::time_point deadline_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool expired_ = false;
  int fd_ = -1;         ///< our duplicate of the watched socket, -1 until watch()
  std::thread thread_;  ///< last: started when everything above is set
};

/// An HTTP(S) client session for `uri`'s scheme, host and port whose connection, once made, is
/// watched by `deadline` (which must outlive the session's use). Connecting waits at most the
/// time left; the TLS handshake is done on the first send, under the deadline. HTTPS verifies
/// the server against the system's CA store.
std::unique_ptr<Poco::Net::HTTPClientSession> openSessionWithDeadline(const Poco::URI& uri,
                                                                      AttemptDeadline& deadline);

}  // namespace cc::analysis
