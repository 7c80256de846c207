// casewired's operator subcommands on sealed case details: read-case,
// disclose, audit, purge (docs/OPERATIONS.md, "Sealed details" and
// "Retention"). They open the instance's keys and database beside a running
// daemon (SQLite serialises the writes) or without one.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "daemon/config.h"

namespace cw::daemon {

struct RecordsCommand {
  enum class Kind { read_case, disclose, audit, purge } kind = Kind::audit;
  std::string case_id;
  std::string reason;
  std::string org;  // disclose: the organisation's key id
  std::string out;  // disclose: the file to write
  bool dry_run = false;
  std::optional<std::uint32_t> older_than_days;  // purge: instead of [retention] days
};

// Returns the process exit status: 0, or 1 with "error: <code>: <message>"
// on `err`; audit returns 1 too when the trail is broken.
int run_records_command(const Config& config, const RecordsCommand& cmd, std::ostream& out,
                        std::ostream& err);

}  // namespace cw::daemon
