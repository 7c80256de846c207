#include "protocol/sealed_line.h"

#include <sodium.h>

#include <sstream>

#include "protocol/bytes.h"

namespace cw {
namespace {
Error bad(std::string_view what, const char* why) {
  return make_error(Errc::bad_key_file, std::string(what) + ": " + why);
}
}  // namespace

std::string seal_line(std::string_view prefix, ByteView plaintext, const PublicKey& box) {
  Bytes sealed(plaintext.size() + crypto_box_SEALBYTES);
  crypto_box_seal(sealed.data(), plaintext.data(), plaintext.size(), box.bytes.data());
  return std::string(prefix) + " " + key_id_hex(box.id()) + " " + to_base64(sealed) + "\n";
}

Result<SecretBytes> open_line(std::string_view text, std::string_view prefix, std::string_view what,
                              const Identity& org, std::size_t min_plain, std::size_t max_plain) {
  if (!org.box) return bad(what, "this key has no box key: it cannot open sealed files");
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string p, box_id, b64;
    if (!(words >> p >> box_id >> b64) || p != prefix) return bad(what, "not the expected file");
    if (box_id != key_id_hex(org.box->id())) return bad(what, "sealed to another key");
    auto sealed = from_base64(b64);
    if (!sealed || sealed->size() < min_plain + crypto_box_SEALBYTES ||
        sealed->size() > max_plain + crypto_box_SEALBYTES)
      return bad(what, "damaged");
    SecretBytes plain(sealed->size() - crypto_box_SEALBYTES);
    if (crypto_box_seal_open(plain.data(), sealed->data(), sealed->size(),
                             org.box->public_key().bytes.data(), org.box->secret().data()) != 0)
      return bad(what, "does not open with this key");
    return plain;
  }
  return bad(what, "not the expected file");
}

}  // namespace cw
