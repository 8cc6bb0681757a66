# Build step (cmake -P): turns docs/openapi.yaml into a C++ source holding its exact bytes,
# so the installed host serves /api/openapi.yaml without a docs folder.
#   -DINPUT=<docs/openapi.yaml> -DOUTPUT=<generated .cpp>
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hexLength)
math(EXPR size "${hexLength} / 2")
# Every byte as 0xNN, 16 to a line: no escaping rules and no string-literal length limits.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from docs/openapi.yaml by core/host/openapi_document.cmake. Do not edit.
#include \"core/host/openapi_document.hpp\"

namespace cc::core {
namespace {
const unsigned char kBytes[] = {
  ${bytes}
  0x00};
}  // namespace

std::string_view openApiDocument() {
  return std::string_view(reinterpret_cast<const char*>(kBytes), ${size});
}

}  // namespace cc::core
")
# Rewrite only on change so an unchanged document does not recompile anything.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
