#include "request_metrics.hpp"

#include "label_bounds.hpp"

#include <mutex>

namespace cc::metrics {

RequestMetrics::RequestMetrics(prometheus::Registry& registry, std::vector<double> latencyBuckets)
    : requests_(prometheus::BuildCounter()
                    .Name("http_requests_total")
                    .Help("HTTP requests by method, matched route template and status")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("http_request_duration_seconds")
                    .Help("HTTP request duration in seconds by method, matched route template and status")
                    .Register(registry)),
      buckets_(std::move(latencyBuckets)) {}

void RequestMetrics::observe(const std::string& method, const std::string& routeTemplate, int status,
                             double seconds) {
  Series& s = series(methodLabel(method), routeLabel(routeTemplate), std::to_string(status));
  s.requests->Increment();
  s.duration->Observe(seconds < 0 ? 0 : seconds);
}

RequestMetrics::Series& RequestMetrics::series(const std::string& method, const std::string& route,
                                               const std::string& status) {
  std::string key = method + '\n' + route + '\n' + status;
  {
    std::shared_lock lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  prometheus::Labels labels{{"method", method}, {"route", route}, {"status", status}};
  Series created{&requests_.Add(labels), &duration_.Add(labels, buckets_)};
  return cache_.emplace(std::move(key), created).first->second;
}

}  // namespace cc::metrics
