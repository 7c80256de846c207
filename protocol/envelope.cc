#include "protocol/envelope.h"

#include "protocol/wiping_json.h"

#include <sodium.h>

#include <algorithm>

#include "protocol/envelope_format.h"
#include "protocol/envelope_testing.h"

namespace cw {
namespace {

using namespace envelope;

Bytes outer_header(const KeyId& recipient) {
  ByteWriter w;
  w.raw(kMagic).u8(kVersion).raw(recipient);
  return w.take();
}

// M || sig, padded to the bucket. Fails when the alert does not fit.
Result<Bytes> padded_signed_message(std::string_view canonical, const AlertId& alert_id,
                                    std::int64_t created_at, const SigningKey& sender,
                                    const PublicKey& daemon_box_pk) {
  if (daemon_box_pk.kind != KeyKind::box)
    return make_error(Errc::bad_key_file, "the daemon key to seal to is not a box key");
  if (canonical.size() > kMaxAlertBytes)
    return make_error(Errc::alert_too_large, "the alert does not fit in an envelope");
  ByteWriter m;
  m.reserve(kBucket);  // one buffer, wiped by the caller: no stale copy from growing
  m.raw(kDomain).u8(kVersion).raw(daemon_box_pk.id()).raw(daemon_box_pk.bytes);
  m.raw(sender.id()).raw(alert_id).u64(static_cast<std::uint64_t>(created_at));
  m.u16(kAlertSchemaVersion).u32(static_cast<std::uint32_t>(canonical.size())).raw(canonical);
  const Signature sig = sender.sign(m.bytes());
  m.raw(sig);
  Bytes p = m.take();
  p.reserve(kBucket);
  const std::size_t unpadded = p.size();
  if (unpadded >= kBucket)
    return make_error(Errc::alert_too_large, "the alert does not fit in an envelope");
  p.resize(kBucket);
  std::size_t padded = 0;
  if (sodium_pad(&padded, p.data(), unpadded, kBucket, p.size()) != 0 || padded != kBucket)
    return make_error(Errc::internal_error, "padding failed");
  return p;
}

Error err(Errc c, std::string m) {
  return make_error(c, std::move(m));
}

}  // namespace

Result<Bytes> seal_envelope(const Alert& alert, const AlertId& alert_id, std::int64_t created_at,
                            const SigningKey& sender, const PublicKey& daemon_box_pk) {
  init_crypto();
  std::string canonical = canonical_alert(alert);
  auto p = padded_signed_message(canonical, alert_id, created_at, sender, daemon_box_pk);
  wipe_string(canonical);
  if (!p) return p.error();
  Bytes wire = outer_header(daemon_box_pk.id());
  const std::size_t off = wire.size();
  wire.resize(kWireSize);
  const int rc =
      crypto_box_seal(wire.data() + off, p->data(), p->size(), daemon_box_pk.bytes.data());
  wipe(p->data(), p->size());
  if (rc != 0) return make_error(Errc::internal_error, "sealing failed");
  return wire;
}

Status check_envelope_header(ByteView wire, const KeyId& recipient_box_key_id) {
  if (wire.size() < kMagic.size())
    return err(Errc::truncated, "envelope is shorter than its header");
  if (!std::equal(kMagic.begin(), kMagic.end(), wire.begin()))
    return err(Errc::bad_magic, "not a casewire envelope");
  if (wire.size() < kOuterHeaderSize)
    return err(Errc::truncated, "envelope is shorter than its header");
  if (wire[4] != kVersion)
    return err(Errc::unsupported_version, "envelope version is not supported");
  if (!std::equal(recipient_box_key_id.begin(), recipient_box_key_id.end(), wire.begin() + 5))
    return err(Errc::wrong_recipient, "envelope is addressed to another key");
  if (wire.size() < kWireSize) return err(Errc::truncated, "envelope is truncated");
  if (wire.size() > kWireSize) return err(Errc::trailing_bytes, "envelope has trailing bytes");
  return Status::Ok();
}

Result<OpenedAlert> open_envelope(ByteView wire, const BoxKey& daemon_box,
                                  const SenderLookup& lookup, const OpenOptions& options) {
  const PublicKey& box_pk = daemon_box.public_key();
  CW_TRY(check_envelope_header(wire, box_pk.id()));

  Bytes p(kBucket);
  if (crypto_box_seal_open(p.data(), wire.data() + kOuterHeaderSize, kSealOverhead + kBucket,
                           box_pk.bytes.data(), daemon_box.secret().data()) != 0)
    return err(Errc::decrypt_failed, "envelope could not be decrypted");
  // The plaintext holds names and notes: wipe it whatever happens next.
  struct Wiper {
    Bytes& b;
    ~Wiper() { wipe(b.data(), b.size()); }
  } wiper{p};

  std::size_t len = 0;
  if (sodium_unpad(&len, p.data(), p.size(), kBucket) != 0)
    return err(Errc::bad_padding, "envelope padding is invalid");
  if (len < kInnerHeaderSize + kSignatureSize)
    return err(Errc::malformed_envelope, "signed message is too short");
  const std::size_t msg_len = len - kSignatureSize;
  ByteView msg(p.data(), msg_len);
  ByteView sig(p.data() + msg_len, kSignatureSize);

  ByteReader r(msg);
  auto domain = r.raw(kDomain.size());
  const auto version = r.u8();
  const auto recipient = r.fixed<kKeyIdSize>();
  const auto inner_pk = r.fixed<kPublicKeySize>();
  OpenedAlert out;
  out.sender = r.fixed<kKeyIdSize>();
  out.alert_id = r.fixed<16>();
  out.created_at = static_cast<std::int64_t>(r.u64());
  const auto schema = r.u16();
  const auto alert_len = r.u32();
  if (!r.ok() || !std::equal(kDomain.begin(), kDomain.end(), domain.begin()))
    return err(Errc::malformed_envelope, "signed message has the wrong domain");
  if (alert_len != r.remaining())
    return err(Errc::malformed_envelope, "alert length does not match the signed message");
  // The outer header is not authenticated by the sealed box: it must agree
  // with the signed copy, and the signed copy must name this daemon's key
  // (stops re-addressing: an alert signed for daemon A, re-sealed to B).
  if (version != kVersion || recipient != box_pk.id() || inner_pk != box_pk.bytes)
    return err(Errc::header_mismatch, "envelope was signed for another recipient or version");
  if (schema != kAlertSchemaVersion)
    return err(Errc::unsupported_version, "alert schema version is not supported");

  auto sender_pk = lookup(out.sender);
  if (!sender_pk) return sender_pk.error();
  if (options.verify_counter) options.verify_counter->fetch_add(1, std::memory_order_relaxed);
  if (!verify_signature(*sender_pk, msg, sig))
    return err(Errc::bad_signature, "signature does not verify");

  if (out.created_at > options.now + kMaxFutureSkew)
    return err(Errc::future_timestamp, "envelope is dated too far in the future");

  auto alert = parse_canonical_alert(r.rest(), options.now);
  if (!alert) return alert.error();
  out.alert = std::move(alert.value());
  out.canonical.assign(as_chars(r.rest()));
  return out;
}

std::array<std::uint8_t, 32> envelope_hash(ByteView wire) {
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), wire.data(), wire.size(), nullptr, 0);
  return h;
}

namespace testing {

Result<Bytes> build_padded_plaintext(std::string_view alert_bytes, const AlertId& alert_id,
                                     std::int64_t created_at, const SigningKey& sender,
                                     const PublicKey& daemon_box_pk) {
  return padded_signed_message(alert_bytes, alert_id, created_at, sender, daemon_box_pk);
}

Bytes seal_raw(ByteView plaintext, const PublicKey& daemon_box_pk) {
  Bytes wire = outer_header(daemon_box_pk.id());
  const std::size_t off = wire.size();
  wire.resize(off + kSealOverhead + plaintext.size());
  crypto_box_seal(wire.data() + off, plaintext.data(), plaintext.size(),
                  daemon_box_pk.bytes.data());
  return wire;
}

Result<Bytes> seal_envelope_with_ephemeral(const Alert& alert, const AlertId& alert_id,
                                           std::int64_t created_at, const SigningKey& sender,
                                           const PublicKey& daemon_box_pk,
                                           const BoxKey& ephemeral) {
  std::string canonical = canonical_alert(alert);
  auto p = padded_signed_message(canonical, alert_id, created_at, sender, daemon_box_pk);
  wipe_string(canonical);
  if (!p) return p.error();
  Bytes wire = outer_header(daemon_box_pk.id());
  const auto& epk = ephemeral.public_key().bytes;
  std::uint8_t nonce[crypto_box_NONCEBYTES];
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, sizeof nonce);
  crypto_generichash_update(&st, epk.data(), epk.size());
  crypto_generichash_update(&st, daemon_box_pk.bytes.data(), daemon_box_pk.bytes.size());
  crypto_generichash_final(&st, nonce, sizeof nonce);
  wire.insert(wire.end(), epk.begin(), epk.end());
  const std::size_t off = wire.size();
  wire.resize(off + crypto_box_MACBYTES + p->size());
  if (crypto_box_easy(wire.data() + off, p->data(), p->size(), nonce, daemon_box_pk.bytes.data(),
                      ephemeral.secret().data()) != 0)
    return make_error(Errc::internal_error, "sealing failed");
  return wire;
}

}  // namespace testing
}  // namespace cw
