// One line of a small text file sealed to an organisation's box key:
//
//   <prefix> <box key id, 16 hex> <base64 of crypto_box_seal(plaintext)>
//
// after any number of '#' comment lines. What a sealed webhook secret and a
// disclosure share; each wraps its own plaintext format and domain inside.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/error.h"
#include "protocol/key_file.h"
#include "protocol/keys.h"
#include "protocol/secret.h"

namespace cw {

// "<prefix> <id> <base64>\n" for `plaintext` sealed to `box`.
std::string seal_line(std::string_view prefix, ByteView plaintext, const PublicKey& box);

// The plaintext of the first non-comment line, if it carries `prefix`, is
// sealed to `org`'s box key and opens to between min_plain and max_plain
// bytes. bad_key_file otherwise, the message starting with `what`.
Result<SecretBytes> open_line(std::string_view text, std::string_view prefix, std::string_view what,
                              const Identity& org, std::size_t min_plain, std::size_t max_plain);

}  // namespace cw
