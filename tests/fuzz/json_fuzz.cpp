// libFuzzer target: request body parsing answers 400 or an object, never crashes.
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    auto object = cc::json::parseObject(body);
    (void)cc::json::optionalString(object, "email");
    (void)cc::json::stringify(object);
  } catch (const cc::HttpError& e) {
    if (e.status() != 400) __builtin_trap();
  }
  return 0;
}
