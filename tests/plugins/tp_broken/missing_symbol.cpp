// A library without CODECOUNCIL_PLUGIN: the host must refuse it with "missing symbol".
extern "C" __attribute__((visibility("default"))) int not_a_plugin() { return 42; }
