#include "core/mail/smtp_sender.hpp"

#include <Poco/Environment.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <Poco/UUIDGenerator.h>

#include <sys/socket.h>

#include <map>
#include <mutex>
#include <optional>
#include <sstream>

namespace cc::core {
namespace {

const Poco::Timespan kTimeout(10, 0);

// One context per CA source (the system store, or mail.ca_file), built on first use (after a
// server accepted STARTTLS, so a host that never uses TLS never loads a CA store).
// Deliberately never freed: freeing it during static destruction could race OpenSSL's own
// exit-time cleanup.
Poco::Net::Context::Ptr clientTlsContext(const std::string& caFile) {
  static std::mutex mutex;
  static auto* contexts = new std::map<std::string, Poco::Net::Context::Ptr>;
  std::lock_guard lock(mutex);
  auto& context = (*contexts)[caFile];
  if (!context) {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Params params;
    // Chain and host name. STRICT rather than RELAXED (the same for a client otherwise):
    // RELAXED skips the host-name check when the server is on a loopback address.
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    // As Postfix's smtp_tls_CAfile without tls_append_default_CA: a configured CA file is
    // the only trust anchor, so a private relay's CA cannot vouch for other hosts and a
    // public CA cannot vouch for the relay.
    params.caLocation = caFile;
    params.loadDefaultCAs = caFile.empty();  // the system store (or $SSL_CERT_FILE)
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  }
  return context;
}

// Poco keeps the EHLO answer and the AUTH/STARTTLS steps protected; this exposes just what
// the sender needs. STARTTLS is done here rather than by SecureSMTPClientSession because
// that class only knows the server's name (for certificate checks) when it connects by
// itself, without a connect timeout.
class SmtpSession : public Poco::Net::SMTPClientSession {
 public:
  explicit SmtpSession(const Poco::Net::StreamSocket& socket) : SMTPClientSession(socket) {}

  /// Reads the greeting (first time only) and sends EHLO; returns the EHLO answer.
  std::string hello(const std::string& name) {
    std::string response;
    login(name, response);
    return response;
  }

  /// Refusal is an error, not a reason to go on in plain text: the server said it can do
  /// TLS, so a failure here may be someone stripping it.
  void startTls(const std::string& host, const std::string& caFile) {
    std::string response;
    int status = sendCommand("STARTTLS", response);
    if (!isPositiveCompletion(status))
      throw SmtpError("server offered STARTTLS but refused it: " + response);
    socket() = Poco::Net::SecureStreamSocket::attach(socket(), host, clientTlsContext(caFile));
  }

  void authPlain(const std::string& user, const std::string& password) { loginUsingPlain(user, password); }
  void authLogin(const std::string& user, const std::string& password) { loginUsingLogin(user, password); }
};

// True when one of the EHLO answer's lines ("250-STARTTLS", "250 SIZE 1000") names the
// extension.
bool ehloHasLine(const std::string& ehlo, const std::string& keyword) {
  std::istringstream lines(ehlo);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() < 4) continue;
    std::string text = Poco::toUpper(Poco::trim(line.substr(4)));
    if (text == keyword || text.rfind(keyword + " ", 0) == 0) return true;
  }
  return false;
}

bool offersAuth(const std::string& ehlo, const std::string& mechanism) {
  std::istringstream lines(ehlo);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() < 4) continue;
    std::istringstream words(Poco::toUpper(line.substr(4)));
    std::string word;
    words >> word;
    if (word != "AUTH" && word != "AUTH=") continue;
    while (words >> word)
      if (word == mechanism) return true;
  }
  return false;
}


// SMTP wants CRLF line ends; text from plugins usually has bare LF.
std::string toCrlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

// 7bit is readable as is; anything else (UTF-8, NUL, lines over SMTP's 998 limit) goes
// quoted-printable.
bool fitsSevenBit(const std::string& crlfText) {
  std::size_t lineLength = 0;
  for (unsigned char c : crlfText) {
    if (c == 0 || c > 127) return false;
    if (c == '\n') {
      lineLength = 0;
    } else if (++lineLength > 998) {
      return false;
    }
  }
  return true;
}

std::string senderDomain(const std::string& from) {
  auto at = from.rfind('@');
  if (at == std::string::npos) return "codecouncil.local";
  auto end = from.find('>', at);
  std::string domain = Poco::trim(from.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1));
  return domain.empty() ? "codecouncil.local" : domain;
}

std::string safeLocalPart(const std::string& text) {
  std::string out;
  for (char c : text)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') out += c;
  return out;
}

}  // namespace

// Clears the aborter's handle before the socket can be closed, so abort() never shuts down
// a descriptor number that the process has reused for something else.
class SocketRegistration {
 public:
  SocketRegistration(SmtpSender& sender, int fd) : sender_(sender) { sender_.registerSocket(fd); }
  ~SocketRegistration() { sender_.unregisterSocket(); }
  SocketRegistration(const SocketRegistration&) = delete;
  SocketRegistration& operator=(const SocketRegistration&) = delete;

 private:
  SmtpSender& sender_;
};

SmtpSender::SmtpSender(const MailConfig& config, Poco::Logger& log) : config_(config), log_(log) {}

void SmtpSender::send(const OutgoingMail& mail) {
  try {
    deliver(mail);
  } catch (const SmtpError& e) {
    throw SmtpError(sanitize(e.what()));
  } catch (const Poco::Exception& e) {
    throw SmtpError(sanitize(e.displayText()));
  } catch (const std::exception& e) {
    throw SmtpError(sanitize(e.what()));
  }
}

void SmtpSender::deliver(const OutgoingMail& mail) {
  Poco::Net::SocketAddress address(config_.smtpHost, static_cast<Poco::UInt16>(config_.smtpPort));
  Poco::Net::StreamSocket socket(address.family());
  std::optional<SmtpSession> session;  // destroyed after the registration below
  SocketRegistration registration(*this, socket.impl()->sockfd());
  socket.connect(address, kTimeout);
  socket.setSendTimeout(kTimeout);
  session.emplace(socket);
  session->setTimeout(kTimeout);

  const std::string helloName = Poco::Environment::nodeName();
  std::string ehlo = session->hello(helloName);
  if (config_.tls == "starttls" || config_.tls == "starttls_required") {
    if (ehloHasLine(ehlo, "STARTTLS")) {
      session->startTls(config_.smtpHost, config_.caFile);
      session->setTimeout(kTimeout);
      ehlo = session->hello(helloName);  // RFC 3207: forget what was said before TLS
    } else if (config_.tls == "starttls_required") {
      // As Postfix's smtp_tls_security_level = encrypt: no AUTH, no MAIL FROM, nothing, since
      // a man in the middle removing the offer is exactly what this mode guards against.
      try {
        session->close();  // QUIT
      } catch (...) {
      }
      throw SmtpError("SMTP server " + config_.smtpHost + ":" + std::to_string(config_.smtpPort) +
                      " did not offer STARTTLS and mail.tls is starttls_required: nothing was sent "
                      "(a man in the middle may have removed the offer)");
    } else if (!config_.smtpUser.empty() && !warnedPlaintext_.exchange(true)) {
      log_.warning("SMTP server %s does not offer STARTTLS; authenticating without encryption "
                   "(mail.tls: starttls_required refuses to)",
                   config_.smtpHost);
    }
  }

  if (!config_.smtpUser.empty()) {
    if (offersAuth(ehlo, "PLAIN")) session->authPlain(config_.smtpUser, config_.smtpPassword);
    else if (offersAuth(ehlo, "LOGIN")) session->authLogin(config_.smtpUser, config_.smtpPassword);
    else throw SmtpError("SMTP server offers neither AUTH PLAIN nor AUTH LOGIN");
  }

  Poco::Net::MailMessage message;
  message.setSender(config_.from);
  message.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, mail.to));
  message.setSubject(Poco::Net::MailMessage::encodeWord(mail.subject));
  message.setDate(Poco::Timestamp());
  message.set("Message-ID", messageId(mail.messageIdLocalPart));
  message.set("MIME-Version", "1.0");
  message.setContentType("text/plain; charset=UTF-8");
  std::string body = toCrlf(mail.text);
  message.setContent(body, fitsSevenBit(body) ? Poco::Net::MailMessage::ENCODING_7BIT
                                              : Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  session->sendMessage(message);

  // The server has taken the message; a failing QUIT must not make us send it again.
  try {
    session->close();
  } catch (...) {
  }
}

std::string SmtpSender::messageId(const std::string& localPart) const {
  std::string local = safeLocalPart(localPart);
  if (local.empty()) local = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  return "<" + local + "@" + senderDomain(config_.from) + ">";
}

// Error texts end up in the database and the log; a server echoing credentials back (or a
// library putting them in an exception) must not leak the password there.
std::string SmtpSender::sanitize(std::string text) const {
  const std::string& secret = config_.smtpPassword;
  if (!secret.empty()) {
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
      text.replace(pos, secret.size(), "***");
  }
  for (char& c : text)
    if (c == '\r' || c == '\n') c = ' ';
  if (text.size() > 500) text.resize(500);
  return text;
}

void SmtpSender::abort() {
  std::lock_guard lock(socketMutex_);
  aborted_ = true;
  // shutdown() wakes a thread blocked in connect/poll/recv on this socket at once.
  if (activeFd_ >= 0) ::shutdown(activeFd_, SHUT_RDWR);
}

void SmtpSender::resume() {
  std::lock_guard lock(socketMutex_);
  aborted_ = false;
}

void SmtpSender::registerSocket(int fd) {
  std::lock_guard lock(socketMutex_);
  if (aborted_) throw SmtpError("delivery aborted: mailer is stopping");
  activeFd_ = fd;
}

void SmtpSender::unregisterSocket() {
  std::lock_guard lock(socketMutex_);
  activeFd_ = -1;
}

}  // namespace cc::core
