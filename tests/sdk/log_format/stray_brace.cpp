#include <codecouncil/sdk/log.hpp>
int main() { cc::Log(Poco::Logger::root()).info("value {0}", 1); }
