#include "syslog_forwarder.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Process.h>

#include <algorithm>

namespace cc::audit {

namespace {

constexpr std::chrono::milliseconds kFirstPause{100};
// Connect and send give up after this, so a black-holed collector cannot hold the thread.
constexpr std::chrono::milliseconds kIoTimeout{2000};

}  // namespace

SyslogOrigin syslogOrigin(const SyslogSettings& settings) {
  SyslogOrigin origin;
  origin.facility = settings.facilityCode;
  origin.appName = settings.appName;
  origin.procId = std::to_string(Poco::Process::id());
  std::string hostname = settings.hostname;
  if (hostname.empty()) {
    try {
      hostname = Poco::Net::DNS::hostName();
    } catch (const Poco::Exception&) {
    }
  }
  origin.hostname = syslogHostname(hostname);
  return origin;
}

SyslogForwarder::SyslogForwarder(const SyslogSettings& settings, SyslogOrigin origin, prometheus::Registry& metrics,
                                 Poco::Logger& log)
    : origin_(std::move(origin)),
      queueMax_(static_cast<std::size_t>(settings.queueMax)),
      maxMessageBytes_(static_cast<std::size_t>(settings.maxMessageBytes)),
      reconnectMax_(std::chrono::seconds(settings.reconnectMaxSeconds)),
      shutdownFlush_(settings.shutdownFlushMs),
      address_(settings.transport + " " + settings.address),
      log_(log),
      connection_(settings.transport, settings.address, kIoTimeout) {
  forwarded_ = &prometheus::BuildCounter()
                    .Name("audit_syslog_forwarded_total")
                    .Help("Audit log entries handed to the syslog collector")
                    .Register(metrics)
                    .Add({});
  // Both reasons exist from the first scrape, so increase() sees the first drop.
  auto& dropped = prometheus::BuildCounter()
                      .Name("audit_syslog_dropped_total")
                      .Help("Audit log entries not forwarded to syslog (they stay in the database), by reason")
                      .Register(metrics);
  droppedQueueFull_ = &dropped.Add({{"reason", "queue_full"}});
  droppedShutdown_ = &dropped.Add({{"reason", "shutdown"}});
  truncated_ = &prometheus::BuildCounter()
                    .Name("audit_syslog_truncated_total")
                    .Help("Audit syslog messages whose JSON part was cut to max_message_bytes")
                    .Register(metrics)
                    .Add({});
  depth_ = &prometheus::BuildGauge()
                .Name("audit_syslog_queue_depth")
                .Help("Audit log entries waiting to be forwarded to syslog")
                .Register(metrics)
                .Add({});
}

SyslogForwarder::~SyslogForwarder() { stop(); }

void SyslogForwarder::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  accepting_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void SyslogForwarder::enqueue(const std::vector<ChainRow>& rows) {
  {
    std::lock_guard lock(mutex_);
    for (const ChainRow& row : rows) {
      if (!accepting_) droppedShutdown_->Increment();
      else if (queue_.size() >= queueMax_) droppedQueueFull_->Increment();
      else queue_.push_back(row);
    }
    depth_->Set(static_cast<double>(queue_.size()));
  }
  wake_.notify_one();
}

void SyslogForwarder::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    accepting_ = false;
    stopping_ = true;
    flushDeadline_ = std::chrono::steady_clock::now() + shutdownFlush_;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(mutex_);
  if (!queue_.empty()) {
    log_.warning("audit syslog: %z entries not forwarded at shutdown (they are in the database)", queue_.size());
    droppedShutdown_->Increment(static_cast<double>(queue_.size()));
    queue_.clear();
  }
  depth_->Set(0);
  connection_.close();
}

bool SyslogForwarder::flushTimeOver() const { return stopping_ && std::chrono::steady_clock::now() >= flushDeadline_; }

bool SyslogForwarder::pauseBeforeRetry(std::chrono::milliseconds pause) {
  std::unique_lock lock(mutex_);
  const auto until = std::chrono::steady_clock::now() + pause;
  // stop() may come during the pause: its deadline then shortens the wait.
  for (;;) {
    auto limit = stopping_ ? std::min(until, flushDeadline_) : until;
    if (std::chrono::steady_clock::now() >= limit) break;
    wake_.wait_until(lock, limit);
  }
  return !flushTimeOver();
}

bool SyslogForwarder::trySend(const std::string& message) {
  std::string error;
  try {
    if (!connection_.connected()) connection_.connect();
    connection_.send(message);
    if (failing_) log_.information("audit syslog: %s reachable again, forwarding", address_);
    failing_ = false;
    return true;
  } catch (const Poco::Exception& e) {
    error = e.displayText();  // Poco's what() is only the class name
  } catch (const std::exception& e) {
    error = e.what();
  }
  connection_.close();
  // Once per outage, not once per attempt.
  if (!failing_)
    log_.warning("audit syslog: %s: %s; retrying with pauses up to %Ld s, entries queue meanwhile (up to %z)",
                 address_, error, static_cast<Poco::Int64>(reconnectMax_.count() / 1000), queueMax_);
  failing_ = true;
  return false;
}

void SyslogForwarder::run() {
  std::chrono::milliseconds pause = kFirstPause;
  for (;;) {
    ChainRow row;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() || flushTimeOver()) return;
      row = queue_.front();  // stays queued (and counted in the depth) until it is sent
    }
    SyslogMessage message = formatSyslogMessage(row, origin_, maxMessageBytes_);
    while (!trySend(message.text)) {
      if (!pauseBeforeRetry(pause)) return;
      pause = std::min(pause * 2, reconnectMax_);
    }
    pause = kFirstPause;
    forwarded_->Increment();
    if (message.truncated) truncated_->Increment();
    std::lock_guard lock(mutex_);
    queue_.pop_front();
    depth_->Set(static_cast<double>(queue_.size()));
  }
}

}  // namespace cc::audit
