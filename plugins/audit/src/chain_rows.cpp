#include "chain_rows.hpp"

namespace cc::audit {
namespace {

std::optional<std::string> optionalText(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  Poco::Dynamic::Var v = rs.value(col, row);
  if (v.isEmpty()) return std::nullopt;
  return v.toString();
}

}  // namespace

ChainRow chainRowAt(const Poco::Data::RecordSet& rs, std::size_t i) {
  ChainRow r;
  r.id = rs.value(0, i).convert<std::int64_t>();
  r.createdAt = rs.value(1, i).toString();
  r.userId = optionalText(rs, 2, i);
  r.action = rs.value(3, i).toString();
  r.severity = rs.value(4, i).toString();
  r.resourceType = rs.value(5, i).toString();
  r.resourceId = optionalText(rs, 6, i);
  r.metadata = rs.value(7, i).toString();
  r.ip = optionalText(rs, 8, i);
  r.userAgent = optionalText(rs, 9, i);
  r.requestId = optionalText(rs, 10, i);
  r.prevHash = rs.value(11, i).toString();
  r.hash = rs.value(12, i).toString();
  return r;
}

}  // namespace cc::audit
