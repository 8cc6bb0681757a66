#pragma once
// The /metrics route: the shared registry (every plugin's families) plus the scrape-time
// gauges, in the Prometheus text format.
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <string>
#include <vector>

namespace cc::metrics {

inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4";

/// Serialises `registry` and `extra` in the text format, families sorted by name.
std::string renderExposition(const prometheus::Registry& registry, std::vector<prometheus::MetricFamily> extra);

/// Constant-time check of "Authorization: Bearer <token>" against the configured token.
bool bearerMatches(const std::string& authorizationHeader, const std::string& token);

}  // namespace cc::metrics
