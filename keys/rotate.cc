#include "keys/rotate.h"

#include <ostream>
#include <utility>

#include "daemon/keyring.h"
#include "daemon/rotation.h"
#include "daemon/store/open_store.h"
#include "keys/commands.h"
#include "keys/tls_cert.h"
#include "protocol/case_log.h"
#include "protocol/file_io.h"
#include "protocol/invite_update.h"
#include "protocol/key_file.h"
#include "protocol/timefmt.h"
#include "protocol/tls_pin.h"
#include "protocol/url.h"
#include "trust/daemon_dir.h"
#include "trust/dir_transaction.h"
#include "trust/instance_lock.h"

namespace cw::keys {
namespace {

Error usage(std::string m) {
  return make_error(Errc::bad_request, std::move(m));
}

std::string when(std::int64_t t) {
  return format_rfc3339(t).substr(0, 10);
}

// The case log as it stands, signed by the key being replaced: the link's
// handover head (protocol/invite_update.h). A store that does not exist yet
// (a daemon that never ran) has an empty log.
Result<TreeHead> last_head(const std::string& db, const daemon::Keyring& ring, std::int64_t now) {
  const bool uri = db.starts_with("postgresql://") || db.starts_with("postgres://");
  if (!uri && !file_exists(db)) return sign_tree_head(ring.signing(), 0, merkle::root({}), now);
  auto store = daemon::open_store({db, 1, nullptr, &ring});
  if (!store) return store.error();
  const std::uint64_t size = (*store)->log_size();
  const merkle::Hash root = (*store)->log_root(size);
  (*store)->close();
  return sign_tree_head(ring.signing(), size, root, now);
}

Status finish(const DaemonDir& d, std::ostream& out) {
  auto f = finish_pending(d.dir, DaemonDir::kRotation);
  if (!f) return f.error();
  switch (*f) {
    case Finished::nothing_pending:
      out << "no interrupted rotation in " << d.dir << "\n";
      break;
    case Finished::discarded:
      out << "discarded an interrupted rotation that had not been committed: the keys in use are "
             "the ones from before it; run rotate again\n";
      break;
    case Finished::completed:
      out << "finished the interrupted rotation: its new keys and invite update are in place\n"
          << "next: restart casewired (systemctl restart casewired)\n";
      break;
  }
  return Status::Ok();
}

}  // namespace

Status rotate(const RotateOptions& o, std::ostream& out) {
  CW_TRY(refuse_foreign_instance(o.dir));
  const DaemonDir d{o.dir};
  // One writer at a time (a second rotate, a revoke) for the whole command.
  auto lock = InstanceLock::acquire(d.dir);
  if (!lock) return lock.error();
  if (o.finish) return finish(d, out);
  if (!o.box && !o.sign && !o.tls_next && !o.tls_activate)
    return usage("say what to rotate: --box, --sign, --tls-next or --tls-activate");
  if (o.tls_next && o.tls_activate) return usage("--tls-next and --tls-activate are two steps");
  if (o.urls.empty()) return usage("--url is required (the daemon's URLs, as in invites)");
  for (const auto& u : o.urls)
    if (auto p = parse_daemon_url(u); !p) return p.error();
  if (o.grace_days == 0 || o.grace_days > 365) return usage("--grace-days must be 1 to 365");
  // An interrupted rotation: one that never reached its commit point
  // changed nothing and is dropped; a committed one is finished first, on
  // purpose (--finish), so that nobody rotates twice without knowing it.
  switch (pending_state(d.dir, DaemonDir::kRotation)) {
    case PendingState::none:
      break;
    case PendingState::uncommitted:
      CW_TRY(finish(d, out));
      break;
    case PendingState::committed:
      return make_error(Errc::file_exists,
                        pending_dir(d.dir, DaemonDir::kRotation) +
                            " holds an interrupted rotation that was committed: run "
                            "casewire-keys rotate --dir " +
                            d.dir + " --finish first, restart the daemon, then rotate again");
  }
  if (o.tls_activate && (!file_exists(d.tls_next_cert()) || !file_exists(d.tls_next_key())))
    return usage("no announced TLS key: run rotate --tls-next first, and wait for clients");
  const std::int64_t now = unix_now();
  const std::int64_t until = now + std::int64_t{86400} * o.grace_days;

  // 1. Every question first: nothing is written until both passphrases are
  //    known, so a Ctrl-C at any prompt leaves the directory untouched.
  auto text = read_file(d.identity(), 64 << 10);
  if (!text) return text.error();
  const bool insecure = identity_file_is_insecure(as_chars(*text));
  const auto kdf = identity_file_kdf(as_chars(*text)).value_or(KdfParams::moderate());
  std::optional<SecretBytes> passphrase;
  if (!insecure) {
    auto p = PassphraseSource{o.passphrase_file}.get("casewired key passphrase: ", false);
    if (!p) {
      wipe(text->data(), text->size());
      return p.error();
    }
    passphrase = std::move(*p);
  }
  auto old = open_identity(as_chars(*text), [&]() -> Result<SecretBytes> {
    return SecretBytes::copy_of(passphrase->view());
  });
  wipe(text->data(), text->size());
  if (!old) return old.error();
  if (old->role != Role::daemon || !old->box)
    return make_error(Errc::bad_key_file, d.identity() + " is not a daemon identity");
  const bool rekey = o.box || o.sign;
  if (rekey && (o.new_passphrase || !o.new_passphrase_file.empty())) {
    auto p = PassphraseSource{o.new_passphrase_file}.get("New passphrase for daemon.key: ", true);
    if (!p) return p.error();
    passphrase = std::move(*p);
  }

  // 2. Everything the new state consists of, computed in memory.
  // The next identity: new keys where asked, the same master secret (the
  // store's keys, tags and pseudonyms derive from it and must not change).
  Identity next{Role::daemon,
                o.sign ? SigningKey::generate() : SigningKey::from_seed(old->sign.seed().view()),
                o.box ? BoxKey::generate() : BoxKey::from_secret(old->box->secret().view()),
                SecretBytes::copy_of(old->master.view())};
  daemon::Keyring ring(std::move(*old));  // the old keys: wraps, and signs the update
  auto record = daemon::load_rotation(d.rotation(), ring);
  if (!record) return record.error();
  std::erase_if(record->boxes, [&](const auto& b) { return b.until < now; });
  std::erase_if(record->signers, [&](const auto& s) { return s.until < now; });
  if (o.box) record->boxes.push_back({BoxKey::from_secret(ring.box().secret().view()), until});
  if (o.sign) record->signers.push_back({ring.signing().id(), until});

  InviteChain chain;
  if (auto prior = read_file(d.invite_update(), 1 << 20); prior.ok()) {
    auto c = invite_chain_from_json(as_chars(*prior));
    if (!c) return make_error(c.code(), d.invite_update() + ": " + c.error().message);
    chain = std::move(*c);
  } else if (prior.code() != Errc::not_found) {
    return prior.error();
  } else {
    chain.genesis = ring.signing().public_key();  // the first rotation starts the chain
  }
  auto walked = verify_invite_chain(chain);
  if (!walked) return make_error(walked.code(), d.invite_update() + ": " + walked.error().message);
  if (!walked->empty() && walked->back().daemon_sign != ring.signing().public_key())
    return make_error(Errc::bad_config, d.invite_update() +
                                            " does not end with this daemon's signing key: it was "
                                            "not written for these keys; restore it from a backup");
  auto head = last_head(o.db.empty() ? d.database() : o.db, ring, now);
  if (!head) return head.error();

  // 3. Staged, then installed as one.
  auto txn = DirTransaction::begin(d.dir, DaemonDir::kRotation);
  if (!txn) return txn.error();
  auto staged = [&]() -> Status {
    std::string cert = d.tls_cert();
    if (o.tls_next) {
      CW_TRY(generate_self_signed_cert(
          {txn->staged_path("tls.next.crt"), txn->staged_path("tls.next.key")}, o.tls_names, true));
      txn->install("tls.next.crt");
      txn->install("tls.next.key");
      // The key the switch before replaced is long out of use: it goes,
      // rather than into every backup for good.
      txn->remove("tls.old.crt");
      txn->remove("tls.old.key");
    }
    if (o.tls_activate) {
      // The announced key becomes the key in use; the one it replaces is
      // kept beside it (tls.old.*) in case the switch has to be undone.
      for (const auto& [from, to] :
           {std::pair{d.tls_cert(), "tls.old.crt"}, std::pair{d.tls_key(), "tls.old.key"},
            std::pair{d.tls_next_cert(), "tls.crt"}, std::pair{d.tls_next_key(), "tls.key"}}) {
        auto bytes = read_file(from, 1 << 20);
        if (!bytes) return bytes.error();
        const bool secret = std::string_view(to).ends_with(".key");
        auto st = txn->stage(to, *bytes, secret ? 0600 : 0644);
        wipe(bytes->data(), bytes->size());
        CW_TRY(st);
      }
      txn->remove("tls.next.crt");
      txn->remove("tls.next.key");
      cert = d.tls_next_cert();
    }
    InviteUpdate u;
    auto pin = spki_pin_of_pem_file(cert);
    if (!pin) return pin.error();
    u.tls_pins = {*pin};
    const std::string announced = o.tls_next       ? txn->staged_path("tls.next.crt")
                                  : o.tls_activate ? std::string()
                                                   : d.tls_next_cert();
    if (!announced.empty() && file_exists(announced)) {
      auto next_pin = spki_pin_of_pem_file(announced);
      if (!next_pin) return next_pin.error();
      u.tls_pins.push_back(*next_pin);
    }
    u.sequence = invite_chain_sequence(chain) + 1;
    u.issued_at = now;
    u.urls = o.urls;
    u.daemon_sign = next.sign.public_key();
    u.daemon_box = next.box->public_key();
    u.log_head = *head;
    chain.links.push_back(sign_invite_update(u, ring.signing()));
    // The chain as the daemon and every client will check it, before it is
    // committed: one that would not verify must never be installed.
    auto check = verify_invite_chain(chain);
    if (!check) return check.error();
    if (check->back().daemon_sign != next.sign.public_key() ||
        check->back().daemon_box != next.box->public_key())
      return make_error(Errc::internal_error, "the new link does not name the new keys");
    CW_TRY(txn->stage("invite-update.json", as_bytes(invite_chain_to_json(chain)), 0644));
    if (rekey) {
      CW_TRY(txn->stage("rotation.json", as_bytes(daemon::rotation_to_json(*record, ring)), 0600));
      auto sealed = seal_identity(next, passphrase ? &*passphrase : nullptr, kdf);
      if (!sealed) return sealed.error();
      CW_TRY(txn->stage("daemon.key", as_bytes(*sealed), 0600));
      CW_TRY(txn->stage(
          "daemon.pub",
          as_bytes(format_public_key_file(next.public_keys(), "casewire daemon public key")),
          0644));
    }
    return Status::Ok();
  }();
  if (!staged.ok()) {
    txn->abandon();
    return staged;
  }
  if (auto st = txn->commit(); !st.ok())
    return make_error(st.code(), st.error().message + "; run casewire-keys rotate --dir " + d.dir +
                                     " --finish once the cause is fixed");

  const std::uint32_t sequence = invite_chain_sequence(chain);
  out << "invite update " << sequence << " written to " << d.invite_update() << " (signed by key "
      << key_id_hex(ring.signing().id()) << ", which clients trust now; the log's last head, "
      << head->size << " events, signed with it)\n";
  if (o.sign)
    out << "  new signing key " << key_id_hex(next.sign.id()) << "; requests made for the old one"
        << " are accepted until " << when(until) << "\n";
  if (o.box)
    out << "  new box key     " << key_id_hex(next.box->id()) << "; alerts sealed to the old one"
        << " are accepted until " << when(until) << ", then refused (retired_key)\n";
  if (rekey)
    out << "  daemon.key is sealed under "
        << (insecure ? "no passphrase (insecure)"
            : o.new_passphrase || !o.new_passphrase_file.empty()
                ? "the NEW passphrase: change the service's passphrase credential before the "
                  "restart (docs/OPERATIONS.md §9)"
                : "the same passphrase as before")
        << "\n";
  if (o.tls_next) out << "  next TLS key announced (not used yet)\n";
  if (o.tls_activate) out << "  TLS key switched: the daemon presents it after a restart\n";
  out << "next: "
      << (o.tls_next ? "reload casewired (systemctl reload casewired) to announce it"
                     : "restart casewired (systemctl restart casewired)")
      << "; clients apply the update on their next send or flush, or with 'casewire "
         "update-invite'\n"
      << "then: make a backup (casewire-keys backup): one from before this rotation does not "
         "hold its keys\n";
  return Status::Ok();
}

}  // namespace cw::keys
