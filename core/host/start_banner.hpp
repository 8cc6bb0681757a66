#pragma once
// The "where to go" line the host logs once it listens. It names only what this host serves:
// the API and health checks always, then each page a plugin put at the top level (GET
// /metrics, GET /admin, a third party's /status), so a host with the metrics or admin plugin
// off does not send an operator to a 404.
#include "core/http/router.hpp"

#include <string>

namespace cc::core {

/// "API: <base>/api   health: <base>/healthz   metrics: <base>/metrics (metrics)   ...":
/// plugin pages are GET routes with one literal segment other than "api", named by their
/// path and followed by the owning plugin, in the order they were registered.
std::string startBanner(const std::string& base, const Router& router);

}  // namespace cc::core
