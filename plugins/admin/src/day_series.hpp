#pragma once
// Daily series for the charts: the last N UTC days, every day present (zero when nothing
// happened), oldest first, so the dashboard can plot them without filling gaps itself.
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cc::admin {

/// The `days` dates ("YYYY-MM-DD") ending with `today`, oldest first.
std::vector<std::string> lastDays(const std::string& today, int days);

/// [{"date": "YYYY-MM-DD", "count": N}, ...] over `dates`, 0 where `counts` has no entry.
json::ArrayPtr dailySeries(const std::vector<std::string>& dates, const std::map<std::string, std::int64_t>& counts);

}  // namespace cc::admin
