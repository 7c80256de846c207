#include "keys/rotate.h"

#include <filesystem>
#include <ostream>
#include <utility>

#include "daemon/keyring.h"
#include "daemon/rotation.h"
#include "keys/tls_cert.h"
#include "protocol/file_io.h"
#include "protocol/invite_update.h"
#include "protocol/key_file.h"
#include "protocol/timefmt.h"
#include "protocol/tls_pin.h"
#include "protocol/url.h"
#include "trust/daemon_dir.h"

namespace cw::keys {
namespace {

Error usage(std::string m) {
  return make_error(Errc::bad_request, std::move(m));
}

std::string when(std::int64_t t) {
  return format_rfc3339(t).substr(0, 10);
}

}  // namespace

Status rotate(const RotateOptions& o, std::ostream& out) {
  if (!o.box && !o.sign && !o.tls_next && !o.tls_activate)
    return usage("say what to rotate: --box, --sign, --tls-next or --tls-activate");
  if (o.tls_next && o.tls_activate) return usage("--tls-next and --tls-activate are two steps");
  if (o.urls.empty()) return usage("--url is required (the daemon's URLs, as in invites)");
  for (const auto& u : o.urls)
    if (auto p = parse_daemon_url(u); !p) return p.error();
  if (o.grace_days == 0 || o.grace_days > 365) return usage("--grace-days must be 1 to 365");
  const DaemonDir d{o.dir};
  const std::int64_t now = unix_now();
  const std::int64_t until = now + std::int64_t{86400} * o.grace_days;

  auto text = read_file(d.identity(), 64 << 10);
  if (!text) return text.error();
  const bool insecure = identity_file_is_insecure(as_chars(*text));
  auto old = open_identity_file(as_chars(*text), PassphraseSource{o.passphrase_file, insecure},
                                "casewired key passphrase: ");
  wipe(text->data(), text->size());
  if (!old) return old.error();
  if (old->role != Role::daemon || !old->box)
    return make_error(Errc::bad_key_file, d.identity() + " is not a daemon identity");

  // The next identity: new keys where asked, the same master secret (the
  // store's keys, tags and pseudonyms derive from it and must not change).
  Identity next{Role::daemon,
                o.sign ? SigningKey::generate() : SigningKey::from_seed(old->sign.seed().view()),
                o.box ? BoxKey::generate() : BoxKey::from_secret(old->box->secret().view()),
                SecretBytes::copy_of(old->master.view())};
  daemon::Keyring ring(std::move(*old));  // the old keys: wraps, and signs the update

  // 1. What the daemon must still honour (written first: a crash after it
  //    leaves the old key both current and retired, which is harmless).
  auto record = daemon::load_rotation(d.rotation(), ring);
  if (!record) return record.error();
  std::erase_if(record->boxes, [&](const auto& b) { return b.until < now; });
  std::erase_if(record->signers, [&](const auto& s) { return s.until < now; });
  if (o.box) record->boxes.push_back({BoxKey::from_secret(ring.box().secret().view()), until});
  if (o.sign) record->signers.push_back({ring.signing().id(), until});
  if (o.box || o.sign) CW_TRY(daemon::save_rotation(d.rotation(), *record, ring));

  // 2. TLS: a new key is announced first and used only when activated, so
  //    clients learn its pin over connections the old one still serves.
  if (o.tls_next)
    CW_TRY(generate_self_signed_cert({d.tls_next_cert(), d.tls_next_key()}, o.tls_names, true));
  if (o.tls_activate) {
    if (!file_exists(d.tls_next_cert()) || !file_exists(d.tls_next_key()))
      return usage("no announced TLS key: run rotate --tls-next first, and wait for clients");
    // Each step checked: a certificate left beside the wrong key would
    // stop the daemon from starting.
    const std::pair<std::string, std::string> steps[] = {{d.tls_cert(), d.dir + "/tls.old.crt"},
                                                         {d.tls_key(), d.dir + "/tls.old.key"},
                                                         {d.tls_next_cert(), d.tls_cert()},
                                                         {d.tls_next_key(), d.tls_key()}};
    for (const auto& [from, to] : steps) {
      std::error_code ec;
      std::filesystem::rename(from, to, ec);
      if (ec)
        return make_error(Errc::io_error, "could not switch the TLS key (" + from + " -> " + to +
                                              "): " + ec.message() + "; fix the files by hand");
    }
  }
  auto pin = spki_pin_of_pem_file(d.tls_cert());
  if (!pin) return pin.error();
  InviteUpdate u;
  u.tls_pins = {*pin};
  if (file_exists(d.tls_next_cert())) {
    auto next_pin = spki_pin_of_pem_file(d.tls_next_cert());
    if (!next_pin) return next_pin.error();
    u.tls_pins.push_back(*next_pin);
  }

  // 3. The invite update, signed by the key clients trust now.
  std::uint32_t previous = 0;
  if (auto prior = read_file(d.invite_update(), 1 << 20); prior.ok())
    previous = invite_update_sequence(as_chars(*prior));
  u.sequence = previous + 1;
  u.issued_at = now;
  u.urls = o.urls;
  u.daemon_sign = next.sign.public_key();
  u.daemon_box = next.box->public_key();
  const std::string update = sign_invite_update(u, ring.signing());
  CW_TRY(write_file_atomic(d.invite_update(), as_bytes(update), 0644, Overwrite::yes));

  // 4. The new identity, under the same passphrase.
  if (o.box || o.sign) {
    SecretFileOptions so;
    so.insecure_no_passphrase = insecure;
    so.passphrase_file = o.passphrase_file;
    so.force = true;
    CW_TRY(write_identity_files(next, d.identity(), d.public_keys(), so));
  }

  out << "invite update " << u.sequence << " written to " << d.invite_update() << " (signed by key "
      << key_id_hex(ring.signing().id()) << ", which clients trust now)\n";
  if (o.sign)
    out << "  new signing key " << key_id_hex(next.sign.id()) << "; requests made for the old one"
        << " are accepted until " << when(until) << "\n";
  if (o.box)
    out << "  new box key     " << key_id_hex(next.box->id()) << "; alerts sealed to the old one"
        << " are accepted until " << when(until) << ", then refused (retired_key)\n";
  if (o.tls_next) out << "  next TLS key announced: " << u.tls_pins.back() << " (not used yet)\n";
  if (o.tls_activate) out << "  TLS key switched: the daemon now presents " << *pin << "\n";
  out << "next: restart casewired (systemctl restart casewired); clients apply the update on "
         "their next send or flush, or with 'casewire update-invite'\n";
  return Status::Ok();
}

}  // namespace cw::keys
