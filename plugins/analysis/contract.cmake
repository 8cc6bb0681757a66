# analysis' contract (CodeCouncil::analysis_contract): its events (codecouncil/analysis/events.hpp),
# the topics subscribers name through constants. Header-only, so a subscriber compiles against it
# without depending on the analysis plugin. Included by sdk/CMakeLists.txt so it installs with the SDK.
codecouncil_add_contract(analysis INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/include)
