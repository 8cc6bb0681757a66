# Test helpers shared by tests/ and each plugin's own tests folder.
include(GoogleTest)
find_package(GTest REQUIRED)

# cc_add_test_dir(<dir> <label> [LIBRARIES <targets...>]): one executable per <dir>/*_test.cpp,
# named <label>_<file>, linked with the test
# support library (temp dirs, free ports, the real host binary, HTTP helpers). One
# executable per file, so a broken file does not hide the others.
# main() comes from cc_test_main (tests/support/main/test_main.cpp), not GTest::gtest_main: it
# applies the test command's skip policy (docs/testing.md, "Skips"). gtest_discover_tests marks
# a test whose output has "[  SKIPPED ]" as skipped in ctest (SKIP_REGULAR_EXPRESSION).
function(cc_add_test_dir dir label)
  cmake_parse_arguments(ARG "" "" "LIBRARIES" ${ARGN})
  file(GLOB tests CONFIGURE_DEPENDS ${dir}/*_test.cpp)
  foreach(src ${tests})
    get_filename_component(name ${src} NAME_WE)
    set(target ${label}_${name})
    add_executable(${target} ${src})
    target_link_libraries(${target} PRIVATE cc_test_main cc_test_support ${ARG_LIBRARIES})
    add_dependencies(${target} codecouncil)
    gtest_discover_tests(${target} PROPERTIES LABELS ${label} DISCOVERY_TIMEOUT 60)
  endforeach()
endfunction()

# cc_add_pgbouncer_run(<target> <label>): <target>'s PostgreSQL tests (names containing
# "ostgres") once more, through a PgBouncer in transaction mode that the test process starts
# (CC_TEST_POSTGRES_VIA_PGBOUNCER, tests/support/pgbouncer.hpp), the host running with
# database.transaction_pooling: true. ctest names them pgbouncer.<test> and labels them
# pgbouncer. The switch is a command-line argument (--cc-via-pgbouncer, which test_main.cpp
# turns into CC_TEST_POSTGRES_VIA_PGBOUNCER=1), not an ENVIRONMENT property: gtest_discover_tests
# passes PROPERTIES on as separate words, and a two-item LABELS list once swallowed the
# ENVIRONMENT after it, so these runs reached PostgreSQL directly and proved nothing. One label
# for the same reason; <label> is the plugin's, kept in the call for the reader.
function(cc_add_pgbouncer_run target label)
  gtest_discover_tests(${target} TEST_PREFIX "pgbouncer." TEST_FILTER "*ostgres*"
                       EXTRA_ARGS --cc-via-pgbouncer PROPERTIES LABELS pgbouncer
                       DISCOVERY_TIMEOUT 60)
endfunction()
