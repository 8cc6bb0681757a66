#include <codecouncil/sdk/log.hpp>
struct Opaque {};
int main() { cc::Log(Poco::Logger::root()).info("value {}", Opaque{}); }
