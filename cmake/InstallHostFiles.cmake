# Runs at install time (cmake/Install.cmake): writes the configs, the systemd unit and the cron
# example with the paths of this install. CMAKE_INSTALL_PREFIX is the final prefix (DESTDIR, if
# any, is added by file(INSTALL)); CC_SOURCE_DIR, CC_WORK_DIR and CC_CHANGELOG come from
# cmake/Install.cmake.
#
# Prefix /usr follows the FHS as GNUInstallDirs does: configs in /etc/codecouncil, the unit in
# /lib/systemd/system, data in /var/lib/codecouncil. Any other prefix keeps everything under it
# and the configs name their paths relative to their own folder, so the tree can be moved.
string(REGEX REPLACE "/+$" "" prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(conf_dir /etc/codecouncil)
  set(unit_dir /lib/systemd/system)
  set(data_dir /var/lib/codecouncil)
else()
  set(conf_dir ${prefix}/etc/codecouncil)
  set(unit_dir ${prefix}/lib/systemd/system)
  set(data_dir ${prefix}/var/lib/codecouncil)
endif()

# How an installed config names `path`: relative to the config's folder when both are under the
# prefix (relocatable), else absolute (/etc/codecouncil -> /usr/...).
function(config_path out path)
  string(FIND "${conf_dir}/" "${prefix}/" at)
  if(at EQUAL 0)
    file(RELATIVE_PATH rel "${conf_dir}" "${path}")
    set(${out} "${rel}" PARENT_SCOPE)
  else()
    set(${out} "${path}" PARENT_SCOPE)
  endif()
endfunction()
config_path(plugins ${prefix}/lib/codecouncil/plugins)
config_path(migrations ${prefix}/share/codecouncil/migrations)
config_path(web_root ${prefix}/share/codecouncil/admin/web)
config_path(data ${data_dir})

# Replaces `from` by `to` in `text`, failing loudly when `from` is missing: a config edited so
# that a path no longer matches must not install pointing at the source tree.
function(replace_required var from to file)
  string(FIND "${${var}}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "InstallHostFiles: '${from}' not found in ${file}; update cmake/InstallHostFiles.cmake")
  endif()
  string(REPLACE "${from}" "${to}" result "${${var}}")
  set(${var} "${result}" PARENT_SCOPE)
endfunction()

# A folder of this run's own: a cpack and a `cmake --install` of one build may run at once.
string(RANDOM LENGTH 12 run)
set(CC_WORK_DIR "${CC_WORK_DIR}/${run}")
file(MAKE_DIRECTORY "${CC_WORK_DIR}")

set(configs)
foreach(name codecouncil staging production)
  set(source "${CC_SOURCE_DIR}/config/${name}.yaml")
  file(READ "${source}" text)
  replace_required(text [=[migrations_dir: ../migrations]=] "migrations_dir: ${migrations}" "${source}")
  replace_required(text [=[${CODECOUNCIL_PLUGIN_DIR:-../build/plugins}]=] "\${CODECOUNCIL_PLUGIN_DIR:-${plugins}}" "${source}")
  replace_required(text [=[${CODECOUNCIL_DATA_DIR:-../data}]=] "\${CODECOUNCIL_DATA_DIR:-${data}}" "${source}")
  replace_required(text [=[web_root: ../plugins/admin/web]=] "web_root: ${web_root}" "${source}")
  file(WRITE "${CC_WORK_DIR}/${name}.yaml" "${text}")
  list(APPEND configs "${CC_WORK_DIR}/${name}.yaml")
endforeach()
file(INSTALL DESTINATION "${conf_dir}" TYPE FILE FILES ${configs})

# The unit and the cron example are written for the Debian package's paths (/usr, /etc).
foreach(pair "deploy/codecouncil.service|${unit_dir}" "deploy/codecouncil-backup.cron|${prefix}/share/codecouncil")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 relative)
  list(GET pair 1 destination)
  set(source "${CC_SOURCE_DIR}/${relative}")
  file(READ "${source}" text)
  if(NOT prefix STREQUAL "/usr")
    string(REPLACE "/usr/bin/codecouncil" "${prefix}/bin/codecouncil" text "${text}")
    string(REPLACE "/usr/lib/codecouncil/" "${prefix}/lib/codecouncil/" text "${text}")
    string(REPLACE "/etc/codecouncil/" "${conf_dir}/" text "${text}")
  endif()
  get_filename_component(name "${source}" NAME)
  file(WRITE "${CC_WORK_DIR}/${name}" "${text}")
  file(INSTALL DESTINATION "${destination}" TYPE FILE FILES "${CC_WORK_DIR}/${name}")
endforeach()

# Debian wants the changelog compressed with gzip -9n (no name, no timestamp: reproducible).
execute_process(COMMAND gzip -9nc "${CC_CHANGELOG}" OUTPUT_FILE "${CC_WORK_DIR}/changelog.gz" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "InstallHostFiles: gzip ${CC_CHANGELOG} failed (${rc})")
endif()
file(INSTALL DESTINATION "${prefix}/share/doc/codecouncil" TYPE FILE FILES "${CC_WORK_DIR}/changelog.gz")
file(REMOVE_RECURSE "${CC_WORK_DIR}")
