# codecouncil_add_contract(<name> INCLUDE_DIR <dir> [EXPORT <export set>])
#
# A provider's contract: the header-only interface other plugins compile against (service
# classes with kServiceName and kContractVersion, their value types). Defines the INTERFACE
# target cc_<name>_contract (alias CodeCouncil::<name>_contract), which carries <dir> as its
# include path and links CodeCouncil::sdk, and installs <dir>'s headers next to the SDK's
# (include/) and the target into <export set> (default: the SDK's own, CodeCouncilSDKTargets,
# so find_package(CodeCouncilSDK) offers it). A provider built outside this tree passes an
# export set of its own and installs it with its package.
#
# A contract is not part of the SDK: nothing here feeds CODECOUNCIL_BUILD_SIGNATURE
# (sdk/include/codecouncil/sdk/version.hpp), so changing a contract rebuilds only its consumers.
function(codecouncil_add_contract name)
  cmake_parse_arguments(ARG "" "INCLUDE_DIR;EXPORT" "" ${ARGN})
  if(NOT ARG_INCLUDE_DIR)
    message(FATAL_ERROR "codecouncil_add_contract(${name}): INCLUDE_DIR is required")
  endif()
  if(NOT ARG_EXPORT)
    set(ARG_EXPORT CodeCouncilSDKTargets)
  endif()
  set(target cc_${name}_contract)
  add_library(${target} INTERFACE)
  add_library(CodeCouncil::${name}_contract ALIAS ${target})
  target_include_directories(${target} INTERFACE
    $<BUILD_INTERFACE:${ARG_INCLUDE_DIR}>
    $<INSTALL_INTERFACE:include>)
  target_link_libraries(${target} INTERFACE CodeCouncil::sdk)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name}_contract)
  install(DIRECTORY ${ARG_INCLUDE_DIR}/ DESTINATION include)
  install(TARGETS ${target} EXPORT ${ARG_EXPORT})
endfunction()
