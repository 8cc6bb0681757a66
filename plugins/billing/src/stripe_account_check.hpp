#pragma once
// Before the reconciler asks Stripe about our subscriptions, it makes sure the secret key is
// the right one. With a key of another Stripe account (or of the other mode), every
// subscription answers 404 resource_missing, and applying those as deletions would cancel
// every paid subscription and mail every customer.
//
// Checks, in order:
//  1. mode: a key whose prefix tells its mode (sk_live_/rk_live_, sk_test_/rk_test_) must be
//     of this deployment's mode (`livemode` may override the key's prefix);
//  2. account: GET /v1/account answers the key's own account; its `id` must equal the
//     configured `account_id`, or, without one, the account pinned for this mode in
//     stripe_account_pins by the first run that checked (a later different one stops runs).
//     With `account_id` set the pin follows it, so removing the setting later keeps guarding.
// The pin is per mode: a Stripe sandbox may be an account of its own, distinct from the live one.
#include "stripe_client.hpp"

#include <codecouncil/sdk/database.hpp>

#include <Poco/Logger.h>

#include <memory>
#include <optional>
#include <string>

namespace cc::billing {

struct AccountVerdict {
  enum class Kind {
    kVerified,     ///< the key is this deployment's: the run may go on
    kStop,         ///< the key looks wrong: stop the run, log, count and alert
    kUnavailable,  ///< Stripe did not answer (network, 429, 5xx): skip this run quietly
  };
  Kind kind = Kind::kVerified;
  std::string reason;   ///< kStop: wrong_mode, wrong_account or account_unverified
  std::string message;  ///< for the log; names accounts and modes, never the key
  std::string accountId;  ///< the key's account, when Stripe told it
};

/// True for a Stripe account id: "acct_" followed by 1-250 letters and digits.
bool isStripeAccountId(const std::string& id);

class StripeAccountCheck {
 public:
  /// `keyMode`: the mode the key's prefix tells (nullopt for a key of no known form).
  StripeAccountCheck(Database& db, std::shared_ptr<StripeClient> client, std::string expectedAccountId,
                     std::optional<bool> keyMode, bool livemode, Poco::Logger& log)
      : db_(db), client_(std::move(client)), expected_(std::move(expectedAccountId)), keyMode_(keyMode),
        livemode_(livemode), log_(log) {}

  /// Never throws for Stripe's answers; database errors propagate (the run is retried).
  AccountVerdict verify();

 private:
  /// The account pinned for this mode, pinning `seen` when none is (atomic across hosts).
  std::string pinnedAccount(const std::string& seen);
  /// Makes `accountId` the pinned account for this mode (the configured account wins).
  void repin(const std::string& accountId);

  Database& db_;
  std::shared_ptr<StripeClient> client_;
  std::string expected_;
  std::optional<bool> keyMode_;
  bool livemode_;
  Poco::Logger& log_;
};

}  // namespace cc::billing
