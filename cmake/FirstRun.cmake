# How the host and the bundled plugins compile, so that a newcomer's first `./scripts/run`
# (which builds only them, target `host`) is quick on a 2-core machine (docs/performance.md,
# "First run"):
# - unity batches: several .cpp files per compiler run, so Poco's, Boost's and the SDK's
#   headers are parsed once per batch instead of once per file. Names in anonymous namespaces
#   must therefore be unique within a target; every build (CI's too) compiles this way, so a
#   clash cannot go unnoticed.
# - RelWithDebInfo keeps line tables only (-g1, after CMake's -g): backtraces and perf still
#   name functions, files and lines; the full DWARF of Beast's and Asio's templates was 40%
#   of the compile time. Debug builds keep full debug information.
# The test suite (built by ./scripts/test) compiles file by file, as before.
function(codecouncil_first_run_build target)
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON)
  target_compile_options(${target} PRIVATE $<$<CONFIG:RelWithDebInfo>:-g1>)
endfunction()
