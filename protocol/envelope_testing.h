// Test-only seam: seal with a fixed ephemeral key so known-answer vectors are
// reproducible. It builds the same construction as libsodium's crypto_box_seal
// (nonce = BLAKE2b-192(epk || pk), ciphertext = epk || crypto_box(...)), so
// real envelopes and vector envelopes open through the same code.
// Production code must call seal_envelope (random ephemeral key) instead.
#pragma once

#include "protocol/envelope.h"

namespace cw::testing {

Result<Bytes> seal_envelope_with_ephemeral(const Alert& alert, const AlertId& alert_id,
                                           std::int64_t created_at, const SigningKey& sender,
                                           const PublicKey& daemon_box_pk, const BoxKey& ephemeral);

// The signed-and-padded plaintext before sealing, over arbitrary alert bytes
// (for tampering and non-canonical-alert tests).
Result<Bytes> build_padded_plaintext(std::string_view alert_bytes, const AlertId& alert_id,
                                     std::int64_t created_at, const SigningKey& sender,
                                     const PublicKey& daemon_box_pk);

// Seals arbitrary plaintext in a v1 envelope addressed to daemon_box_pk.
Bytes seal_raw(ByteView plaintext, const PublicKey& daemon_box_pk);

}  // namespace cw::testing
