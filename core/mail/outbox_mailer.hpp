#pragma once
// cc::Mailer over the mail_outbox table: send() only records the message (status 'pending');
// OutboxDispatcher delivers it. Recording first means a crash or an SMTP outage delays mail
// but never loses it, and a caller's transaction decides whether its mail exists at all.
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/mailer.hpp>

#include "core/config/host_config.hpp"

#include <Poco/Logger.h>

#include <functional>
#include <string>

namespace cc::core {

class OutboxMailer : public cc::Mailer {
 public:
  OutboxMailer(cc::Database& db, const MailConfig& config, Poco::Logger& log);

  /// Throws std::invalid_argument for a recipient that is not an address or a subject or
  /// recipient holding CR/LF (header injection).
  bool send(const Mail& mail) override;
  bool send(Poco::Data::Session& session, const Mail& mail) override;

  /// Called after send(mail) committed a new row, e.g. to wake the dispatcher at once.
  /// Set it before the mailer is shared between threads.
  void onQueued(std::function<void()> callback) { onQueued_ = std::move(callback); }

  /// The checks send() applies; exposed for callers that want to validate early.
  static void validate(const Mail& mail);

 private:
  bool insert(Poco::Data::Session& session, const Mail& mail);

  cc::Database& db_;
  MailConfig config_;
  Poco::Logger& log_;
  std::function<void()> onQueued_;
};

}  // namespace cc::core
