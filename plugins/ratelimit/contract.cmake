# ratelimit's contract (CodeCouncil::ratelimit_contract): its events (codecouncil/ratelimit/events.hpp),
# the topic subscribers name through a constant. Header-only, so a subscriber compiles against it
# without depending on the ratelimit plugin. Included by sdk/CMakeLists.txt so it installs with the SDK.
codecouncil_add_contract(ratelimit INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/include)
