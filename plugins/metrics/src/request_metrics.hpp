#pragma once
// http_requests_total and http_request_duration_seconds, labelled {method, route, status}.
// `route` is the matched template, so the number of series is bounded by the routes the
// plugins register, not by the paths clients send.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace cc::metrics {

class RequestMetrics {
 public:
  RequestMetrics(prometheus::Registry& registry, std::vector<double> latencyBuckets);

  /// Records one finished request. Thread-safe; called from every HTTP worker.
  void observe(const std::string& method, const std::string& routeTemplate, int status, double seconds);

 private:
  struct Series {
    prometheus::Counter* requests;
    prometheus::Histogram* duration;
  };
  Series& series(const std::string& method, const std::string& route, const std::string& status);

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Histogram::BucketBoundaries buckets_;
  // Family::Add hashes the whole label map under a lock; the cache keeps the hot path to
  // one shared-lock lookup.
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Series> cache_;
};

}  // namespace cc::metrics
