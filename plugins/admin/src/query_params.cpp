#include "query_params.hpp"

namespace cc::admin {

std::optional<std::string> textParam(const Request& req, const std::string& name, std::size_t maxLength) {
  auto v = req.queryParam(name);
  if (!v || v->empty()) return std::nullopt;
  if (v->size() > maxLength)
    throw HttpError(400, name + " must be at most " + std::to_string(maxLength) + " characters");
  return v;
}

int intParam(const Request& req, const std::string& name, int fallback, int min, int max) {
  auto v = textParam(req, name, 16);
  if (!v) return fallback;
  std::string range = " between " + std::to_string(min) + " and " + std::to_string(max);
  bool digits = v->size() <= 9 && v->find_first_not_of("0123456789") == std::string::npos;
  if (!digits) throw HttpError(400, name + " must be a whole number" + range);
  int n = std::stoi(*v);
  if (n < min || n > max) throw HttpError(400, name + " must be" + range);
  return n;
}

std::optional<bool> boolParam(const Request& req, const std::string& name) {
  auto v = textParam(req, name, 16);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  throw HttpError(400, name + " must be true or false");
}

std::optional<std::string> choiceParam(const Request& req, const std::string& name,
                                       std::initializer_list<const char*> allowed) {
  auto v = textParam(req, name, 64);
  if (!v) return std::nullopt;
  std::string list;
  for (const char* a : allowed) {
    if (*v == a) return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  throw HttpError(400, name + " must be one of: " + list);
}

}  // namespace cc::admin
