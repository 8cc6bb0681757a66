#pragma once
// Outgoing mail through a durable outbox: send() only records the message; the host
// delivers it over SMTP with retries. Without SMTP configured, mail stays in the outbox
// and is logged (without its body).
#include <Poco/Data/Session.h>

#include <string>

namespace cc {

struct Mail {
  std::string to;
  std::string subject;
  std::string text;
  /// When set, a second message with the same key is ignored (e.g. "stripe:evt_123:email").
  std::string dedupeKey;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  /// Queues the message in its own transaction. Returns false when dedupeKey was already used.
  virtual bool send(const Mail& mail) = 0;
  /// Queues the message inside the caller's transaction, so it exists exactly when the
  /// caller's other writes commit.
  virtual bool send(Poco::Data::Session& session, const Mail& mail) = 0;
};

}  // namespace cc
