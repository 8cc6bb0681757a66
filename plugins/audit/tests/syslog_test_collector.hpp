#pragma once
// A syslog collector for the tests, on loopback or a unix socket path: real sockets speaking
// the wire format a SIEM's rsyslog/syslog-ng would see (RFC 6587 octet counting over TCP, one
// datagram per message on a unix socket), and a strict RFC 5424 parser written from the RFC's
// ABNF, independent of the plugin's formatter.
#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cc::audit::test {

struct Rfc5424 {
  int pri = -1;
  std::string timestamp, hostname, appName, procId, msgId;
  std::string sdId;  ///< the first (here: only) SD-ELEMENT's id; empty for "-"
  std::vector<std::pair<std::string, std::string>> params;  ///< unescaped
  std::string msg;   ///< without the BOM
  bool bom = false;

  std::optional<std::string> param(const std::string& name) const {
    for (auto& [k, v] : params)
      if (k == name) return v;
    return std::nullopt;
  }
};

namespace detail {

inline bool validUtf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    unsigned char d = static_cast<unsigned char>(len > 1 ? s[i + 1] : 0);
    if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d >= 0xA0) || (c == 0xF0 && d < 0x90) || (c == 0xF4 && d >= 0x90))
      return false;
    i += len;
  }
  return true;
}

// A header field: NILVALUE or 1*max PRINTUSASCII, followed by SP.
inline bool headerField(const std::string& m, std::size_t& i, std::size_t max, std::string& out) {
  std::size_t end = m.find(' ', i);
  if (end == std::string::npos || end == i || end - i > max) return false;
  out = m.substr(i, end - i);
  for (unsigned char c : out)
    if (c < 33 || c > 126) return false;
  i = end + 1;
  return true;
}

inline bool sdName(const std::string& m, std::size_t& i, std::string& out) {
  std::size_t start = i;
  while (i < m.size()) {
    unsigned char c = static_cast<unsigned char>(m[i]);
    if (c < 33 || c > 126 || c == '=' || c == ']' || c == '"') break;
    ++i;
  }
  out = m.substr(start, i - start);
  return !out.empty() && out.size() <= 32;
}

}  // namespace detail

/// Parses `m` by RFC 5424's ABNF (section 6), strictly; nullopt with `why` when it is not a
/// message. Also refuses what a line-based collector would split on: any byte below 0x20.
inline std::optional<Rfc5424> parseRfc5424(const std::string& m, std::string& why) {
  using detail::headerField;
  Rfc5424 r;
  for (unsigned char c : m)
    if (c < 0x20) return why = "a control byte in the message", std::nullopt;
  std::smatch pri;
  static const std::regex kPri(R"(<(0|[1-9][0-9]{0,2})>1 )");
  if (!std::regex_search(m, pri, kPri, std::regex_constants::match_continuous)) return why = "bad PRI/VERSION", std::nullopt;
  r.pri = std::stoi(pri[1]);
  if (r.pri > 191) return why = "PRI above 191", std::nullopt;
  std::size_t i = static_cast<std::size_t>(pri.length(0));
  if (!headerField(m, i, 64, r.timestamp)) return why = "bad TIMESTAMP", std::nullopt;
  static const std::regex kTime(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))");
  if (r.timestamp != "-" && !std::regex_match(r.timestamp, kTime)) return why = "TIMESTAMP not RFC 3339", std::nullopt;
  if (!headerField(m, i, 255, r.hostname)) return why = "bad HOSTNAME", std::nullopt;
  if (!headerField(m, i, 48, r.appName)) return why = "bad APP-NAME", std::nullopt;
  if (!headerField(m, i, 128, r.procId)) return why = "bad PROCID", std::nullopt;
  if (!headerField(m, i, 32, r.msgId)) return why = "bad MSGID", std::nullopt;
  // STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT
  if (i < m.size() && m[i] == '-') {
    ++i;
  } else {
    bool first = true;
    while (i < m.size() && m[i] == '[') {
      ++i;
      std::string id;
      if (!detail::sdName(m, i, id)) return why = "bad SD-ID", std::nullopt;
      if (first) r.sdId = id;
      while (i < m.size() && m[i] == ' ') {
        ++i;
        std::string name, value;
        if (!detail::sdName(m, i, name)) return why = "bad PARAM-NAME", std::nullopt;
        if (m.compare(i, 2, "=\"") != 0) return why = "PARAM-NAME without =\"", std::nullopt;
        i += 2;
        for (;;) {
          if (i >= m.size()) return why = "unterminated PARAM-VALUE", std::nullopt;
          char c = m[i++];
          if (c == '"') break;
          if (c == ']') return why = "unescaped ] in PARAM-VALUE", std::nullopt;
          if (c == '\\' && i < m.size() && (m[i] == '"' || m[i] == '\\' || m[i] == ']')) c = m[i++];
          value += c;
        }
        if (!detail::validUtf8(value)) return why = "PARAM-VALUE is not UTF-8", std::nullopt;
        if (first) r.params.emplace_back(name, value);
      }
      if (i >= m.size() || m[i] != ']') return why = "SD-ELEMENT without ]", std::nullopt;
      ++i;
      first = false;
    }
    if (first) return why = "bad STRUCTURED-DATA", std::nullopt;
  }
  if (i == m.size()) return r;
  if (m[i] != ' ') return why = "no SP before MSG", std::nullopt;
  r.msg = m.substr(i + 1);
  if (r.msg.rfind("\xEF\xBB\xBF", 0) == 0) {
    r.bom = true;
    r.msg = r.msg.substr(3);
    if (!detail::validUtf8(r.msg)) return why = "MSG after a BOM is not UTF-8", std::nullopt;
  }
  return r;
}

/// Collected messages, in arrival order, with a wait.
class Received {
 public:
  void add(std::string m) {
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(std::move(m));
    }
    changed_.notify_all();
  }
  void fail(std::string why) {
    std::lock_guard lock(mutex_);
    errors_.push_back(std::move(why));
  }
  bool waitFor(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
  }
  std::vector<std::string> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> messages_, errors_;
};

/// A TCP collector on 127.0.0.1: reads RFC 6587 octet-counted frames ("LEN SP MSG"); a frame
/// that is not one (bad length, garbage between frames) is recorded as an error.
class TcpCollector {
 public:
  explicit TcpCollector(int port = 0) { listen(port); }
  ~TcpCollector() { close(); }

  int port() const { return port_; }
  Received& received() { return received_; }

  /// Closes the listener and every connection (the collector is "down").
  void close() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    server_.close();
  }
  /// Listens again on the same port.
  void reopen() { listen(port_); }

 private:
  void listen(int port) {
    server_ = Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), 64);
    port_ = server_.address().port();
    stop_ = false;
    thread_ = std::thread([this] { run(); });
  }

  void run() {
    std::vector<std::pair<Poco::Net::StreamSocket, std::string>> clients;
    const Poco::Timespan tick(0, 20000);
    while (!stop_) {
      if (server_.poll(tick, Poco::Net::Socket::SELECT_READ)) clients.emplace_back(server_.acceptConnection(), "");
      for (auto& [socket, buffer] : clients) {
        if (!socket.impl()->initialized()) continue;
        while (socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) {
          char chunk[4096];
          int n = 0;
          try {
            n = socket.receiveBytes(chunk, sizeof chunk);
          } catch (...) {
            n = 0;
          }
          if (n <= 0) {
            socket.close();
            break;
          }
          buffer.append(chunk, static_cast<std::size_t>(n));
          frames(buffer);
        }
      }
    }
    for (auto& [socket, buffer] : clients)
      if (socket.impl()->initialized()) socket.close();
  }

  void frames(std::string& buffer) {
    static const std::regex kLen(R"([1-9][0-9]{0,5} )");
    for (;;) {
      auto sp = buffer.find(' ');
      if (sp == std::string::npos) {
        if (buffer.size() > 6) received_.fail("no frame length in: " + buffer.substr(0, 40));
        return;
      }
      if (!std::regex_match(buffer.substr(0, sp + 1), kLen)) {
        received_.fail("bad frame length: " + buffer.substr(0, 40));
        buffer.clear();
        return;
      }
      std::size_t len = std::stoul(buffer.substr(0, sp));
      if (buffer.size() < sp + 1 + len) return;
      received_.add(buffer.substr(sp + 1, len));
      buffer.erase(0, sp + 1 + len);
    }
  }

  Poco::Net::ServerSocket server_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  Received received_;
};

/// A unix datagram collector bound at `path` (like /dev/log): each datagram is one message.
class UnixDatagramCollector {
 public:
  explicit UnixDatagramCollector(std::string path) : path_(std::move(path)) {
    socket_ = Poco::Net::DatagramSocket(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path_));
    thread_ = std::thread([this] { run(); });
  }
  ~UnixDatagramCollector() {
    stop_ = true;
    thread_.join();
    socket_.close();
    std::remove(path_.c_str());
  }
  Received& received() { return received_; }

 private:
  void run() {
    std::vector<char> buffer(70000);
    while (!stop_) {
      if (!socket_.poll(Poco::Timespan(0, 20000), Poco::Net::Socket::SELECT_READ)) continue;
      int n = socket_.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
      if (n > 0) received_.add(std::string(buffer.data(), static_cast<std::size_t>(n)));
    }
  }

  std::string path_;
  Poco::Net::DatagramSocket socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  Received received_;
};

}  // namespace cc::audit::test
