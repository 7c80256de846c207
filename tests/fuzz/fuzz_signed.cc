// Fuzz target: everything a client parses from the daemon (receipts,
// signed payloads, notifications, the chain of invite updates) and invites;
// and the revocation journal (a copy from off the server, read by restore).
#include <cstddef>
#include <cstdint>

#include "protocol/invite.h"
#include "protocol/invite_update.h"
#include "protocol/notification.h"
#include "protocol/receipt.h"
#include "protocol/signed_payload.h"
#include "trust/revocation_journal.h"

using namespace cw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  init_crypto();
  static const SigningKey daemon = SigningKey::from_seed(Bytes(32, 0x66));
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto r = receipt_from_json(text)) (void)verify_receipt(*r, daemon.public_key());
  (void)open_payload(text, kNotificationDomain, daemon.public_key());
  (void)decode_notification(text);
  (void)invite_from_json(text);
  if (auto c = invite_chain_from_json(text)) {
    (void)verify_invite_chain(*c);
    (void)follow_invite_chain(*c, daemon.public_key(), 0);
  }
  (void)RevocationJournal::parse(text, "fuzz", nullptr);
  return 0;
}
