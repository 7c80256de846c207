// Errors in a contact's own words. A contact who reads Korean or Chinese
// must understand what failed and what to do from the first line, so every
// error the client prints leads with a translated sentence for its stable
// code; the code itself stays on the line (it is what the operator asks for)
// and the detail follows. In English the line keeps its historical shape,
// "error: <code>: <detail>", which scripts and tests parse.
#pragma once

#include <string>

#include "protocol/error.h"

namespace cw::client {

// One sentence, in the chosen language, for what `code` means to a contact
// (client-side codes: files, keys, the network; daemon refusals have
// plain_refusal in submit.h).
std::string plain_error(Errc code);

// The whole error text, without a trailing newline.
std::string error_text(const Error& e);

}  // namespace cw::client
