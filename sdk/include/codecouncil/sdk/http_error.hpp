#pragma once
// An error a handler throws to answer with `{"error": message}` and the given status.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cc {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }
  /// Extra response headers (e.g. Retry-After, Allow).
  HttpError& header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

 private:
  int status_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace cc
