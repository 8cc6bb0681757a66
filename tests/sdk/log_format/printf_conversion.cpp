#include <codecouncil/sdk/log.hpp>
#include <cstdint>
// The mistake that printed [ERRFMT] at run time with Poco's printf-style logger.
int main() { std::int64_t n = 5; cc::Log(Poco::Logger::root()).error("%Ld credits", n); }
