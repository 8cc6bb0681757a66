#pragma once
// A real SMTP receiver on 127.0.0.1 (ephemeral port) for tests: speaks enough RFC 5321 for
// Poco's client (EHLO/HELO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and records
// what it received. With a certificate it also does STARTTLS. Switches make it refuse DATA
// with 451 (temporary failure), offer a STARTTLS it then refuses, or accept connections
// without ever answering.
#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cc::test {

struct ReceivedMail {
  std::string from;                     // MAIL FROM address, without <>
  std::vector<std::string> recipients;  // RCPT TO addresses, without <>
  std::string data;                     // DATA after dot-unstuffing, CRLF line ends
  std::string subject;                  // Subject header, RFC 2047 words decoded
  std::string body;                     // content after its transfer encoding, LF line ends
  std::string authUser;                 // who authenticated on the connection ("" if nobody)
  bool tls = false;                     // received after a successful STARTTLS

  /// A header's value as sent ("" when absent); the name is case-insensitive.
  std::string header(const std::string& name) const;
};

class FakeSmtpServer {
 public:
  struct Options {
    std::string authMechanisms = "PLAIN LOGIN";  // advertised in EHLO; empty: no AUTH line
    std::string user;                            // when set, MAIL needs AUTH with these
    std::string password;
    bool offerStartTls = false;                  // advertised, but STARTTLS is answered 454
    std::string tlsCertificateFile;              // PEM; when set with the key, STARTTLS works
    std::string tlsKeyFile;
    bool echoCredentials = false;                // a careless server: 535 repeats the password
  };

  FakeSmtpServer();
  explicit FakeSmtpServer(Options options);
  ~FakeSmtpServer();
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  std::string host() const { return "127.0.0.1"; }
  int port() const { return port_; }

  /// true: DATA is answered "451 4.3.0" (temporary failure), so the client must retry.
  void setFailData(bool fail) { failData_ = fail; }
  /// true: new connections are accepted but never greeted, like a hung server.
  void setSilent(bool silent) { silent_ = silent; }

  std::vector<ReceivedMail> messages() const;
  std::size_t messageCount() const;
  /// Blocks until at least n messages arrived; false on timeout.
  bool waitForMessages(std::size_t n, std::chrono::milliseconds timeout) const;

  /// Command verbs received on all connections, in order ("EHLO", "AUTH PLAIN", "MAIL", ...).
  std::vector<std::string> commands() const;
  int rejectedData() const { return rejectedData_.load(); }
  int connections() const { return connections_.load(); }

 private:
  class Connection;
  void acceptLoop();
  void record(ReceivedMail mail);
  void recordCommand(const std::string& verb);

  Options options_;
  Poco::Net::Context::Ptr tlsContext_;  // null unless certificate and key are given
  Poco::Net::ServerSocket listener_;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failData_{false};
  std::atomic<bool> silent_{false};
  std::atomic<int> rejectedData_{0};
  std::atomic<int> connections_{0};

  mutable std::mutex mutex_;  // guards everything below
  mutable std::condition_variable arrived_;
  std::vector<ReceivedMail> messages_;
  std::vector<std::string> commands_;
  std::vector<std::thread> workers_;
};

}  // namespace cc::test
