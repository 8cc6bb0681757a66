#include "metrics_config.hpp"

#include "label_bounds.hpp"

#include <cmath>
#include <set>

namespace ccmetrics {
namespace {

cc::ConfigSchema schema() {
  cc::ConfigSchema s;
  s.string("bearer_token")
      .list("latency_buckets")
      .list("plans")
      .list("tiers")
      .list("payment_error_codes")
      .integer("refresh_seconds", 1, 3600);
  return s;
}

// Label values end up in PromQL and dashboards: keep them to plain identifiers, unique, and
// never one of the catch-all values the plugin uses itself.
void checkLabelList(const cc::ConfigNode& list, cc::ConfigErrors& errors) {
  if (!list.isSequence()) return;  // the schema already said so
  std::set<std::string> seen;
  for (auto& item : list.items()) {
    try {
      std::string v = item.asString();
      if (!isPlainLabelValue(v)) errors.add(item, "must match [a-z0-9_]+ (got '" + v + "')");
      else if (v == kOtherLabel || v == kUnknownLabel) errors.add(item, "'" + v + "' is reserved");
      else if (!seen.insert(v).second) errors.add(item, "'" + v + "' is listed twice");
    } catch (const cc::ConfigError& e) {
      errors.add(e);
    }
  }
}

void checkBuckets(const cc::ConfigNode& list, cc::ConfigErrors& errors) {
  if (!list.isSequence()) return;
  auto items = list.items();
  if (items.empty()) errors.add(list, "needs at least one bucket");
  double previous = 0;
  for (auto& item : items) {
    try {
      double v = item.asDouble();
      if (!std::isfinite(v) || v <= 0) errors.add(item, "must be a positive number of seconds");
      else if (v <= previous) errors.add(item, "buckets must be in ascending order");
      previous = v;
    } catch (const cc::ConfigError& e) {
      errors.add(e);
    }
  }
}

}  // namespace

void validateConfig(const cc::ConfigNode& node, cc::ConfigErrors& errors) {
  schema().check(node, errors);
  if (!node.isMap()) return;
  checkBuckets(node["latency_buckets"], errors);
  for (const char* key : {"plans", "tiers", "payment_error_codes"}) checkLabelList(node[key], errors);
}

MetricsConfig readConfig(const cc::ConfigNode& node) {
  MetricsConfig c;
  if (!node.defined()) return c;
  c.bearerToken = node.getString("bearer_token", "");
  if (node.has("latency_buckets")) {
    c.latencyBuckets.clear();
    for (auto& item : node["latency_buckets"].items()) c.latencyBuckets.push_back(item.asDouble());
  }
  if (node.has("plans")) c.plans = node["plans"].asStringList();
  if (node.has("tiers")) c.tiers = node["tiers"].asStringList();
  if (node.has("payment_error_codes")) c.paymentErrorCodes = node["payment_error_codes"].asStringList();
  c.refreshSeconds = static_cast<int>(node.getInt("refresh_seconds", c.refreshSeconds));
  return c;
}

void requireTokenOutsideDevelopment(const cc::ConfigNode& node, const MetricsConfig& config,
                                    const std::string& environment) {
  if (!config.bearerToken.empty() || environment == "development" || environment == "test") return;
  throw cc::ConfigError(node["bearer_token"].where(),
                        "is empty: /metrics shows revenue and failed logins, so environment '" + environment +
                            "' requires a token; set METRICS_TOKEN (only development and test allow an open /metrics)");
}

}  // namespace ccmetrics
