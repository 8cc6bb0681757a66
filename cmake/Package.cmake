# `cpack -G DEB --config build/CPackConfig.cmake` packages the install of cmake/Install.cmake
# with prefix /usr (configs in /etc/codecouncil, unit in /lib/systemd/system). The maintainer
# scripts in deploy/debian create the codecouncil system user and the private folders
# (docs/deployment.md, "Debian package"); tests/install/deb_package_test.sh checks the package
# with lintian.
set(CPACK_PACKAGE_NAME codecouncil)
set(CPACK_PACKAGE_VENDOR "CodeCouncil")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "plugin host for the CodeCouncil API")
set(CPACK_PACKAGE_DESCRIPTION "CodeCouncil serves its REST API from a C++ host and bundled plugins
(authentication, rate limits, billing, analysis, audit log, metrics, backups,
admin dashboard) on PostgreSQL. This package installs the host, its plugins and
migrations, the configuration in /etc/codecouncil, the backup scripts and a
systemd unit.")
set(CPACK_PACKAGE_CONTACT "CodeCouncil maintainers <maintainers@codecouncil.example>")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# DESTDIR packaging: the install script sees the real prefix /usr, so configs land in /etc.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://codecouncil.example")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser: postinst creates the user. postgresql-client: pg_dump and psql for backups and
# restores (the same major version as the server or newer).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, postgresql-client")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
configure_file(${CMAKE_SOURCE_DIR}/deploy/debian/conffiles ${CMAKE_BINARY_DIR}/deb/conffiles COPYONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${CMAKE_BINARY_DIR}/deb/conffiles;${CMAKE_SOURCE_DIR}/deploy/debian/postinst;${CMAKE_SOURCE_DIR}/deploy/debian/prerm;${CMAKE_SOURCE_DIR}/deploy/debian/postrm")
include(CPack)
