// Fuzz target: the daemon's envelope opener, the first thing any stranger's
// bytes reach. Fixed keys; every input must yield a value or a clean error.
#include <cstddef>
#include <cstdint>

#include <sodium.h>

#include "protocol/envelope.h"
#include "protocol/envelope_format.h"
#include "protocol/envelope_testing.h"

using namespace cw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  init_crypto();
  static const BoxKey daemon = BoxKey::from_secret(Bytes(32, 0x22));
  static const SigningKey contact = SigningKey::from_seed(Bytes(32, 0x11));
  ByteView in(data, size);
  (void)check_envelope_header(in, daemon.id());
  auto r = open_envelope(
      in, daemon,
      [](const KeyId& id) -> Result<PublicKey> {
        if (id == contact.id()) return contact.public_key();
        return make_error(Errc::unknown_sender, "unknown");
      },
      OpenOptions{1795000000, nullptr});
  (void)r;
  // Random bytes almost never pass the sealed box, so also seal the input
  // itself (padded to the bucket) to reach the inner parser and the checks
  // behind decryption: inner header, sender lookup, signature, alert.
  if (size < envelope::kBucket) {
    Bytes p(data, data + size);
    p.resize(envelope::kBucket);
    std::size_t padded = 0;
    if (sodium_pad(&padded, p.data(), size, envelope::kBucket, p.size()) == 0) {
      auto wire = testing::seal_raw(p, daemon.public_key());
      (void)open_envelope(
          wire, daemon, [](const KeyId&) -> Result<PublicKey> { return contact.public_key(); },
          OpenOptions{1795000000, nullptr});
    }
  }
  return 0;
}
