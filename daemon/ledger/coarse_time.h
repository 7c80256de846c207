// How finely the daemon keeps the time of an event: the one home of "to the
// hour" and "to the day". A seized phone's receipt carries the exact second
// its alert arrived; a row that kept the same second would name the row that
// alert made (THREAT_MODEL "A seized phone and a seized server"). Every time
// the ledger writes goes through one of these, and so do the case log's
// leaves and the anonymised notifications.
#pragma once

#include <cstdint>

namespace cw::daemon {

inline constexpr std::int64_t kHourSeconds = 3600, kDaySeconds = 86400;

// The start of the hour holding `t` (seconds since the Unix epoch; floors,
// so a time before 1970 stays in its own hour).
inline constexpr std::int64_t hour_of(std::int64_t t) {
  return t - (((t % kHourSeconds) + kHourSeconds) % kHourSeconds);
}

// The day number (days since the Unix epoch) holding `t`.
inline constexpr std::int64_t day_of(std::int64_t t) {
  return (t - (((t % kDaySeconds) + kDaySeconds) % kDaySeconds)) / kDaySeconds;
}

}  // namespace cw::daemon
