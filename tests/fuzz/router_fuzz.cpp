// libFuzzer target: route patterns and path matching never crash or hang.
#include "core/http/router.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto split = input.find('\n');
  std::string pattern = input.substr(0, split);
  std::string path = split == std::string::npos ? input : input.substr(split + 1);
  cc::core::Router router;
  router.add({"GET", "/api/admin/users/:userId", "f", {}, {}});
  router.add({"POST", "/api/admin/users/:userId/suspend", "f", {}, {}});
  router.add({"GET", "/admin/*file", "f", {}, {}});
  try {
    router.add({"GET", pattern, "f", {}, {}});
  } catch (const std::invalid_argument&) {
    // rejected patterns are fine; crashing is not
  }
  for (const char* method : {"GET", "POST", "DELETE"}) (void)router.match(method, path);
  return 0;
}
