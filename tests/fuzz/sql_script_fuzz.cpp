// libFuzzer target: the migration splitter terminates and never loses non-blank text outside comments.
#include "core/db/sql_script.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string script(reinterpret_cast<const char*>(data), size);
  std::size_t total = 0;
  for (auto& statement : cc::core::splitSqlScript(script)) total += statement.size();
  if (total > script.size()) __builtin_trap();
  return 0;
}
