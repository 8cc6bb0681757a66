#pragma once
// The socket to the syslog collector: TCP with RFC 6587 octet counting ("LEN SP MSG", what
// rsyslog and syslog-ng expect for RFC 5424 over TCP), or a unix datagram socket such as
// /dev/log, one message per datagram. Poco::Net does the socket work.
#include "syslog_settings.hpp"

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <string>

namespace cc::audit {

class SyslogConnection {
 public:
  SyslogConnection(std::string transport, std::string address, std::chrono::milliseconds ioTimeout);

  bool connected() const { return connected_; }
  /// Opens the socket. Throws (Poco::Exception, std::exception) when the collector is not there.
  void connect();
  /// Sends one message. Throws when it could not be handed to the collector: the caller
  /// closes, waits, connects again and resends it.
  void send(const std::string& message);
  void close();

 private:
  /// A TCP collector that closed its end: without this check the next send would "succeed"
  /// into a dead connection and its message would be lost.
  bool peerClosed();

  std::string transport_, address_;
  std::chrono::milliseconds ioTimeout_;
  Poco::Net::StreamSocket stream_;
  Poco::Net::DatagramSocket datagram_;
  bool connected_ = false;
};

}  // namespace cc::audit
