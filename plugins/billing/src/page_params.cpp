#include "page_params.hpp"

namespace cc::billing {

std::string textParam(const Request& req, const std::string& name, std::size_t maxLength) {
  auto v = req.queryParam(name);
  if (!v) return "";
  if (v->size() > maxLength)
    throw HttpError(400, name + " must be at most " + std::to_string(maxLength) + " characters");
  return *v;
}

int limitParam(const Request& req, int fallback, int max) {
  std::string v = textParam(req, "limit", 16);
  if (v.empty()) return fallback;
  const std::string range = "limit must be a whole number from 1 to " + std::to_string(max);
  if (v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) throw HttpError(400, range);
  int n = std::stoi(v);
  if (n < 1 || n > max) throw HttpError(400, range);
  return n;
}

}  // namespace cc::billing
