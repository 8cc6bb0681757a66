#pragma once
// What stands between a request and a password hash (issue: unlimited password guessing):
//  - attempt throttles in the database, shared exactly by every host: failed logins per
//    submitted email and per client address, signups per client address;
//  - a bound on argon2id runs at once (HashSlots).
// The throttles are consulted BEFORE hashing, so a refused request costs a statement or two,
// never 19 MiB and a core.
#include "core/auth/attempt_throttle.hpp"
#include "core/auth/hash_slots.hpp"
#include "core/config/host_config.hpp"

#include <Poco/Logger.h>

#include <string>
#include <utility>
#include <vector>

namespace cc::core {

struct AuthGuards {
  AuthGuards(Database& db, const AuthConfig& config, Poco::Logger& log);

  AttemptThrottle loginAccount;   // scope "login_account", subject: the submitted email
  AttemptThrottle loginAddress;   // scope "login_address", subject: addressSubject()
  AttemptThrottle signupAddress;  // scope "signup_address", subject: addressSubject()
  HashSlots hashes;
  Poco::Logger& log;
};

/// The attempts reserved for one request. Destroyed without keep(), it refunds them all: a
/// request that ended in a correct password, a refusal by a later throttle, a 503 or an
/// exception was not a guess. A refund that fails is logged (the attempt then stays counted,
/// erring on the side of the throttle).
class CountedAttempts {
 public:
  explicit CountedAttempts(Poco::Logger& log) : log_(log) {}
  ~CountedAttempts();
  CountedAttempts(const CountedAttempts&) = delete;
  CountedAttempts& operator=(const CountedAttempts&) = delete;

  void add(AttemptThrottle& throttle, AttemptThrottle::Reservation reservation) {
    held_.emplace_back(&throttle, std::move(reservation));
  }
  /// The attempt counts: nothing is refunded.
  void keep() { held_.clear(); }

 private:
  Poco::Logger& log_;
  std::vector<std::pair<AttemptThrottle*, AttemptThrottle::Reservation>> held_;
};

/// A client address as a throttle subject. IPv6 clients are counted by their /64 ("2001:db8:1:2::/64"):
/// one subscriber is routinely given a whole /64, so per-address counting would hand an
/// attacker 2^64 fresh counters. IPv4 addresses are used as they are; anything that is not an
/// address (never from the socket layer) is made safe text.
std::string addressSubject(const std::string& address);

/// An email as a throttle subject: the lower-cased text with ill-formed UTF-8 and NUL
/// replaced, since it is stored as text in PostgreSQL.
std::string emailSubject(const std::string& email);

}  // namespace cc::core
