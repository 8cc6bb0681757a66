#include "attempt_deadline.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace cc::analysis {

AttemptDeadline::AttemptDeadline(std::chrono::milliseconds budget)
    : deadline_(std::chrono::steady_clock::now() + budget), thread_([this] { run(); }) {}

AttemptDeadline::~AttemptDeadline() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void AttemptDeadline::run() {
  std::unique_lock lock(mutex_);
  if (wake_.wait_until(lock, deadline_, [this] { return stopping_; })) return;
  expired_ = true;
  // shutdown(), not close(): it wakes a thread blocked on the socket, and the session still
  // owns the descriptor it closes later.
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void AttemptDeadline::watch(int fd) {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (fd_ < 0) throw Poco::IOException(std::string("cannot watch the connection: ") + std::strerror(errno));
  if (expired_) ::shutdown(fd_, SHUT_RDWR);
}

bool AttemptDeadline::expired() const {
  std::lock_guard lock(mutex_);
  return expired_;
}

Poco::Timespan AttemptDeadline::remaining() const {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - std::chrono::steady_clock::now());
  return Poco::Timespan(left.count() > 0 ? left.count() : 0);
}

namespace {

/// Connecting is the one step the watchdog cannot cut (there is no socket to watch before
/// it), so it gets only the time left; the socket is watched as soon as it exists.
void beforeConnect(Poco::Net::HTTPSession& session, const AttemptDeadline& deadline) {
  Poco::Timespan left = deadline.remaining();
  if (left.totalMicroseconds() <= 0) throw Poco::TimeoutException("no time left to connect");
  Poco::Timespan perStep = session.getTimeout();
  session.setTimeout(left, perStep, perStep);
}

class PlainSession : public Poco::Net::HTTPClientSession {
 public:
  PlainSession(const Poco::URI& uri, AttemptDeadline& deadline)
      : HTTPClientSession(uri.getHost(), uri.getPort()), deadline_(deadline) {}

 protected:
  void connect(const Poco::Net::SocketAddress& address) override {
    beforeConnect(*this, deadline_);
    HTTPClientSession::connect(address);
    deadline_.watch(socket().impl()->sockfd());
  }

 private:
  AttemptDeadline& deadline_;
};

class TlsSession : public Poco::Net::HTTPSClientSession {
 public:
  TlsSession(const Poco::URI& uri, Poco::Net::Context::Ptr context, AttemptDeadline& deadline)
      : HTTPSClientSession(uri.getHost(), uri.getPort(), context), deadline_(deadline) {}

 protected:
  void connect(const Poco::Net::SocketAddress& address) override {
    beforeConnect(*this, deadline_);
    // Handshake on the first send (certificate checked then, before any byte of the request),
    // so a server that drags the handshake out is cut by the deadline too.
    Poco::Net::SecureStreamSocket(socket()).setLazyHandshake(true);
    HTTPSClientSession::connect(address);
    deadline_.watch(socket().impl()->sockfd());
  }

 private:
  AttemptDeadline& deadline_;
};

}  // namespace

std::unique_ptr<Poco::Net::HTTPClientSession> openSessionWithDeadline(const Poco::URI& uri,
                                                                      AttemptDeadline& deadline) {
  if (uri.getScheme() == "https") {
    // Verify the server against the system's CA store; a private context, so no global SSL
    // manager set-up is needed.
    static Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_RELAXED, 9, true);
    return std::make_unique<TlsSession>(uri, context, deadline);
  }
  return std::make_unique<PlainSession>(uri, deadline);
}

}  // namespace cc::analysis
