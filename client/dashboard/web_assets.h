// The dashboard's page, script and style sheet, compiled into the binary
// from client/dashboard/web/ (no CDN, no remote font, nothing fetched).
#pragma once

#include <optional>
#include <string_view>

namespace cw::client {

// The asset called `name` ("index.html", "app.js", "app.css") and its
// Content-Type; nullopt for anything else.
std::optional<std::string_view> dashboard_asset(std::string_view name, std::string_view* type);

}  // namespace cw::client
