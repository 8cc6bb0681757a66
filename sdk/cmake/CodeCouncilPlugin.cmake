# codecouncil_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>] [OUTPUT_DIRECTORY <dir>])
#
# Builds lib<cc_name>.so, the file the host looks for as "<plugin_dir>/libcc_<name>.so".
# Symbols are hidden except the CODECOUNCIL_PLUGIN entry point.
function(codecouncil_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "codecouncil_add_plugin(${name}): SOURCES is required")
  endif()
  set(target cc_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  if(TARGET CodeCouncil::sdk)
    target_link_libraries(${target} PRIVATE CodeCouncil::sdk)
  endif()
  if(ARG_LIBRARIES)
    target_link_libraries(${target} PRIVATE ${ARG_LIBRARIES})
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(DEFINED CODECOUNCIL_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CODECOUNCIL_PLUGIN_OUTPUT_DIR})
  endif()
  # The host refuses a library, or a folder holding one, that its group or others may write
  # (like sshd's StrictModes). Under a umask of 002 the linker and CMake would make both
  # group-writable, so the build takes that bit away.
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND chmod go-w $<TARGET_FILE:${target}> $<TARGET_FILE_DIR:${target}>
    VERBATIM)
endfunction()
