#include <codecouncil/sdk/log.hpp>
int main() { cc::Log(Poco::Logger::root()).warning("user {}", 1, 2); }
