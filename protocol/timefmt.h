// Time as casewire writes it: Unix seconds on the wire, RFC 3339 UTC
// ("2026-11-28T14:05:00Z", seconds precision, always 'Z') in JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cw {

std::int64_t unix_now();
std::string format_rfc3339(std::int64_t unix_seconds);
// Strict: exactly YYYY-MM-DDTHH:MM:SSZ, a real calendar date, years 2000..2199.
std::optional<std::int64_t> parse_rfc3339(std::string_view s);

}  // namespace cw
