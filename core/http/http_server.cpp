#include "core/http/http_server.hpp"

#include "core/http/connection.hpp"
#include "core/http/loop_threads.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <sys/resource.h>
#include <thread>
#include <unordered_map>
#include <vector>

namespace cc::core {

namespace http_front {
std::string httpDateNow() {
  thread_local std::time_t second = 0;
  thread_local char text[40] = "";
  std::time_t now = std::time(nullptr);
  if (now != second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    second = now;
  }
  return text;
}
}  // namespace http_front

using namespace http_front;

namespace {

// Descriptors the process keeps for everything but client connections: database
// connections, log files, plugin libraries, backups' child processes.
constexpr int kReservedDescriptors = 256;

/// Raises the soft descriptor limit to the hard one (each connection is a descriptor; the
/// usual soft limit of 1024 would cap the server far below server.max_connections) and
/// returns how many connections fit.
int connectionsTheDescriptorLimitAllows() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1 << 30;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > (1u << 30)) return 1 << 30;
  return std::max(16, static_cast<int>(limit.rlim_cur) - kReservedDescriptors);
}

net::ip::address addressOf(const std::string& host) {
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (!ec) return address;
  net::io_context scratch;
  tcp::resolver resolver(scratch);
  auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) throw std::runtime_error("cannot resolve server.host '" + host + "'");
  return results.begin()->endpoint().address();
}

template <class Socket>
std::string peerOf(const Socket& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "-";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

// Answered (best effort, without waiting) to a connection beyond server.max_connections.
const std::string kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 36\r\n"
    "Retry-After: 1\r\nConnection: close\r\n\r\n{\"error\":\"too many open connections\"}";

}  // namespace

class HttpServer::Impl : public ServerShared {
 public:
  struct Listener {
    tcp::acceptor acceptor;
    net::steady_timer retry;
    bool secure;
    Listener(net::io_context& ioc, bool tls) : acceptor(net::make_strand(ioc)), retry(acceptor.get_executor()), secure(tls) {}
  };

  Impl(const ServerConfig& config, const Pipeline& pipeline, Poco::Logger& accessLog, Poco::Logger& log,
       std::atomic<int>& inFlight)
      : ServerShared(exchange_, ServerLimits::from(config), inFlight),
        log_(log),
        exchange_(pipeline, accessLog, config.accessLog),
        ioc_(std::max(1, config.threads)),
        loop_(ioc_, std::max(1, config.threads)) {}
  ~Impl() override { stopThreads(); }

  void opened(const std::shared_ptr<ConnectionBase>& c) override {
    std::lock_guard lock(mutex_);
    open_[c.get()] = c;
  }
  void closed(ConnectionBase* c) override {
    std::lock_guard lock(mutex_);
    open_.erase(c);
  }
  void handlerStarts() override { loop_.enterRequest(); }
  void handlerEnds() override { loop_.leaveRequest(); }
  void logError(const std::string& message) override { log_.error("%s", message); }
  int openCount() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(open_.size());
  }
  std::vector<std::shared_ptr<ConnectionBase>> openConnections() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<ConnectionBase>> out;
    for (auto& [_, weak] : open_)
      if (auto c = weak.lock()) out.push_back(std::move(c));
    return out;
  }

  Listener& listen(const std::string& host, int port, bool secure) {
    auto& l = secure ? https_.emplace(ioc_, true) : http_.emplace(ioc_, false);
    tcp::endpoint endpoint(addressOf(host), static_cast<unsigned short>(port));
    l.acceptor.open(endpoint.protocol());
    l.acceptor.set_option(net::socket_base::reuse_address(true));
    l.acceptor.bind(endpoint);
    l.acceptor.listen(net::socket_base::max_listen_connections);
    return l;
  }

  void useTls(const TlsConfig& tls) {
    tls_.emplace(net::ssl::context::tls_server);
    tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                      net::ssl::context::single_dh_use);
    tls_->use_certificate_chain_file(tls.certificateFile);
    tls_->use_private_key_file(tls.privateKeyFile, net::ssl::context::pem);
  }

  void accept(Listener& l) {
    l.acceptor.async_accept(net::make_strand(ioc_.get_executor()), [this, &l](beast::error_code ec, PlainSocket socket) {
      if (ec == net::error::operation_aborted || !l.acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors or buffers: pause instead of spinning on the error.
        warnThrottled("accepting a connection failed: " + ec.message());
        l.retry.expires_after(std::chrono::milliseconds(50));
        l.retry.async_wait([this, &l](beast::error_code waited) {
          if (!waited) accept(l);
        });
        return;
      }
      serve(std::move(socket), l.secure);
      accept(l);
    });
  }

  void serve(PlainSocket socket, bool secure) {
    if (openCount() >= maxConnections_) {
      warnThrottled("server.max_connections (" + std::to_string(maxConnections_) +
                    ") connections are open: refusing new ones");
      beast::error_code ignored;
      socket.non_blocking(true, ignored);
      if (!secure) socket.write_some(net::buffer(kTooManyConnections), ignored);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string peer = peerOf(socket);
    if (secure) {
      std::make_shared<Connection<TlsSocket>>(TlsSocket(std::move(socket), *tls_), *this, std::move(peer))->run();
    } else {
      std::make_shared<Connection<PlainSocket>>(std::move(socket), *this, std::move(peer))->run();
    }
  }

  void startThreads() {
    for (auto* l : {http_ ? &*http_ : nullptr, https_ ? &*https_ : nullptr})
      if (l) accept(*l);
    sweepDeadlines();
    loop_.start();
    started_ = true;
  }

  void closeListeners() {
    for (auto* l : {http_ ? &*http_ : nullptr, https_ ? &*https_ : nullptr}) {
      if (!l) continue;
      std::promise<void> done;
      net::post(l->acceptor.get_executor(), [l, &done] {
        beast::error_code ignored;
        l->acceptor.close(ignored);
        l->retry.cancel();
        done.set_value();
      });
      if (started_) done.get_future().wait();
    }
  }

  void stopThreads() {
    loop_.stop();
    ioc_.stop();
    started_ = false;
  }

  int port(bool secure) {
    auto& l = secure ? https_ : http_;
    if (!l) return 0;
    beast::error_code ec;
    auto endpoint = l->acceptor.local_endpoint(ec);
    return ec ? 0 : endpoint.port();
  }

  void setMaxConnections(int n) { maxConnections_ = n; }

  // Every kDeadlineSweepInterval, closes the connections whose current wait (header, body,
  // keep-alive, write, linger) is past its deadline. A deadline is therefore enforced
  // within one interval after it passes; the connections' own steps only store it.
  void sweepDeadlines() {
    sweepTimer_.expires_after(kDeadlineSweepInterval);
    sweepTimer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      closeExpired();
      loop_.trim();
      sweepDeadlines();
    });
  }

  void closeExpired() {
    const auto now = Clock::now().time_since_epoch().count();
    std::vector<std::shared_ptr<ConnectionBase>> due;
    {
      // A connection unregisters in its destructor under this mutex, so every one listed
      // is alive while it is held.
      std::lock_guard lock(mutex_);
      for (auto& [c, weak] : open_)
        if (c->deadline() <= now)
          if (auto alive = weak.lock()) due.push_back(std::move(alive));
    }
    for (auto& c : due) c->expire();
  }
  Poco::Logger& log() { return log_; }

 private:
  void warnThrottled(const std::string& message) {
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = lastWarning_.load();
    if (now - last < std::chrono::steady_clock::duration(std::chrono::seconds(1)).count()) return;
    if (lastWarning_.compare_exchange_strong(last, now)) log_.warning("%s", message);
  }

  // Declaration order is destruction order in reverse: connections still queued in the
  // io_context are destroyed with it and unregister themselves, so the registry, the TLS
  // context and the exchange must outlive it.
  Poco::Logger& log_;
  std::mutex mutex_;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> open_;
  std::optional<net::ssl::context> tls_;
  Exchange exchange_;
  net::io_context ioc_;
  std::optional<Listener> http_;
  std::optional<Listener> https_;
  net::steady_timer sweepTimer_{ioc_};
  LoopThreads loop_;
  bool started_ = false;
  int maxConnections_ = 10000;
  std::atomic<std::chrono::steady_clock::rep> lastWarning_{0};
};

HttpServer::HttpServer(const ServerConfig& config, const Pipeline& pipeline, Poco::Logger& accessLog, Poco::Logger& log)
    : config_(config), pipeline_(pipeline), accessLog_(accessLog), log_(log) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  impl_ = std::make_unique<Impl>(config_, pipeline_, accessLog_, log_, inFlight_);
  int fit = connectionsTheDescriptorLimitAllows();
  if (config_.maxConnections > fit)
    log_.warning("server.max_connections is %d but the descriptor limit (ulimit -n) leaves room for %d; "
                 "raise LimitNOFILE or lower the setting",
                 config_.maxConnections, fit);
  impl_->setMaxConnections(std::min(config_.maxConnections, fit));
  // HTTPS first: when its certificate is bad, nothing has started answering yet, so a
  // health check can never see a host that is about to exit.
  if (config_.tls.enabled) {
    try {
      impl_->useTls(config_.tls);
      impl_->listen(config_.host, config_.tls.port, true);
    } catch (const std::exception& e) {
      impl_.reset();
      throw std::runtime_error("cannot start the HTTPS listener on port " + std::to_string(config_.tls.port) + ": " +
                               e.what());
    }
  }
  try {
    impl_->listen(config_.host, config_.port, false);
  } catch (const std::exception& e) {
    impl_.reset();
    throw std::runtime_error("cannot listen on " + config_.host + ":" + std::to_string(config_.port) + ": " + e.what());
  }
  impl_->startThreads();
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->stopping.store(true);
  impl_->closeListeners();
  for (auto& c : impl_->openConnections()) c->closeWhenIdle();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.shutdownGraceSeconds);
  while (inFlight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (inFlight_.load() > 0) log_.warning("shutdown: %d requests still running after the grace period", inFlight_.load());
  for (auto& c : impl_->openConnections()) c->closeNow();
  // Closed connections finish their pending operations (aborted) on the threads; give them a
  // moment so they are destroyed before the io_context is.
  auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (impl_->openCount() > 0 && std::chrono::steady_clock::now() < settle)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->stopThreads();
  {
    // From here a wake of a request still suspended does nothing (the io_context goes next).
    std::unique_lock lock(impl_->wakeGate->mutex);
    impl_->wakeGate->open = false;
  }
  // Destroys every connection left (queued handlers hold them) and with them every streamed
  // body's writer: none may outlive this call, since a writer's code may live in a plugin's
  // library, which the host unloads after stop() (Host::shutdown).
  impl_.reset();
}

int HttpServer::port() const { return impl_ ? impl_->port(false) : 0; }
int HttpServer::tlsPort() const { return impl_ ? impl_->port(true) : 0; }
int HttpServer::openConnections() const { return impl_ ? impl_->openCount() : 0; }

}  // namespace cc::core
