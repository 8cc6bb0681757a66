# `cmake --install build --prefix P` installs a runnable host (docs/deployment.md, "Install"):
#   P/bin/codecouncil
#   P/lib/codecouncil/plugins/libcc_<name>.so          the bundled plugins (plugins/CMakeLists.txt)
#   P/lib/codecouncil/scripts/backup-db.sh, restore-db.sh, lib/codecouncil-binary.sh
#   P/share/codecouncil/migrations/                     the host's and plugins' SQL
#   P/share/codecouncil/admin/web/                      the dashboard (plugins/admin/CMakeLists.txt)
#   P/share/codecouncil/env.example, codecouncil-backup.cron
#   P/etc/codecouncil/{codecouncil,staging,production}.yaml     /etc/codecouncil when P is /usr
#   P/lib/systemd/system/codecouncil.service                    /lib/systemd/system when P is /usr
# (plus the plugin SDK: include/ and lib/cmake/CodeCouncilSDK, sdk/CMakeLists.txt). The configs,
# the unit and the cron example are written at install time with this install's paths; the
# binary reads <its prefix>/etc/codecouncil without --config (core/config/install_layout.hpp),
# so it runs from any folder. Fixed lib/codecouncil (not GNUInstallDirs' multiarch LIBDIR): the
# scripts find the binary at ../../../bin from their own folder.
install(TARGETS codecouncil RUNTIME DESTINATION bin)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/migrations/ DESTINATION share/codecouncil/migrations)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/scripts/backup-db.sh ${CMAKE_SOURCE_DIR}/scripts/restore-db.sh
        DESTINATION lib/codecouncil/scripts)
# Sourced by both scripts (finds the binary from either home), so not executable.
install(FILES ${CMAKE_SOURCE_DIR}/scripts/lib/codecouncil-binary.sh DESTINATION lib/codecouncil/scripts/lib)
install(FILES ${CMAKE_SOURCE_DIR}/.env.example DESTINATION share/codecouncil RENAME env.example)

# The copyright and changelog every Debian package carries (the changelog is gzipped at install).
install(FILES ${CMAKE_SOURCE_DIR}/deploy/debian/copyright DESTINATION share/doc/codecouncil)
configure_file(${CMAKE_SOURCE_DIR}/deploy/debian/changelog.in ${CMAKE_BINARY_DIR}/deb/changelog @ONLY)

# Configs, unit and cron example with this install's paths: known only at install time
# (cmake --install --prefix, cpack), so a script writes them then.
install(CODE "set(CC_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
set(CC_WORK_DIR \"${CMAKE_BINARY_DIR}/install-files\")
set(CC_CHANGELOG \"${CMAKE_BINARY_DIR}/deb/changelog\")")
install(SCRIPT ${CMAKE_SOURCE_DIR}/cmake/InstallHostFiles.cmake)
