#include "syslog_connection.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include <stdexcept>

namespace cc::audit {

namespace {

Poco::Timespan timespan(std::chrono::milliseconds ms) { return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000); }

}  // namespace

SyslogConnection::SyslogConnection(std::string transport, std::string address, std::chrono::milliseconds ioTimeout)
    : transport_(std::move(transport)), address_(std::move(address)), ioTimeout_(ioTimeout) {}

void SyslogConnection::connect() {
  close();
  if (transport_ == "unix") {
    Poco::Net::SocketAddress to(Poco::Net::SocketAddress::UNIX_LOCAL, address_);
    datagram_ = Poco::Net::DatagramSocket(Poco::Net::SocketAddress::UNIX_LOCAL);
    datagram_.connect(to);  // fails at once when nothing listens on the path
    datagram_.setSendTimeout(timespan(ioTimeout_));
  } else {
    Poco::Net::SocketAddress to(address_);  // resolves the host name each time
    stream_ = Poco::Net::StreamSocket();
    stream_.connect(to, timespan(ioTimeout_));
    stream_.setNoDelay(true);
    stream_.setSendTimeout(timespan(ioTimeout_));
  }
  connected_ = true;
}

bool SyslogConnection::peerClosed() {
  if (!stream_.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) return false;
  char scratch[256];
  try {
    // A collector sends nothing on this protocol: readable means closed (0) or reset (throws).
    return stream_.receiveBytes(scratch, sizeof scratch, MSG_DONTWAIT) <= 0;
  } catch (...) {
    return true;
  }
}

void SyslogConnection::send(const std::string& message) {
  if (!connected_) throw std::runtime_error("not connected");
  if (transport_ == "unix") {
    int n = datagram_.sendBytes(message.data(), static_cast<int>(message.size()), MSG_NOSIGNAL);
    if (n != static_cast<int>(message.size())) throw std::runtime_error("short datagram");
    return;
  }
  if (peerClosed()) throw std::runtime_error("the collector closed the connection");
  const std::string frame = std::to_string(message.size()) + " " + message;
  std::size_t sent = 0;
  while (sent < frame.size()) {
    int n = stream_.sendBytes(frame.data() + sent, static_cast<int>(frame.size() - sent), MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("the collector accepted no bytes");
    sent += static_cast<std::size_t>(n);
  }
}

void SyslogConnection::close() {
  if (!connected_) return;
  connected_ = false;
  try {
    if (transport_ == "unix") datagram_.close();
    else stream_.close();
  } catch (...) {
  }
}

}  // namespace cc::audit
