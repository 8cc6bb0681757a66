#include <codecouncil/sdk/log.hpp>
#include <string>
// A format string only known at run time cannot be checked: refused.
int main(int argc, char** argv) { std::string f = argv[0]; cc::Log(Poco::Logger::root()).info(f, argc); }
