#pragma once
// The filters of the user list, read from the query string. GET /api/admin/users and its CSV
// export (GET /api/admin/users/export) parse them with this one function, so an export holds
// exactly the rows the list shows for the same URL.
#include "user_directory.hpp"

#include <codecouncil/sdk/http.hpp>

namespace cc::admin {

/// search, status, tier, suspended, admin (400 for a malformed one); limit and offset are left
/// at their defaults: the caller reads them when it pages.
UserFilter userFilterFromRequest(const Request& req);

}  // namespace cc::admin
