// Fuzz target: key files (public lines, public files, secret files). The
// passphrase callback refuses, so no Argon2 run is ever reached here.
#include <cstddef>
#include <cstdint>

#include "protocol/key_file.h"

using namespace cw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  init_crypto();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_public_key(text);
  (void)parse_public_key_file(text);
  (void)identity_file_is_insecure(text);
  (void)open_identity(text,
                      [] { return Result<SecretBytes>(make_error(Errc::no_passphrase, "fuzz")); });
  return 0;
}
