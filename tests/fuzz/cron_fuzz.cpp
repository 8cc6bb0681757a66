// libFuzzer target: any cron text either parses (and then next() terminates) or throws invalid_argument.
#include "core/scheduler/cron.hpp"

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto cron = cc::core::CronExpression::parse(text);
    auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    auto next = cron.next(t);
    if (next <= t) __builtin_trap();
    (void)cron.previousOrSame(t);
  } catch (const std::invalid_argument&) {
  } catch (const std::overflow_error&) {
  }
  return 0;
}
