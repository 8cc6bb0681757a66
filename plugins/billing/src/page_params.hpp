#pragma once
// Query parameters of billing's paged lists, checked before anything is read or sent to Stripe.
#include <codecouncil/sdk/http.hpp>

#include <string>

namespace cc::billing {

/// `?limit=`: absent or empty gives `fallback`; anything but a whole number from 1 to `max` is
/// a 400 naming the parameter and the range.
int limitParam(const Request& req, int fallback, int max);

/// `?name=` as text, "" when absent; longer than `maxLength` bytes is a 400.
std::string textParam(const Request& req, const std::string& name, std::size_t maxLength);

}  // namespace cc::billing
