#pragma once
// Delivers one message over SMTP: connect (10 s timeout), EHLO, STARTTLS when configured and
// offered, AUTH PLAIN/LOGIN when a user is configured, then MAIL/RCPT/DATA. With
// mail.tls = starttls_required a server that does not offer STARTTLS gets nothing but EHLO
// and QUIT, and the send fails (the mail stays in the outbox). The server certificate and
// host name are verified against the system CA store, or mail.ca_file when set.
//
// Errors are thrown as SmtpError whose text never holds the password, so the dispatcher can
// store it in "lastError" and log it. The body is never logged.
#include "core/config/host_config.hpp"

#include <Poco/Logger.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>

namespace cc::core {

class SocketRegistration;

class SmtpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OutgoingMail {
  std::string to;
  std::string subject;
  std::string text;
  /// Local part of the Message-ID (before '@'); stable across retries so receivers can
  /// recognise a resend. Empty: a random one.
  std::string messageIdLocalPart;
};

class SmtpSender {
 public:
  SmtpSender(const MailConfig& config, Poco::Logger& log);

  /// Blocks until the server accepted the message; throws SmtpError otherwise.
  void send(const OutgoingMail& mail);

  /// Callable from any thread: makes a send in progress fail at once (by shutting its socket
  /// down) and refuses new ones until resume(). Lets the dispatcher stop within a second
  /// even while a server is slow to answer.
  void abort();
  void resume();

  /// The Message-ID header value for a local part, using the domain of MailConfig.from.
  std::string messageId(const std::string& localPart) const;

 private:
  friend class SocketRegistration;
  void deliver(const OutgoingMail& mail);
  std::string sanitize(std::string text) const;
  void registerSocket(int fd);
  void unregisterSocket();

  MailConfig config_;
  Poco::Logger& log_;
  std::atomic<bool> warnedPlaintext_{false};

  std::mutex socketMutex_;  // guards activeFd_ and aborted_
  int activeFd_ = -1;
  bool aborted_ = false;
};

}  // namespace cc::core
