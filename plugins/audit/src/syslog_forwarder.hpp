#pragma once
// Forwards committed audit rows to a syslog collector for a SIEM (issue 19). The audit write
// path only calls enqueue(): it never waits on the network. One thread formats and sends, in
// the order rows were committed on this host. A full queue drops the new row and counts it;
// a collector that is down or closes is retried with a doubling pause up to
// reconnect_max_seconds, resending the row that failed. stop() stops accepting, keeps sending
// for at most shutdown_flush_ms, and counts what is left as dropped.
//
// Metrics (docs/audit-log.md, alert AuditSyslogDropping): audit_syslog_forwarded_total,
// audit_syslog_dropped_total{reason=queue_full|shutdown}, audit_syslog_truncated_total,
// audit_syslog_queue_depth.
#include "hash_chain.hpp"
#include "syslog_connection.hpp"
#include "syslog_message.hpp"
#include "syslog_settings.hpp"

#include <Poco/Logger.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace cc::audit {

/// This host's HOSTNAME (settings.hostname, else the machine's name), APP-NAME, PROCID (the pid).
SyslogOrigin syslogOrigin(const SyslogSettings& settings);

class SyslogForwarder {
 public:
  SyslogForwarder(const SyslogSettings& settings, SyslogOrigin origin, prometheus::Registry& metrics,
                  Poco::Logger& log);
  ~SyslogForwarder();
  SyslogForwarder(const SyslogForwarder&) = delete;
  SyslogForwarder& operator=(const SyslogForwarder&) = delete;

  void start();
  /// Queues rows just committed, in commit order. Never blocks on the network, never throws.
  void enqueue(const std::vector<ChainRow>& rows);
  void stop();

 private:
  void run();
  /// Sends `message`, connecting first when needed. False (connection closed) on failure.
  bool trySend(const std::string& message);
  /// Waits `pause` or until stop() asks to give up; false when the flush time is over.
  bool pauseBeforeRetry(std::chrono::milliseconds pause);
  bool flushTimeOver() const;

  SyslogOrigin origin_;
  std::size_t queueMax_, maxMessageBytes_;
  std::chrono::milliseconds reconnectMax_, shutdownFlush_;
  std::string address_;
  Poco::Logger& log_;
  SyslogConnection connection_;
  bool failing_ = false;  ///< the sender thread's: the last attempt failed

  prometheus::Counter* forwarded_;
  prometheus::Counter* droppedQueueFull_;
  prometheus::Counter* droppedShutdown_;
  prometheus::Counter* truncated_;
  prometheus::Gauge* depth_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<ChainRow> queue_;
  bool accepting_ = false, stopping_ = false;
  std::chrono::steady_clock::time_point flushDeadline_;
  std::thread thread_;
};

}  // namespace cc::audit
