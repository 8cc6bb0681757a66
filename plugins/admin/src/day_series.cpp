#include "day_series.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timespan.h>

#include <stdexcept>

namespace cc::admin {

std::vector<std::string> lastDays(const std::string& today, int days) {
  int tz = 0;
  Poco::DateTime day;
  if (!Poco::DateTimeParser::tryParse("%Y-%m-%d", today, day, tz)) throw std::invalid_argument("bad date: " + today);
  std::vector<std::string> out(static_cast<std::size_t>(days > 0 ? days : 0));
  for (int i = days - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = Poco::DateTimeFormatter::format(day, "%Y-%m-%d");
    day -= Poco::Timespan(1, 0, 0, 0, 0);
  }
  return out;
}

json::ArrayPtr dailySeries(const std::vector<std::string>& dates, const std::map<std::string, std::int64_t>& counts) {
  auto series = json::array();
  for (auto& date : dates) {
    auto point = json::object();
    point->set("date", date);
    auto it = counts.find(date);
    point->set("count", it == counts.end() ? std::int64_t{0} : it->second);
    series->add(point);
  }
  return series;
}

}  // namespace cc::admin
