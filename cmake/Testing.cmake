# Test helpers shared by tests/ and each plugin's own tests folder.
include(GoogleTest)
find_package(GTest REQUIRED)

# cc_add_test_dir(<dir> <label> [LIBRARIES <targets...>]): one executable per <dir>/*_test.cpp,
# named <label>_<file>, linked with the test
# support library (temp dirs, free ports, the real host binary, HTTP helpers). One
# executable per file, so a broken file does not hide the others.
function(cc_add_test_dir dir label)
  cmake_parse_arguments(ARG "" "" "LIBRARIES" ${ARGN})
  file(GLOB tests CONFIGURE_DEPENDS ${dir}/*_test.cpp)
  foreach(src ${tests})
    get_filename_component(name ${src} NAME_WE)
    set(target ${label}_${name})
    add_executable(${target} ${src})
    target_link_libraries(${target} PRIVATE cc_test_support GTest::gtest_main ${ARG_LIBRARIES})
    add_dependencies(${target} codecouncil)
    gtest_discover_tests(${target} PROPERTIES LABELS ${label} DISCOVERY_TIMEOUT 60)
  endforeach()
endfunction()
