// casewire doctor: what a contact (or whoever helps them) runs when
// something fails. Each check ends in one plain sentence and what to do.
#pragma once

#include <iosfwd>

#include "client/commands.h"

namespace cw::client {

// 0 when every check passed, 1 when any found a problem.
int cmd_doctor(const Globals& g, std::ostream& out, std::ostream& err);

}  // namespace cw::client
