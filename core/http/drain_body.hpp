#pragma once
// The whole body of a Response, for code that consumes one outside the socket path (tests'
// in-process helpers, commands): a streamed body (Response::bodyWriter) is run to its end
// and appended, so a caller sees the bytes a client would. Not for the server, which sends
// a stream piece by piece (core/http/connection.hpp).
#include <codecouncil/sdk/http.hpp>

#include <string>
#include <utility>

namespace cc::core {

/// Moves `res.body` out and, when `res` streams, appends every piece its writer produces (the
/// writer's exceptions propagate). Afterwards `res` holds neither body nor writer.
inline std::string drainBody(Response& res) {
  std::string out = std::move(res.body);
  res.body.clear();
  BodyWriter writer = std::move(res.bodyWriter);
  res.bodyWriter = nullptr;
  if (!writer) return out;
  std::string piece;
  for (bool more = true; more;) {
    piece.clear();
    more = writer(piece);
    out += piece;
  }
  return out;
}

}  // namespace cc::core
