#pragma once
// "AuditLog" rows read as the chain sees them: one column list and one reader, for the store's
// verification walk and the checkpoint verifier alike, so both hash exactly the same fields.
#include "hash_chain.hpp"

#include <Poco/Data/RecordSet.h>

#include <cstddef>

namespace cc::audit {

/// The columns chainRowAt reads, in its order: "SELECT <kChainColumns> FROM \"AuditLog\" ...".
inline constexpr const char* kChainColumns =
    "id, \"createdAt\", \"userId\", action, severity, \"resourceType\", \"resourceId\", metadata, ip, "
    "\"userAgent\", \"requestId\", \"prevHash\", hash";

/// Row `row` of a result selecting kChainColumns; NULL text columns become std::nullopt.
ChainRow chainRowAt(const Poco::Data::RecordSet& rs, std::size_t row);

}  // namespace cc::audit
