#pragma once
// Delivers the mail_outbox: a background thread that, every second and whenever notify()
// is called, claims due 'pending' rows and sends them over SMTP.
//
// Several hosts may share one database, so a row is only sent by the host whose conditional
// UPDATE moved it from 'pending' to 'sending'. While a row is 'sending', "nextAttemptAt"
// holds the time it was claimed: a row claimed more than 10 minutes ago belongs to a host
// that died mid-send and goes back to 'pending' (delivery is at-least-once; the Message-ID
// stays the same so receivers can spot the rare duplicate).
//
// Failures retry after retryIntervalSeconds * 2^(attempts-1), at most an hour apart, until
// maxAttempts, when the row becomes 'failed'. Without smtpHost nothing is sent: each new
// message is logged (never its body) and stays 'pending' for when SMTP is configured.
#include <codecouncil/sdk/database.hpp>

#include "core/config/host_config.hpp"
#include "core/mail/smtp_sender.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Logger.h>
#include <Poco/Types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cc::core {

class OutboxDispatcher {
 public:
  OutboxDispatcher(cc::Database& db, const MailConfig& config, Poco::Logger& log);
  ~OutboxDispatcher();  // stops the thread
  OutboxDispatcher(const OutboxDispatcher&) = delete;
  OutboxDispatcher& operator=(const OutboxDispatcher&) = delete;

  void start();
  /// Wakes the thread, aborts a send in progress (the row goes back to 'pending' without
  /// counting an attempt) and joins; returns within about a second.
  void stop();
  /// Runs a pass now instead of at the next tick, e.g. right after a message was queued.
  void notify();

  /// One pass of the loop on the calling thread. Not to be mixed with a running thread.
  void runOnce();

  /// Messages this instance delivered / gave up on (status 'failed') / will retry.
  std::uint64_t sent() const { return sent_.load(); }
  std::uint64_t failed() const { return failed_.load(); }
  std::uint64_t retried() const { return retried_.load(); }

 private:
  struct Claimed {
    Poco::Int64 id = 0;
    std::string recipient, subject, body, createdAt;
    int attempts = 0;  // before this attempt
  };

  void run();
  void reportLoopError(const std::string& text);
  bool stopRequested() const { return stopping_.load(); }

  void announceUnconfigured();
  void releaseStuck();
  void deliverDue();
  std::vector<Poco::Int64> dueIds();
  std::optional<Claimed> claim(Poco::Int64 id);
  void deliver(const Claimed& mail);
  void recordSuccess(const Claimed& mail);
  void recordFailure(const Claimed& mail, const std::string& error);
  void releaseClaim(const Claimed& mail);

  std::string dbNow(Poco::Data::Session& s);
  int retryDelaySeconds(int attempts) const;

  cc::Database& db_;
  MailConfig config_;
  Poco::Logger& log_;
  SmtpSender sender_;

  std::thread thread_;
  std::mutex mutex_;  // guards wake_ for cv_
  std::condition_variable cv_;
  bool wake_ = false;
  std::atomic<bool> stopping_{false};

  std::optional<std::chrono::steady_clock::time_point> lastStuckCheck_;
  Poco::Int64 lastAnnouncedId_ = 0;  // SMTP not configured: highest id already logged
  std::string lastLoopError_;        // logged once until the error changes

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> retried_{0};
};

}  // namespace cc::core
