#include "metrics_config.hpp"

#include "label_bounds.hpp"

#include <cmath>
#include <functional>
#include <memory>
#include <set>
#include <utility>

namespace cc::metrics {
namespace {

// Label values end up in PromQL and dashboards: keep them to plain identifiers, unique, and
// never one of the catch-all values the plugin uses itself.
std::function<std::string(const cc::ConfigNode&)> labelValue() {
  auto seen = std::make_shared<std::set<std::string>>();
  return [seen](const cc::ConfigNode& item) {
    std::string v = item.asString();
    if (!isPlainLabelValue(v)) throw cc::ConfigError(item.where(), "must match [a-z0-9_]+ (got '" + v + "')");
    if (v == kOtherLabel || v == kUnknownLabel) throw cc::ConfigError(item.where(), "'" + v + "' is reserved");
    if (!seen->insert(v).second) throw cc::ConfigError(item.where(), "'" + v + "' is listed twice");
    return v;
  };
}

std::function<double(const cc::ConfigNode&)> bucketBound() {
  auto previous = std::make_shared<double>(0);
  return [previous](const cc::ConfigNode& item) {
    double v = item.asDouble();
    double before = std::exchange(*previous, v);
    if (!std::isfinite(v) || v <= 0) throw cc::ConfigError(item.where(), "must be a positive number of seconds");
    if (v <= before) throw cc::ConfigError(item.where(), "buckets must be in ascending order");
    return v;
  };
}

}  // namespace

void MetricsConfig::describe(cc::ConfigReader& r, MetricsConfig& c) {
  r.string("bearer_token", c.bearerToken)
      .list<double>("latency_buckets", c.latencyBuckets, bucketBound())
      .list<std::string>("plans", c.plans, labelValue())
      .list<std::string>("tiers", c.tiers, labelValue())
      .list<std::string>("payment_error_codes", c.paymentErrorCodes, labelValue())
      .integer("refresh_seconds", 1, 3600, c.refreshSeconds);
}

void MetricsConfig::check(const MetricsConfig&, const cc::ConfigNode& node, cc::ConfigErrors& errors) {
  cc::ConfigNode buckets = node["latency_buckets"];
  if (buckets.isSequence() && buckets.items().empty()) errors.add(buckets, "needs at least one bucket");
}

void validateConfig(const cc::ConfigNode& node, cc::ConfigErrors& errors) { cc::loadConfig<MetricsConfig>(node, errors); }

MetricsConfig readConfig(const cc::ConfigNode& node) { return cc::loadConfig<MetricsConfig>(node); }

void requireTokenOutsideDevelopment(const cc::ConfigNode& node, const MetricsConfig& config,
                                    const std::string& environment) {
  if (!config.bearerToken.empty() || environment == "development" || environment == "test") return;
  throw cc::ConfigError(node["bearer_token"].where(),
                        "is empty: /metrics shows revenue and failed logins, so environment '" + environment +
                            "' requires a token; set METRICS_TOKEN (only development and test allow an open /metrics)");
}

}  // namespace cc::metrics
