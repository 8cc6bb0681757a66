// Must compile, and run to the text below: every supported argument kind with a matching format string.
#include <codecouncil/sdk/log.hpp>

#include <cstdint>
#include <iostream>
#include <string>

struct Money {
  long cents;
};
std::ostream& operator<<(std::ostream& out, const Money& m) { return out << m.cents << "c"; }

int main() {
  std::int64_t big = 9000000000;
  std::string name = "ada";
  std::string text = cc::format("{} {} {} {} {} {} {{literal}} {}", big, name, "lit", true, 2.5, 'x', Money{42});
  cc::Log log(Poco::Logger::get("compile-check"));
  log.info("no arguments");
  log.error("user {} failed: {}", big, name);
  const std::string expected = "9000000000 ada lit true 2.5 x {literal} 42c";
  if (text != expected) {
    std::cerr << "cc::format gave '" << text << "', expected '" << expected << "'\n";
    return 1;
  }
  return 0;
}
