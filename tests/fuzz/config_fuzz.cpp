// libFuzzer target: any YAML document loads or yields a ConfigLoadError, never a crash.
#include "core/config/host_config.hpp"

#include <cstdint>
#include <fstream>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/cc-config-fuzz-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  std::string file = dir + "/codecouncil.yaml";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)cc::core::loadHostConfig({file, "development"});
  } catch (const cc::core::ConfigLoadError&) {
  }
  return 0;
}
