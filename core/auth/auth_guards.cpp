#include "core/auth/auth_guards.hpp"

#include "core/http/client_address.hpp"
#include "core/http/utf8.hpp"

#include <chrono>

namespace cc::core {

AuthGuards::AuthGuards(Database& db, const AuthConfig& config, Poco::Logger& logger)
    : loginAccount(db, "login_account", config.loginPerAccount, logger),
      loginAddress(db, "login_address", config.loginPerAddress, logger),
      signupAddress(db, "signup_address", config.signupPerAddress, logger),
      hashes(hashSlotCount(config.passwordHashConcurrency), std::chrono::milliseconds(config.passwordHashWaitMs)),
      log(logger) {}

CountedAttempts::~CountedAttempts() {
  for (auto& [throttle, reservation] : held_) {
    try {
      throttle->refund(reservation);
    } catch (const std::exception& e) {
      log_.error("auth_throttle: refunding a %s attempt failed (it stays counted): %s", throttle->scope(),
                 std::string(e.what()));
    }
  }
}

std::string addressSubject(const std::string& address) {
  auto ip = IpAddress::parse(address);
  if (!ip) return emailSubject(address);
  if (!ip->v6) return ip->toString();
  for (std::size_t i = 8; i < ip->bytes.size(); ++i) ip->bytes[i] = 0;
  return ip->toString() + "/64";
}

std::string emailSubject(const std::string& email) {
  std::string text = replaceInvalidUtf8(email);
  for (auto& c : text)
    if (c == '\0') c = '?';
  return text;
}

}  // namespace cc::core
