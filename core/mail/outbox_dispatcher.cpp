#include "core/mail/outbox_dispatcher.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::core {
namespace {

constexpr int kStuckAfterSeconds = 10 * 60;
constexpr int kMaxRetryDelaySeconds = 60 * 60;
constexpr int kBatchSize = 50;
// The stuck check writes (on SQLite it takes the write lock even when nothing matches), so
// it runs once a minute rather than every pass; against a 10-minute threshold that is plenty.
constexpr auto kStuckCheckInterval = std::chrono::minutes(1);

// Timestamps are fixed-width ISO-8601 UTC text ("2025-01-15T00:00:00.000Z"), so the
// database compares them as strings; arithmetic on them happens here.
std::string addSeconds(const std::string& iso, int seconds) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &y, &mo, &d, &h, &mi, &s, &ms) < 6)
    throw std::runtime_error("unexpected database timestamp '" + iso + "'");
  Poco::DateTime t(y, mo, d, h, mi, s, ms);
  t += Poco::Timespan(seconds, 0);
  return Poco::DateTimeFormatter::format(t, "%Y-%m-%dT%H:%M:%S.%iZ");
}

// The row's id and creation time: unique per database and the same on every retry.
std::string messageIdLocalPart(Poco::Int64 id, const std::string& createdAt) {
  std::string digits;
  for (char c : createdAt)
    if (c >= '0' && c <= '9') digits += c;
  return "outbox." + std::to_string(id) + "." + digits;
}

}  // namespace

OutboxDispatcher::OutboxDispatcher(cc::Database& db, const MailConfig& config, Poco::Logger& log)
    : db_(db), config_(config), log_(log), sender_(config, log) {}

OutboxDispatcher::~OutboxDispatcher() { stop(); }

void OutboxDispatcher::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  sender_.resume();
  thread_ = std::thread([this] { run(); });
}

void OutboxDispatcher::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  sender_.abort();
  thread_.join();
}

void OutboxDispatcher::notify() {
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  cv_.notify_all();
}

void OutboxDispatcher::run() {
  while (!stopRequested()) {
    try {
      runOnce();
      lastLoopError_.clear();
    } catch (const Poco::Exception& e) {
      reportLoopError(e.displayText());
    } catch (const std::exception& e) {
      reportLoopError(e.what());
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return wake_ || stopping_.load(); });
    wake_ = false;
  }
}

// A database outage would otherwise log the same line every second.
void OutboxDispatcher::reportLoopError(const std::string& text) {
  if (text != lastLoopError_) log_.error("mail outbox pass failed: %s", text);
  lastLoopError_ = text;
}

void OutboxDispatcher::runOnce() {
  if (config_.smtpHost.empty()) {
    announceUnconfigured();
    return;
  }
  auto current = std::chrono::steady_clock::now();
  if (!lastStuckCheck_ || current - *lastStuckCheck_ >= kStuckCheckInterval) {
    releaseStuck();
    lastStuckCheck_ = current;
  }
  deliverDue();
}

void OutboxDispatcher::announceUnconfigured() {
  auto s = db_.session();
  for (;;) {
    std::vector<Poco::Int64> ids;
    std::vector<std::string> recipients, subjects;
    Poco::Int64 after = lastAnnouncedId_;
    int limit = kBatchSize;
    s << db_.sql("SELECT id, recipient, subject FROM mail_outbox WHERE status = 'pending' AND id > ?"
                 " ORDER BY id LIMIT ?"),
        into(ids), into(recipients), into(subjects), use(after), use(limit), now;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      log_.information("mail to %s queued, SMTP not configured: %s", recipients[i], subjects[i]);
      lastAnnouncedId_ = ids[i];
    }
    if (ids.size() < static_cast<std::size_t>(kBatchSize)) return;
  }
}

void OutboxDispatcher::releaseStuck() {
  auto s = db_.session();
  std::string cutoff = addSeconds(dbNow(s), -kStuckAfterSeconds);
  Poco::Data::Statement update =
      (s << db_.sql("UPDATE mail_outbox SET status = 'pending',"
                    " \"lastError\" = 'delivery interrupted: the sending host stopped'"
                    " WHERE status = 'sending' AND \"nextAttemptAt\" < ?"),
       use(cutoff));
  if (std::size_t n = update.execute(); n > 0)
    log_.warning("returned %z mail(s) stuck in 'sending' for over %d minutes to the outbox", n,
                 kStuckAfterSeconds / 60);
}

void OutboxDispatcher::deliverDue() {
  // Rows this pass failed on are rescheduled into the future, so the loop ends.
  while (!stopRequested()) {
    auto ids = dueIds();
    if (ids.empty()) return;
    for (Poco::Int64 id : ids) {
      if (stopRequested()) return;
      if (auto mail = claim(id)) deliver(*mail);
    }
  }
}

std::vector<Poco::Int64> OutboxDispatcher::dueIds() {
  auto s = db_.session();
  std::vector<Poco::Int64> ids;
  int limit = kBatchSize;
  s << db_.sql("SELECT id FROM mail_outbox WHERE status = 'pending' AND \"nextAttemptAt\" <= " + db_.nowSql() +
               " ORDER BY \"nextAttemptAt\", id LIMIT ?"),
      into(ids), use(limit), now;
  return ids;
}

// Only one host's UPDATE can move the row out of 'pending'; RETURNING tells us whether it
// was ours. The due check is repeated because another host may have tried and rescheduled
// the row since dueIds() read it.
std::optional<OutboxDispatcher::Claimed> OutboxDispatcher::claim(Poco::Int64 id) {
  auto s = db_.session();
  const std::string nowExpr = db_.nowSql();
  std::vector<std::string> recipients, subjects, bodies, created;
  std::vector<int> attempts;
  s << db_.sql("UPDATE mail_outbox SET status = 'sending', \"nextAttemptAt\" = " + nowExpr +
               " WHERE id = ? AND status = 'pending' AND \"nextAttemptAt\" <= " + nowExpr +
               " RETURNING recipient, subject, body, attempts, \"createdAt\""),
      use(id), into(recipients), into(subjects), into(bodies), into(attempts), into(created), now;
  if (recipients.empty()) return std::nullopt;
  return Claimed{id, recipients[0], subjects[0], bodies[0], created[0], attempts[0]};
}

void OutboxDispatcher::deliver(const Claimed& mail) {
  try {
    sender_.send(OutgoingMail{mail.recipient, mail.subject, mail.body, messageIdLocalPart(mail.id, mail.createdAt)});
  } catch (const SmtpError& e) {
    if (stopRequested()) {
      releaseClaim(mail);  // aborted by stop(): not the server's fault, so no attempt counted
    } else {
      recordFailure(mail, e.what());
    }
    return;
  }
  recordSuccess(mail);
}

void OutboxDispatcher::recordSuccess(const Claimed& mail) {
  auto s = db_.session();
  Poco::Int64 id = mail.id;
  // No status condition: even if the row was wrongly judged stuck meanwhile, it is delivered.
  s << db_.sql("UPDATE mail_outbox SET status = 'sent', \"sentAt\" = " + db_.nowSql() +
               ", attempts = attempts + 1, \"lastError\" = NULL WHERE id = ?"),
      use(id), now;
  ++sent_;
  log_.debug("mail %s to %s sent", std::to_string(mail.id), mail.recipient);
}

void OutboxDispatcher::recordFailure(const Claimed& mail, const std::string& error) {
  auto s = db_.session();
  Poco::Int64 id = mail.id;
  int attempts = mail.attempts + 1;
  std::string lastError = error;
  if (attempts >= config_.maxAttempts) {
    s << db_.sql("UPDATE mail_outbox SET status = 'failed', attempts = ?, \"lastError\" = ?"
                 " WHERE id = ? AND status = 'sending'"),
        use(attempts), use(lastError), use(id), now;
    ++failed_;
    log_.error("mail %s to %s failed after %d attempts, giving up: %s", std::to_string(mail.id),
               mail.recipient, attempts, error);
    return;
  }
  std::string next = addSeconds(dbNow(s), retryDelaySeconds(attempts));
  s << db_.sql("UPDATE mail_outbox SET status = 'pending', attempts = ?, \"lastError\" = ?, \"nextAttemptAt\" = ?"
               " WHERE id = ? AND status = 'sending'"),
      use(attempts), use(lastError), use(next), use(id), now;
  ++retried_;
  log_.warning("mail %s to %s failed (attempt %d of %d), retrying at %s: %s", std::to_string(mail.id),
               mail.recipient, attempts, config_.maxAttempts, next, error);
}

void OutboxDispatcher::releaseClaim(const Claimed& mail) {
  auto s = db_.session();
  Poco::Int64 id = mail.id;
  s << db_.sql("UPDATE mail_outbox SET status = 'pending', \"nextAttemptAt\" = " + db_.nowSql() +
               " WHERE id = ? AND status = 'sending'"),
      use(id), now;
}

std::string OutboxDispatcher::dbNow(Poco::Data::Session& s) {
  std::string value;
  s << "SELECT " + db_.nowSql(), into(value), now;
  return value;
}

int OutboxDispatcher::retryDelaySeconds(int attempts) const {
  // At least a second, so a zero interval cannot spin through every attempt at once.
  long long delay = std::max(1, config_.retryIntervalSeconds);
  for (int i = 1; i < attempts && delay < kMaxRetryDelaySeconds; ++i) delay *= 2;
  return static_cast<int>(std::min<long long>(delay, kMaxRetryDelaySeconds));
}

}  // namespace cc::core
