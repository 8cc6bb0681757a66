#pragma once
// Everything a plugin author needs, in one include.
#include <codecouncil/sdk/commands.hpp>
#include <codecouncil/sdk/config.hpp>
#include <codecouncil/sdk/context.hpp>
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/sdk/log.hpp>
#include <codecouncil/sdk/mailer.hpp>
#include <codecouncil/sdk/plugin.hpp>
#include <codecouncil/sdk/scheduler.hpp>
#include <codecouncil/sdk/services.hpp>
#include <codecouncil/sdk/text.hpp>
#include <codecouncil/sdk/users.hpp>
#include <codecouncil/sdk/version.hpp>
