#pragma once
// Query-string parameters of the admin API. Empty values count as absent (HTML forms send
// them); anything malformed is a 400 that names the parameter.
#include <codecouncil/sdk/http.hpp>

#include <optional>
#include <string>

namespace cc::admin {

/// A text parameter of at most `maxLength` bytes.
std::optional<std::string> textParam(const Request& req, const std::string& name, std::size_t maxLength = 256);
/// A whole number in [min, max]; `fallback` when absent.
int intParam(const Request& req, const std::string& name, int fallback, int min, int max);
/// "true" or "false".
std::optional<bool> boolParam(const Request& req, const std::string& name);
/// One of `allowed`.
std::optional<std::string> choiceParam(const Request& req, const std::string& name,
                                       std::initializer_list<const char*> allowed);

}  // namespace cc::admin
