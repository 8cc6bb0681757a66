#pragma once
// docs/openapi.yaml, embedded in the binary at build time (see core/host/openapi_document.cmake).
#include <string_view>

namespace cc::core {

/// The exact bytes of docs/openapi.yaml as it was when the host was built.
std::string_view openApiDocument();

}  // namespace cc::core
