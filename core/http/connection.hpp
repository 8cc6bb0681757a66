#pragma once
// One client connection on the event-driven front (Boost.Beast over Asio): reads requests
// with Beast's parser under deadlines, runs each through the Exchange and writes the answer.
// A connection holds a socket and a small buffer, never a thread, while it waits for bytes:
// idle and slow clients cost memory, not workers (docs/architecture.md, "The server").
//
// Deadlines: a connection stores when its current wait must end (one atomic store per step)
// and the server's periodic sweep closes those past it. A timer armed and cancelled per read
// and write (beast::tcp_stream) cost a timer-queue insertion, a cancellation and a
// completion per operation; the sweep costs one pass over the open connections per interval.
//
// Internal to core/http/http_server.cpp; templated on the stream so plain TCP and TLS
// connections share every rule.
#include "core/http/exchange.hpp"
#include "core/fibers/request_fiber.hpp"
#include "core/http/server_limits.hpp"

#include <boost/asio/defer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <Poco/Exception.h>

#include <vector>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <shared_mutex>

namespace cc::core::http_front {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

/// Each connection's handlers run in order on its own strand; naming the executor's type
/// (instead of Asio's type-erased any_io_executor) spares a virtual call and an allocation
/// per operation.
using ConnectionExecutor = net::strand<net::io_context::executor_type>;
using PlainSocket = net::basic_stream_socket<tcp, ConnectionExecutor>;
using TlsSocket = beast::ssl_stream<PlainSocket>;

/// The way in for the wakes of suspended requests (cc::Waiting): a wake may come from any
/// thread at any time, even from a plugin after the server stopped. The server closes the gate
/// before its io_context goes; a wake that finds it closed does nothing.
struct WakeGate {
  std::shared_mutex mutex;
  bool open = true;
};

/// What every connection shares with the server: the exchange, the limits, the count of
/// requests in flight (shutdown drains them) and the list of open connections.
class ConnectionBase;
struct ServerShared {
  const Exchange& exchange;
  ServerLimits limits;
  std::atomic<int>& inFlight;
  std::atomic<bool> stopping{false};
  const std::shared_ptr<WakeGate> wakeGate = std::make_shared<WakeGate>();
  /// Registry of open connections (added at start, removed in the destructor).
  virtual void opened(const std::shared_ptr<ConnectionBase>& c) = 0;
  virtual void closed(ConnectionBase* c) = 0;
  /// Around each request handler, which may block its thread (see loop_threads.hpp).
  virtual void handlerStarts() = 0;
  virtual void handlerEnds() = 0;
  /// The server's error log (a streamed body's writer threw).
  virtual void logError(const std::string& message) = 0;
  ServerShared(const Exchange& e, ServerLimits l, std::atomic<int>& n) : exchange(e), limits(l), inFlight(n) {}
  virtual ~ServerShared() = default;
};

class ConnectionBase {
 public:
  static constexpr std::int64_t kNoDeadline = INT64_MAX;

  virtual ~ConnectionBase() = default;
  /// When the current wait must end (steady_clock ticks); read by the sweep on any thread.
  std::int64_t deadline() const { return deadline_.load(std::memory_order_relaxed); }
  /// The sweep found the deadline past: closes the connection on its own strand unless it
  /// made progress (and so moved its deadline) in the meantime. Safe from any thread.
  virtual void expire() = 0;
  /// Shutdown: a connection waiting for a request closes now; one in a request closes after
  /// its answer. Safe from any thread.
  virtual void closeWhenIdle() = 0;
  /// Shutdown after the grace period: close whatever state it is in. Safe from any thread.
  virtual void closeNow() = 0;

 protected:
  void setDeadline(Clock::duration within) {
    deadline_.store((Clock::now() + within).time_since_epoch().count(), std::memory_order_relaxed);
  }
  void clearDeadline() { deadline_.store(kNoDeadline, std::memory_order_relaxed); }
  bool pastDeadline() const { return deadline() <= Clock::now().time_since_epoch().count(); }

 private:
  std::atomic<std::int64_t> deadline_{kNoDeadline};
};

/// RFC 7231 IMF-fixdate of the current second, formatted once per second per thread.
std::string httpDateNow();

template <class Stream>
class Connection : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Stream stream, ServerShared& shared, std::string peer)
      : stream_(std::move(stream)), shared_(shared), peer_(std::move(peer)) {}
  ~Connection() override { shared_.closed(this); }

  /// Starts reading (after the TLS handshake for TLS streams).
  void run() {
    shared_.opened(this->shared_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->begin(); });
  }

  void closeWhenIdle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->waitingForRequest_) self->closeSocket();
    });
  }
  void closeNow() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->closeSocket(); });
  }
  void expire() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->pastDeadline()) self->closeSocket();
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, PlainSocket>;

  auto& lowest() { return beast::get_lowest_layer(stream_); }

  void begin() {
    if constexpr (kTls) {
      setDeadline(shared_.limits.headerTimeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->closeSocket();
                                self->readHeader();
                              });
    } else {
      readHeader();
    }
  }

  // The header of a request must arrive whole within the header timeout (the keep-alive
  // timeout between requests): a client that sends a partial header and waits is closed.
  void readHeader() {
    if (shared_.stopping.load()) return closeSocket();
    parser_.emplace();
    parser_->header_limit(shared_.limits.maxHeaderBytes);
    parser_->body_limit(shared_.limits.maxBodyBytes);
    waitingForRequest_ = true;
    setDeadline(served_ == 0 ? shared_.limits.headerTimeout : shared_.limits.keepAliveTimeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->onHeader(ec);
                             });
  }

  void onHeader(beast::error_code ec) {
    waitingForRequest_ = false;
    // A declared Content-Length above the limit stops the parser right after the header
    // fields (which it keeps): refused before a byte of the body is read; the lingering
    // close reads and drops what the client still sends.
    if (ec == bhttp::error::body_limit) {
      ec = {};
      bodyTooLarge_ = true;
    }
    if (ec) return onReadError(ec);
    clearDeadline();  // the handler's own time is not the client's
    ++shared_.inFlight;
    inRequest_ = true;
    auto& head = parser_->get();
    if (bodyTooLarge_) return respond();
    if (parser_->is_done()) return respond();
    auto expect = head[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      continue_.emplace(bhttp::status::continue_, head.version());
      setDeadline(shared_.limits.writeTimeout);
      bhttp::async_write(stream_, *continue_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->abandon();
        self->readBody();
      });
      return;
    }
    readBody();
  }

  // Each read of the body must bring bytes within the body timeout (nginx's
  // client_body_timeout): a slow upload keeps its connection only while it moves.
  void readBody() {
    setDeadline(shared_.limits.bodyTimeout);
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec == bhttp::error::body_limit) {
                               self->bodyTooLarge_ = true;
                               return self->respond();
                             }
                             if (ec) return self->abandon();
                             if (self->parser_->is_done()) return self->respond();
                             self->readBody();
                           });
  }

  void onReadError(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      // The parser takes the request line as soon as it is whole: without a target, the
      // request line itself is what did not fit.
      const std::string limit = " (limit " + std::to_string(shared_.limits.maxHeaderBytes) + " bytes)";
      if (parser_->get().target().empty()) return refuse(414, "request line too long" + limit);
      return refuse(431, "request header fields too large" + limit);
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
      return refuse(400, "malformed HTTP request: " + ec.message());
    // Timeout, end of stream, reset, shutdown: nobody is waiting for an answer.
    closeSocket();
  }

  // The request is complete (or refused for its size): run it on a fiber of its own and
  // write the answer. The fiber may suspend (cc::Waiting): then this thread goes back to the
  // loop, and the wake posts the next step to this connection's strand.
  void respond() {
    auto& head = parser_->get();
    incoming_ = IncomingRequest{};
    incoming_.method = std::string(head.method_string());
    incoming_.target = std::string(head.target());
    incoming_.headers.reserve(16);
    for (auto& field : head) incoming_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    incoming_.peerAddress = peer_;
    incoming_.bodyTooLarge = bodyTooLarge_;
    if (!bodyTooLarge_) incoming_.body = std::move(head.body());
    // `this` in the work: the connection owns the fiber. While the request is suspended, with
    // no I/O of its own pending, keepWhileSuspended_ keeps the connection alive; the wake only
    // holds it weakly, so a wake a plugin keeps past the server's end holds nothing of it.
    try {
      requestFiber_ = RequestFiber::create(
          [this] { answer_ = shared_.exchange.run(incoming_, requestId_); },  // never throws
          [weak = this->weak_from_this(), gate = shared_.wakeGate] {
            std::shared_lock lock(gate->mutex);
            if (!gate->open) return;  // the server is gone: nothing left to continue
            auto self = weak.lock();
            if (!self) return;
            // defer: when the waker is a request on a loop thread (a batch's leader), its
            // wakes queue on that thread instead of waking an idle one for each.
            net::defer(self->stream_.get_executor(), [self] { self->stepRequest(); });
          });
    } catch (const std::exception& e) {  // no memory for another stack
      shared_.logError("request from " + peer_ + " refused: no stack for it: " + e.what());
      return refuse(503, "the server is out of memory for new requests");
    }
    stepRequest();
  }

  void stepRequest() {
    keepWhileSuspended_.reset();  // the caller (a posted step, or respond()) holds a reference
    shared_.handlerStarts();
    bool done = false;
    try {
      done = requestFiber_->step();
    } catch (const std::exception& e) {  // the exchange never throws; this is the last guard
      shared_.handlerEnds();
      requestFiber_.reset();
      shared_.logError(std::string("a request failed outside the pipeline: ") + e.what());
      return refuse(500, "internal server error");
    }
    shared_.handlerEnds();
    if (!done) {
      // Suspended: a wake posts the next step. A request never woken keeps its connection
      // until the process ends (the server's stop() does not wait for it).
      keepWhileSuspended_ = this->shared_from_this();
      return;
    }
    requestFiber_.reset();
    incoming_ = IncomingRequest{};  // an idle keep-alive connection keeps no request's strings
    auto& head = parser_->get();
    bool keep = shared_.limits.keepAlive && head.keep_alive() && !bodyTooLarge_ &&
                ++served_ < shared_.limits.maxKeepAliveRequests;
    Response res = std::move(answer_);
    answer_ = Response{};
    std::string requestId = std::move(requestId_);
    write(std::move(res), requestId, head.version(), keep);
  }

  void refuse(int status, const std::string& message) {
    std::string requestId;
    Response res = shared_.exchange.refuse(status, message, peer_, requestId);
    if (!inRequest_) {
      ++shared_.inFlight;
      inRequest_ = true;
    }
    write(std::move(res), requestId, 11, false);
  }

  // The status line and header fields every answer carries; returns `keep` unless the
  // response asked for Connection: close.
  template <class Message>
  bool fillHead(Message& out, const Response& res, const std::string& requestId, unsigned version, bool keep) {
    out.version(version);
    out.result(static_cast<unsigned>(res.status));
    out.set(bhttp::field::server, "codecouncil");
    out.set(bhttp::field::date, httpDateNow());
    out.set(bhttp::field::content_type, res.contentType);
    for (auto& [name, value] : res.headers) {
      if (beast::iequals(name, "connection")) {
        if (beast::iequals(value, "close")) keep = false;
        continue;
      }
      // The framing is the connection's: a handler's own length or coding would lie.
      if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")) continue;
      out.set(name, value);
    }
    out.set("X-Request-Id", requestId);
    return keep;
  }

  void write(Response res, const std::string& requestId, unsigned version, bool keep) {
    const bool bodyless = res.status / 100 == 1 || res.status == 204 || res.status == 304;
    if (res.bodyWriter && !bodyless) return writeStreamHead(std::move(res.bodyWriter), res, requestId, version, keep);
    res.bodyWriter = nullptr;  // bodyless: never called
    response_.emplace();
    auto& out = *response_;
    keep = fillHead(out, res, requestId, version, keep);
    if (!bodyless) out.content_length(res.body.size());
    out.body() = std::move(res.body);
    if (shared_.stopping.load()) keep = false;
    out.keep_alive(keep);
    setDeadline(shared_.limits.writeTimeout);
    bhttp::async_write(stream_, out, [self = this->shared_from_this(), keep](beast::error_code ec, std::size_t) {
      self->finishRequest();
      if (ec) return self->closeSocket();
      if (keep) return self->readHeader();
      self->lingeringClose();
    });
  }

  // A streamed body (Response::bodyWriter): the head first, then one piece at a time, each
  // asked of the writer only once the previous one reached the socket, so a slow client holds
  // one piece of memory and no thread. HTTP/1.1 gets one chunk per piece and the last chunk
  // after the writer's last piece; HTTP/1.0 has no chunks: the body ends when the connection
  // closes. Each write must finish within the write timeout; the writer's own time is not the
  // client's (no deadline while it runs, like a handler's).
  void writeStreamHead(BodyWriter writer, const Response& res, const std::string& requestId, unsigned version,
                       bool keep) {
    writer_ = std::move(writer);
    streamRequestId_ = requestId;
    streamedBytes_ = 0;
    streamHead_.emplace();
    auto& out = *streamHead_;
    keep = fillHead(out, res, requestId, version, keep);
    chunked_ = version >= 11;
    if (chunked_)
      out.chunked(true);
    else
      keep = false;
    if (shared_.stopping.load()) keep = false;
    out.keep_alive(keep);
    streamKeep_ = keep;
    headSerializer_.emplace(out);
    setDeadline(shared_.limits.writeTimeout);
    bhttp::async_write_header(stream_, *headSerializer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->abandon();
      self->nextPiece();
    });
  }

  void nextPiece() {
    // Closed meanwhile (shutdown, deadline) after a write had already completed.
    if (closed_ || !writer_) return abandon();
    clearDeadline();
    piece_.clear();
    bool more = false;
    std::string failure;
    shared_.handlerStarts();
    try {
      more = writer_(piece_);
    } catch (const Poco::Exception& e) {
      failure = e.displayText();
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "a non-standard exception";
    }
    shared_.handlerEnds();
    if (!failure.empty()) {
      // The status went out long ago: the client sees a body without its end, never a wrong
      // status, and the connection closes (nothing else could tell it the body is cut).
      auto& head = parser_->get();  // the request stays parsed until the next one is read
      shared_.logError("request " + streamRequestId_ + " " + std::string(head.method_string()) + " " +
                       std::string(head.target()) + ": streaming the body failed after " +
                       std::to_string(streamedBytes_) + " bytes: " + failure);
      return abandon();
    }
    if (piece_.empty()) {
      if (more) {
        // Nothing to send (a zero-length chunk would end the body): ask again, after
        // whatever else waits on this thread.
        net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->nextPiece(); });
        return;
      }
      return endStream();
    }
    streamedBytes_ += piece_.size();
    auto written = [self = this->shared_from_this(), more](beast::error_code ec, std::size_t) {
      if (ec) return self->abandon();
      if (more) return self->nextPiece();
      self->endStream();
    };
    setDeadline(shared_.limits.writeTimeout);
    if (chunked_)
      net::async_write(stream_, bhttp::make_chunk(net::buffer(piece_)), std::move(written));
    else
      net::async_write(stream_, net::buffer(piece_), std::move(written));
  }

  void endStream() {
    writer_ = nullptr;  // done: destroyed now, not when the connection goes
    const bool keep = streamKeep_;
    auto ended = [self = this->shared_from_this(), keep](beast::error_code ec, std::size_t) {
      self->finishRequest();
      if (ec) return self->closeSocket();
      if (keep) return self->readHeader();
      self->lingeringClose();
    };
    if (!chunked_) return ended({}, 0);  // HTTP/1.0: closing ends the body
    setDeadline(shared_.limits.writeTimeout);
    net::async_write(stream_, bhttp::make_chunk_last(), std::move(ended));
  }

  void finishRequest() {
    response_.reset();
    headSerializer_.reset();
    streamHead_.reset();
    writer_ = nullptr;
    std::string().swap(piece_);
    continue_.reset();
    bodyTooLarge_ = false;
    if (inRequest_) {
      inRequest_ = false;
      --shared_.inFlight;
    }
  }

  // The body could not be read (client gone, too slow): nobody gets an answer.
  void abandon() {
    finishRequest();
    closeSocket();
  }

  // Closing with unread input makes the kernel send a reset, and the client would see
  // "connection reset" instead of the answer: stop sending, read and drop what still comes
  // for a moment (bounded in time and bytes), then close. nginx calls this lingering close.
  void lingeringClose() {
    if constexpr (kTls) {
      setDeadline(shared_.limits.lingerTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->closeSocket(); });
    } else {
      beast::error_code ignored;
      lowest().shutdown(tcp::socket::shutdown_send, ignored);
      lingerRead();
    }
  }

  void lingerRead() {
    setDeadline(shared_.limits.lingerTimeout);
    if (scratch_.empty()) scratch_.resize(16384);
    stream_.async_read_some(net::buffer(scratch_), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
      self->lingered_ += n;
      if (ec || self->lingered_ > kLingerMaxBytes) return self->closeSocket();
      self->lingerRead();
    });
  }
  static constexpr std::size_t kLingerMaxBytes = 64 * 1024 * 1024;

  void closeSocket() {
    if (closed_) return;
    closed_ = true;
    if (inRequest_) {
      inRequest_ = false;
      --shared_.inFlight;
    }
    // However a stream ends (client gone, deadline, shutdown), its writer goes with it.
    // Never while it runs: both happen on this connection's strand.
    writer_ = nullptr;
    beast::error_code ignored;
    clearDeadline();
    lowest().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
  }

  Stream stream_;
  ServerShared& shared_;
  std::string peer_;
  // Only while a request runs (respond .. stepRequest's end).
  IncomingRequest incoming_;
  Response answer_;
  std::string requestId_;
  std::shared_ptr<RequestFiber> requestFiber_;
  std::shared_ptr<Connection> keepWhileSuspended_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  // Only while a streamed body is written (writeStreamHead .. finishRequest).
  std::optional<bhttp::response<bhttp::empty_body>> streamHead_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> headSerializer_;
  BodyWriter writer_;
  std::string piece_;
  std::string streamRequestId_;
  std::uint64_t streamedBytes_ = 0;
  bool chunked_ = false;
  bool streamKeep_ = false;
  std::vector<char> scratch_;  // only while lingering
  std::size_t lingered_ = 0;
  unsigned served_ = 0;
  bool waitingForRequest_ = false;
  bool inRequest_ = false;
  bool bodyTooLarge_ = false;
  bool closed_ = false;
};

}  // namespace cc::core::http_front
