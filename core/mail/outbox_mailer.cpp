#include "core/mail/outbox_mailer.hpp"

#include <Poco/Data/Session.h>

#include <regex>
#include <stdexcept>
#include <vector>

using namespace Poco::Data::Keywords;

namespace cc::core {
namespace {

// Deliberately narrower than RFC 5322: a bare addr-spec with no spaces, quotes, angle
// brackets or commas, so the value can go into RCPT TO and the To header untouched and can
// never name a second recipient.
bool looksLikeEmail(const std::string& address) {
  static const std::regex kEmail(
      R"(^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$)");
  return address.size() <= 254 && std::regex_match(address, kEmail);
}

bool hasLineBreak(const std::string& text) {
  return text.find_first_of(std::string("\r\n\0", 3)) != std::string::npos;
}

}  // namespace

OutboxMailer::OutboxMailer(cc::Database& db, const MailConfig& config, Poco::Logger& log)
    : db_(db), config_(config), log_(log) {}

void OutboxMailer::validate(const Mail& mail) {
  // Line breaks first: the address check would reject them too, but this names the attack.
  if (hasLineBreak(mail.to)) throw std::invalid_argument("mail recipient must not contain line breaks");
  if (hasLineBreak(mail.subject)) throw std::invalid_argument("mail subject must not contain line breaks");
  if (!looksLikeEmail(mail.to)) throw std::invalid_argument("mail recipient '" + mail.to + "' is not an e-mail address");
}

bool OutboxMailer::send(const Mail& mail) {
  validate(mail);
  bool inserted = db_.transaction([&](Poco::Data::Session& s) { return insert(s, mail); });
  if (inserted && onQueued_) onQueued_();
  return inserted;
}

bool OutboxMailer::send(Poco::Data::Session& session, const Mail& mail) {
  validate(mail);
  return insert(session, mail);
}

bool OutboxMailer::insert(Poco::Data::Session& session, const Mail& mail) {
  // NULLIF turns an empty key into NULL, and UNIQUE lets any number of NULLs through.
  // RETURNING yields a row only when the insert happened, on both engines.
  const std::string nowExpr = db_.nowSql();
  std::string key = mail.dedupeKey, to = mail.to, subject = mail.subject, body = mail.text;
  std::vector<Poco::Int64> ids;
  session << db_.sql("INSERT INTO mail_outbox (\"dedupeKey\", recipient, subject, body, status, attempts,"
                     " \"nextAttemptAt\", \"createdAt\") VALUES (NULLIF(?, ''), ?, ?, ?, 'pending', 0, " +
                     nowExpr + ", " + nowExpr + ") ON CONFLICT (\"dedupeKey\") DO NOTHING RETURNING id"),
      use(key), use(to), use(subject), use(body), into(ids), now;
  if (ids.empty()) log_.debug("mail with dedupe key %s was already queued; ignored", mail.dedupeKey);
  return !ids.empty();
}

}  // namespace cc::core
