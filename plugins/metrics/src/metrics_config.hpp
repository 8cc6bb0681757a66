#pragma once
// The metrics plugin's settings, read once from its `config:` node.
#include <codecouncil/sdk/config_reader.hpp>

#include <string>
#include <vector>

namespace cc::metrics {

struct MetricsConfig {
  /// When set, GET /metrics needs "Authorization: Bearer <token>". Empty: open, allowed only
  /// in development and test (requireTokenOutsideDevelopment).
  std::string bearerToken;
  /// Upper bounds of the http_request_duration_seconds buckets, ascending.
  std::vector<double> latencyBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10};
  /// Known label values, exported at 0 from the first scrape. Anything else becomes "other".
  std::vector<std::string> plans{"startup_monthly", "startup_annual", "enterprise_monthly", "enterprise_annual"};
  std::vector<std::string> tiers{"free", "startup", "enterprise", "unlimited"};
  std::vector<std::string> paymentErrorCodes{"card_declined",    "insufficient_funds", "expired_card",
                                             "incorrect_cvc",    "processing_error",   "authentication_required"};
  /// How often subscription figures and the last backup time are re-read from the database.
  int refreshSeconds = 15;

  static void describe(cc::ConfigReader& r, MetricsConfig& c);
  static void check(const MetricsConfig& c, const cc::ConfigNode& node, cc::ConfigErrors& errors);
};

/// Reports every problem to `errors` (unknown keys, wrong types, bad buckets, bad label values).
void validateConfig(const cc::ConfigNode& node, cc::ConfigErrors& errors);
/// Reads a config that validateConfig() accepted.
MetricsConfig readConfig(const cc::ConfigNode& node);
/// /metrics shows revenue, sign-ups and failed logins: outside development and test an empty
/// bearer_token is a configuration error (cc::ConfigError naming the key and its file:line).
/// A check at start(), because validate() does not know the environment.
void requireTokenOutsideDevelopment(const cc::ConfigNode& node, const MetricsConfig& config,
                                    const std::string& environment);

}  // namespace cc::metrics
