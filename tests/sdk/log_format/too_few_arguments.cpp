#include <codecouncil/sdk/log.hpp>
int main() { cc::Log(Poco::Logger::root()).info("user {} paid {}", 1); }
