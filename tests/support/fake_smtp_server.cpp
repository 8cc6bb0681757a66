#include "support/fake_smtp_server.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>

#include <regex>
#include <sstream>

namespace cc::test {
namespace {

const Poco::Timespan kPollInterval(0, 100 * 1000);  // how quickly connections notice stop

std::string base64Decode(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::string out((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  return out;
}

// "<a@b>" / " <a@b> SIZE=10" -> "a@b"
std::string pathArgument(const std::string& text) {
  std::string t = Poco::trim(text);
  auto open = t.find('<');
  auto close = t.find('>', open == std::string::npos ? 0 : open);
  if (open != std::string::npos && close != std::string::npos) return t.substr(open + 1, close - open - 1);
  return t.substr(0, t.find(' '));
}

std::string decodeQ(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      out += ' ';
    } else if (text[i] == '=' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// RFC 2047: "=?UTF-8?q?Gr=C3=BC=C3=9Fe?=" -> "Grüße"; whitespace between two encoded words
// belongs to the folding, not to the text.
std::string decodeEncodedWords(const std::string& value) {
  static const std::regex kWord(R"(=\?([^?]+)\?([QqBb])\?([^?]*)\?=)");
  std::string out;
  std::string pendingSpace;
  bool lastWasEncoded = false;
  auto it = std::sregex_iterator(value.begin(), value.end(), kWord);
  std::size_t pos = 0;
  for (; it != std::sregex_iterator(); ++it) {
    std::string between = value.substr(pos, it->position() - pos);
    bool onlySpace = between.find_first_not_of(" \t\r\n") == std::string::npos;
    if (!(lastWasEncoded && onlySpace)) out += between;
    std::string enc = (*it)[2], text = (*it)[3];
    out += (enc == "Q" || enc == "q") ? decodeQ(text) : base64Decode(text);
    pos = it->position() + it->length();
    lastWasEncoded = true;
  }
  out += value.substr(pos);
  return out;
}

std::string toLf(std::string text) {
  Poco::replaceInPlace(text, std::string("\r\n"), std::string("\n"));
  return text;
}

}  // namespace

std::string ReceivedMail::header(const std::string& name) const {
  std::istringstream in(data);
  Poco::Net::MailMessage message;
  message.read(in);
  return message.get(name, "");
}

// One client connection, served on its own thread.
class FakeSmtpServer::Connection {
 public:
  Connection(FakeSmtpServer& server, Poco::Net::StreamSocket socket) : server_(server), socket_(std::move(socket)) {}

  void run() {
    try {
      if (server_.silent_) {
        std::string ignored;
        while (readLine(ignored)) {
        }
        return;
      }
      reply("220 fake-smtp ESMTP ready");
      std::string line;
      while (readLine(line)) {
        if (!handle(line)) break;
      }
    } catch (const std::exception&) {
      // The client went away mid-command; nothing to record.
    }
  }

 private:
  bool handle(const std::string& line) {
    std::string upper = Poco::toUpper(line);
    std::string verb = upper.substr(0, upper.find(' '));
    if (upper.rfind("MAIL FROM:", 0) == 0) return mailFrom(line.substr(10));
    if (upper.rfind("RCPT TO:", 0) == 0) return rcptTo(line.substr(8));
    if (verb == "AUTH") return auth(line);
    server_.recordCommand(verb);
    if (verb == "EHLO") return ehlo();
    if (verb == "HELO") return reply("250 fake-smtp");
    if (verb == "STARTTLS") return startTls();
    if (verb == "DATA") return data();
    if (verb == "RSET") return resetTransaction(), reply("250 2.0.0 Reset");
    if (verb == "NOOP") return reply("250 2.0.0 OK");
    if (verb == "QUIT") return reply("221 2.0.0 Bye"), false;
    return reply("502 5.5.2 Command not recognized");
  }

  bool ehlo() {
    std::vector<std::string> lines{"fake-smtp", "8BITMIME"};
    if (!server_.options_.authMechanisms.empty()) lines.push_back("AUTH " + server_.options_.authMechanisms);
    if ((server_.options_.offerStartTls || server_.tlsContext_) && !tls_) lines.push_back("STARTTLS");
    lines.push_back("HELP");
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i)
      text += "250" + std::string(i + 1 < lines.size() ? "-" : " ") + lines[i] + (i + 1 < lines.size() ? "\r\n" : "");
    return reply(text);
  }

  bool startTls() {
    if (tls_ || !server_.tlsContext_)
      return reply(server_.options_.offerStartTls ? "454 4.7.0 TLS not available" : "502 5.5.1 Not offered");
    reply("220 2.0.0 Ready to start TLS");
    socket_ = Poco::Net::SecureStreamSocket::attach(socket_, server_.tlsContext_);  // handshake
    // RFC 3207: everything learned before TLS is forgotten.
    tls_ = true;
    buffer_.clear();
    authUser_.clear();
    resetTransaction();
    return true;
  }

  bool auth(const std::string& line) {
    std::istringstream words(line);
    std::string word, mechanism, initial;
    words >> word >> mechanism >> initial;
    mechanism = Poco::toUpper(mechanism);
    server_.recordCommand("AUTH " + mechanism);
    std::string user, password;
    if (mechanism == "PLAIN") {
      if (initial.empty()) {
        reply("334 ");
        if (!readLine(initial)) return false;
      }
      std::string decoded = base64Decode(initial);  // "\0user\0password"
      auto first = decoded.find('\0'), second = decoded.find('\0', first + 1);
      if (first == std::string::npos || second == std::string::npos) return reply("501 5.5.2 Bad PLAIN data");
      user = decoded.substr(first + 1, second - first - 1);
      password = decoded.substr(second + 1);
    } else if (mechanism == "LOGIN") {
      std::string answer;
      reply("334 VXNlcm5hbWU6");
      if (!readLine(answer)) return false;
      user = base64Decode(answer);
      reply("334 UGFzc3dvcmQ6");
      if (!readLine(answer)) return false;
      password = base64Decode(answer);
    } else {
      return reply("504 5.5.4 Mechanism not supported");
    }
    const auto& o = server_.options_;
    if (!o.user.empty() && (user != o.user || password != o.password))
      return reply("535 5.7.8 Authentication credentials invalid" +
                   (o.echoCredentials ? " for " + user + " / " + password : std::string()));
    authUser_ = user;
    return reply("235 2.7.0 Authentication successful");
  }

  bool mailFrom(const std::string& arg) {
    server_.recordCommand("MAIL");
    if (!server_.options_.user.empty() && authUser_.empty()) return reply("530 5.7.0 Authentication required");
    resetTransaction();
    mail_.from = pathArgument(arg);
    inTransaction_ = true;
    return reply("250 2.1.0 OK");
  }

  bool rcptTo(const std::string& arg) {
    server_.recordCommand("RCPT");
    if (!inTransaction_) return reply("503 5.5.1 MAIL first");
    mail_.recipients.push_back(pathArgument(arg));
    return reply("250 2.1.5 OK");
  }

  bool data() {
    if (!inTransaction_ || mail_.recipients.empty()) return reply("503 5.5.1 RCPT first");
    if (server_.failData_) {
      ++server_.rejectedData_;
      resetTransaction();
      return reply("451 4.3.0 Temporary failure, try again later");
    }
    reply("354 End data with <CR><LF>.<CR><LF>");
    std::string line, text;
    for (;;) {
      if (!readLine(line)) return false;
      if (line == ".") break;
      if (!line.empty() && line[0] == '.') line.erase(0, 1);  // dot-unstuffing (RFC 5321 4.5.2)
      text += line + "\r\n";
    }
    mail_.data = text;
    mail_.authUser = authUser_;
    mail_.tls = tls_;
    parse(mail_);
    server_.record(std::move(mail_));
    resetTransaction();
    return reply("250 2.0.0 OK queued");
  }

  static void parse(ReceivedMail& mail) {
    std::istringstream in(mail.data);
    Poco::Net::MailMessage message;
    message.read(in);
    mail.subject = decodeEncodedWords(message.getSubject());
    mail.body = toLf(message.getContent());
  }

  void resetTransaction() {
    mail_ = ReceivedMail{};
    inTransaction_ = false;
  }

  bool reply(const std::string& text) {
    std::string out = text + "\r\n";
    socket_.sendBytes(out.data(), static_cast<int>(out.size()));
    return true;
  }

  // One CRLF-terminated line (without it); false on EOF or when the server stops.
  bool readLine(std::string& line) {
    for (;;) {
      if (auto eol = buffer_.find("\r\n"); eol != std::string::npos) {
        line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 2);
        return true;
      }
      if (server_.stopping_) return false;
      // available() also counts bytes TLS already decrypted, which poll() cannot see.
      if (socket_.available() <= 0 && !socket_.poll(kPollInterval, Poco::Net::Socket::SELECT_READ)) continue;
      char chunk[4096];
      int n = socket_.receiveBytes(chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  FakeSmtpServer& server_;
  Poco::Net::StreamSocket socket_;
  std::string buffer_;
  std::string authUser_;
  ReceivedMail mail_;
  bool inTransaction_ = false;
  bool tls_ = false;
};

FakeSmtpServer::FakeSmtpServer() : FakeSmtpServer(Options{}) {}

FakeSmtpServer::FakeSmtpServer(Options options)
    : options_(std::move(options)), listener_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
  if (!options_.tlsCertificateFile.empty() && !options_.tlsKeyFile.empty()) {
    Poco::Net::initializeSSL();
    tlsContext_ = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, options_.tlsKeyFile,
                                         options_.tlsCertificateFile, "", Poco::Net::Context::VERIFY_NONE);
  }
  port_ = listener_.address().port();
  acceptor_ = std::thread([this] { acceptLoop(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  stopping_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
}

void FakeSmtpServer::acceptLoop() {
  while (!stopping_) {
    try {
      if (!listener_.poll(kPollInterval, Poco::Net::Socket::SELECT_READ)) continue;
      Poco::Net::StreamSocket client = listener_.acceptConnection();
      ++connections_;
      std::lock_guard lock(mutex_);
      workers_.emplace_back([this, client]() mutable { Connection(*this, client).run(); });
    } catch (const std::exception&) {
      // A client that vanished between poll and accept; keep serving the others.
    }
  }
}

void FakeSmtpServer::record(ReceivedMail mail) {
  {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(mail));
  }
  arrived_.notify_all();
}

void FakeSmtpServer::recordCommand(const std::string& verb) {
  std::lock_guard lock(mutex_);
  commands_.push_back(verb);
}

std::vector<ReceivedMail> FakeSmtpServer::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::size_t FakeSmtpServer::messageCount() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

bool FakeSmtpServer::waitForMessages(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
}

std::vector<std::string> FakeSmtpServer::commands() const {
  std::lock_guard lock(mutex_);
  return commands_;
}

}  // namespace cc::test
