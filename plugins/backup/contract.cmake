# backup's contract (CodeCouncil::backup_contract): its events (codecouncil/backup/events.hpp),
# the topics subscribers name through constants. Header-only, so a subscriber compiles against it
# without depending on the backup plugin. Included by sdk/CMakeLists.txt so it installs with the SDK.
codecouncil_add_contract(backup INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/include)
