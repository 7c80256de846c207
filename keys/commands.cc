#include "keys/commands.h"

#include <sys/stat.h>

#include <sqlite3.h>

#include <cctype>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <ostream>

#include "daemon/keyring.h"
#include "keys/tls_cert.h"
#include "protocol/file_io.h"
#include "protocol/gazetteer.h"
#include "protocol/invite.h"
#include "protocol/invite_update.h"
#include "protocol/key_file.h"
#include "protocol/timefmt.h"
#include "protocol/tls_pin.h"
#include "protocol/url.h"
#include "protocol/webhook_secret.h"
#include "trust/daemon_dir.h"
#include "trust/instance_lock.h"
#include "trust/revocation_journal.h"
#include "trust/trust_store.h"

namespace cw::keys {
namespace {

constexpr mode_t kPublicMode = S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH;

Error usage(std::string m) {
  return make_error(Errc::bad_request, std::move(m));
}

// Writes an identity's secret file and FILE.pub, refusing to clobber either.

Status check_regions(const std::vector<std::string>& regions) {
  for (const auto& r : regions) {
    auto p = find_place(r);
    if (!p || p->kind != PlaceKind::region)
      return usage("'" + r + "' is not a region code of the gazetteer");
  }
  return Status::Ok();
}

// The trust store as the daemon sees it: the revocation journal applied over
// trust.json (what `list` shows, and what a command that saves writes back).
// The journal is checked under the key its header names here; the daemon
// checks that key is its own.
Result<TrustStore> load_trust(const DaemonDir& d) {
  if (!file_exists(d.trust()))
    return make_error(Errc::not_found,
                      d.trust() + " not found (run casewire-keys init --dir " + d.dir + ")");
  auto ts = TrustStore::load(d.trust());
  if (!ts) return ts.error();
  auto journal = RevocationJournal::load(d.revocations(), nullptr);
  if (!journal && journal.code() != Errc::not_found) return journal.error();
  if (journal) journal->apply(*ts);
  return ts;
}

// A key the journal revoked is never enrolled or added again: re-adding it
// (say, after a restore from before it was enrolled) would undo a revocation.
Status refuse_revoked(const DaemonDir& d, const KeyId& id) {
  auto journal = RevocationJournal::load(d.revocations(), nullptr);
  if (!journal && journal.code() != Errc::not_found) return journal.error();
  if (journal && journal->revoked(id))
    return make_error(Errc::forbidden, "key " + key_id_hex(id) +
                                           " was revoked (revocations.journal): a revoked key is "
                                           "never trusted again; make a new one");
  return Status::Ok();
}

// Writes one revocation to the journal (trust/revocation_journal.h) before
// trust.json is changed: a crash between the two leaves the key revoked by
// the journal, which the daemon applies over trust.json.
Status journal_revocation(const DaemonDir& d, const std::string& passphrase_file, const KeyId& id,
                          bool org, std::int64_t now) {
  auto text = read_file(d.identity(), 64 << 10);
  if (!text) return text.error();
  const bool insecure = identity_file_is_insecure(as_chars(*text));
  wipe(text->data(), text->size());
  auto ring = daemon::Keyring::load(d.dir, PassphraseSource{passphrase_file, insecure});
  if (!ring) return ring.error();
  const SigningKey signer = ring->revocation_signer();
  auto journal = RevocationJournal::load(d.revocations(), &signer.public_key());
  if (!journal && journal.code() != Errc::not_found) return journal.error();
  RevocationJournal j = journal ? std::move(*journal) : RevocationJournal(signer.public_key());
  return j.append(d.revocations(), signer, id, org, now);
}

std::string journal_advice(const DaemonDir& d) {
  return "copy " + d.revocations() +
         " off this server, beside the backup key: a restore from an older backup needs it "
         "(docs/OPERATIONS.md section 7)";
}

Result<PublicKeySet> load_pub(const std::string& path) {
  auto content = read_file(path, 64 << 10);
  if (!content) return content.error();
  return parse_public_key_file(as_chars(*content));
}

std::string starter_config(const InitOptions& o, const std::string& abs_dir) {
  std::string c;
  c += "# casewired configuration, written by casewire-keys init.\n";
  c += "# Every setting is explained in docs/OPERATOR.md.\n\n";
  c += "[keys]\n";
  c += "dir = \"" + abs_dir + "\"\n";
  c += "# passphrase_file = \"/path/to/passphrase\"   # under systemd, leave unset: the daemon\n";
  c += "#   reads the LoadCredential=passphrase:... credential by itself\n";
  if (o.secret.insecure_no_passphrase)
    c += "insecure_unencrypted_key = true   # daemon.key has NO passphrase "
         "(--insecure-no-passphrase): demos only\n";
  c += "\n";
  c += "[listen]\n";
  c += "address = \"" + o.listen + "\"\n";
  c += "admin = \"" + o.admin_listen + "\"\n\n";
  c += "[store]\n";
  c += "path = \"" + DaemonDir{abs_dir}.database() + "\"\n\n";
  c += "[limits]\n";
  c += "# max_connections = 256\n";
  c += "# header_timeout_ms = 10000\n";
  c += "# body_timeout_ms = 20000\n";
  c += "# per_ip_per_minute = 600   # 0 disables (set 0 behind Tor: all clients are 127.0.0.1)\n";
  return c;
}

}  // namespace

Status init(const InitOptions& o, std::ostream& out) {
  if (o.dir.empty()) return usage("--dir is required");
  CW_TRY(make_dirs(o.dir, S_IRWXU));
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(o.dir, ec).lexically_normal().string();
  DaemonDir d{abs};
  if (!o.secret.force && file_exists(d.identity()))
    return make_error(Errc::file_exists,
                      d.identity() + " exists (use --force to replace the daemon identity)");
  auto id = Identity::generate(Role::daemon);
  CW_TRY(write_identity_files(id, d.identity(), d.public_keys(), o.secret));
  CW_TRY(generate_self_signed_cert({d.tls_cert(), d.tls_key()}, o.tls_names, true));
  if (!file_exists(d.trust())) CW_TRY(TrustStore::empty().save(d.trust()));
  // The operator's gazetteer to edit (facilities, names), never overwritten.
  if (!file_exists(d.gazetteer()))
    CW_TRY(write_file_atomic(d.gazetteer(), as_bytes(Gazetteer::default_text()), kPublicMode,
                             Overwrite::no));
  if (!file_exists(d.config()) || o.secret.force)
    CW_TRY(write_file_atomic(d.config(), as_bytes(starter_config(o, abs)), kPublicMode,
                             Overwrite::yes));
  auto pin = spki_pin_of_pem_file(d.tls_cert());
  if (!pin) return pin.error();
  out << "daemon identity created in " << abs << "\n"
      << "  signing key " << key_id_hex(id.sign.id()) << "\n"
      << "  box key     " << key_id_hex(id.box->id()) << "\n"
      << "  TLS pin     " << *pin << "\n"
      << "  config      " << d.config() << "\n";
  return Status::Ok();
}

Status new_identity(Role role, const std::string& path, const SecretFileOptions& o,
                    std::ostream& out) {
  if (path.empty()) return usage("--out is required");
  auto id = Identity::generate(role);
  CW_TRY(write_identity_files(id, path, path + ".pub", o));
  // A backup key is named by its box key, as every backup made for it is.
  out << role_name(role) << " key "
      << key_id_hex(role == Role::backup ? id.box->id() : id.sign.id()) << "\n"
      << "  secret " << path << "\n"
      << "  public " << path << ".pub (give this file to the operator)\n";
  return Status::Ok();
}

Status refuse_foreign_instance(const std::string& dir) {
  return refuse_root_in_foreign_dir(dir, "casewire-keys ...");
}

Status enroll(const EnrollOptions& o, std::ostream& out) {
  CW_TRY(refuse_foreign_instance(o.dir));
  if (o.label.empty()) return usage("--label is required");
  CW_TRY(check_regions(o.regions));
  if (o.rate_per_hour == 0) return usage("--rate must be at least 1 per hour");
  DaemonDir d{o.dir};
  auto pub = load_pub(o.pub_file);
  if (!pub) return pub.error();
  auto lock = InstanceLock::acquire(d.dir);
  if (!lock) return lock.error();
  auto ts = load_trust(d);
  if (!ts) return ts.error();
  CW_TRY(refuse_revoked(d, pub->sign.id()));
  ContactEntry e{pub->sign, o.label,    o.regions, o.rate_per_hour,
                 false,     unix_now(), 0,         std::nullopt};
  if (!o.replaces.empty()) {
    auto old = parse_key_id(o.replaces);
    if (!old) return usage("--replaces takes a KEYID: 16 lower-case hex digits");
    e.replaces = *old;
  }
  const auto replaced = e.replaces;
  const std::int64_t now = unix_now();
  // In memory first (it checks the replacement is allowed), then the
  // journal, then trust.json on disk.
  CW_TRY(ts->enroll_contact(std::move(e), now));
  if (replaced) CW_TRY(journal_revocation(d, o.passphrase_file, *replaced, false, now));
  CW_TRY(ts->save(d.trust()));
  out << "enrolled contact " << key_id_hex(pub->sign.id()) << " (" << o.label << ")\n";
  if (!o.replaces.empty())
    out << "it replaces " << o.replaces << ", which is now revoked; the cases reported with "
        << o.replaces << " can be followed up with the new key\n"
        << journal_advice(d) << "\n";
  out << "a running casewired picks this up on SIGHUP\n";
  return Status::Ok();
}

Status revoke(const RevokeOptions& o, std::ostream& out) {
  CW_TRY(refuse_foreign_instance(o.dir));
  auto id = parse_key_id(o.key_id);
  if (!id) return usage("KEYID must be 16 lower-case hex digits");
  DaemonDir d{o.dir};
  auto lock = InstanceLock::acquire(d.dir);
  if (!lock) return lock.error();
  auto ts = load_trust(d);
  if (!ts) return ts.error();
  const bool org = ts->find_org(*id) != nullptr;
  if (!org && !ts->find_contact(*id))
    return make_error(Errc::not_found, "no contact or organisation has key id " + o.key_id);
  const bool already = org ? ts->find_org(*id)->revoked : ts->find_contact(*id)->revoked;
  const std::int64_t now = unix_now();
  CW_TRY(journal_revocation(d, o.passphrase_file, *id, org, now));
  CW_TRY(ts->revoke(*id, now));
  CW_TRY(ts->save(d.trust()));
  out << (already ? "already revoked " : "revoked ") << o.key_id << "\n"
      << "a running casewired applies this on SIGHUP\n"
      << journal_advice(d) << "\n";
  return Status::Ok();
}

namespace {

// A filter list of enum names; {"all"} (set-org) or nothing means every value.
template <class E, class Parse>
Result<std::vector<E>> parse_filter(const std::vector<std::string>& names, Parse parse,
                                    const char* what, const char* choices) {
  std::vector<E> out;
  if (names.size() == 1 && names[0] == "all") return out;
  for (const auto& n : names) {
    auto v = parse(n);
    if (!v) return usage(std::string("unknown ") + what + " '" + n + "' (" + choices + ")");
    out.push_back(*v);
  }
  return out;
}

Result<std::vector<Urgency>> parse_urgencies(const std::vector<std::string>& names) {
  return parse_filter<Urgency>(names, parse_urgency, "urgency", "immediate, high, normal");
}

Result<std::vector<AlertKind>> parse_kinds(const std::vector<std::string>& names) {
  return parse_filter<AlertKind>(names, parse_alert_kind, "kind",
                                 "new_case, update, resolved, retraction");
}

Result<NotificationFormat> parse_format(const std::string& f) {
  if (f == "cap") return NotificationFormat::cap;
  if (f == "json") return NotificationFormat::json;
  if (f == "sealed") return NotificationFormat::sealed;
  return usage("--format must be json, cap or sealed");
}

// Sealing needs the organisation's box key (a key made by an old
// casewire-keys may have none).
Status check_sealable(const OrgEntry& e) {
  if (e.sub.format == NotificationFormat::sealed && !e.box_key)
    return usage(
        "--sealed needs the organisation's box key, and this key has none: ask the "
        "organisation for a new key (casewire-keys new-org)");
  return Status::Ok();
}

// A pin replaces the CA and host-name check for one receiver: only over
// https, and only a well-formed SPKI pin.
Status check_webhook_pin(const std::string& pin, const std::string& url) {
  if (pin.empty()) return Status::Ok();
  if (!is_spki_pin(pin))
    return usage(
        "--webhook-pin must be sha256/ + base64 of the receiver key's SHA-256 "
        "(openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | "
        "openssl dgst -sha256 -binary | base64)");
  if (url.rfind("https://", 0) != 0) return usage("--webhook-pin needs an https:// webhook");
  return Status::Ok();
}

Status check_webhook_url(const std::string& url, bool allow_private) {
  auto t = parse_webhook_url(url);
  if (!t)
    return usage("--webhook: " + t.error().message + " (plain http only to loopback, for tests)");
  // Literal internal addresses and localhost names are refused here; names
  // that resolve to one are refused by the daemon at delivery time.
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(t->host, ec);
  const bool local_name = t->host == "localhost" || t->host.ends_with(".localhost");
  if (!allow_private && (local_name || (!ec && is_internal_address(addr))))
    return usage(
        "--webhook points at a loopback, private or link-local address (this server's own "
        "services, or "
        "a cloud metadata endpoint); add --allow-private-webhook if that is really meant");
  return Status::Ok();
}

Result<SecretBytes> read_webhook_secret(const std::string& path) {
  auto text = read_file(path, 4096);
  if (!text) return text.error();
  auto s = parse_webhook_secret(as_chars(*text));
  wipe(text->data(), text->size());
  return s;
}

// A new webhook secret reaches the organisation sealed to its box key in a
// file (protocol/sealed_secret.h), never on this terminal; only an
// organisation key without a box key gets it printed, once.
Status hand_over_secret(std::ostream& out, const OrgEntry& org, const std::string& secret_out) {
  if (!org.box_key) {
    out << "webhook secret (shown once; this organisation's key has no box key to seal it to - "
           "prefer a key made with casewire-keys new-org):\n"
        << format_webhook_secret(org.sub.webhook_secret) << "\n";
    return Status::Ok();
  }
  // The default file name comes from the organisation's name, kept to
  // characters that cannot leave the current directory or confuse a shell.
  std::string safe_name = org.name;
  for (char& c : safe_name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  const std::string path = secret_out.empty() ? safe_name + ".webhook-secret" : secret_out;
  if (auto st = write_file_atomic(
          path, as_bytes(seal_webhook_secret(org.sub.webhook_secret, org.key, *org.box_key)), 0600,
          Overwrite::no);
      !st.ok())
    // Before the trust store is saved, so nothing changed: say how to go on.
    return make_error(st.code(), st.error().message + " (as " + this_user() +
                                     "; nothing was changed: run it from a directory this user "
                                     "can write, or give --secret-out PATH)");
  out << "webhook secret sealed to organisation " << key_id_hex(org.key.id()) << " in " << path
      << "\ngive them this file; they open it with: casewire webhook-secret --key ORG.key " << path
      << "\n";
  return Status::Ok();
}

// {"all"} clears a filter (empty = everything).
bool means_all(const std::vector<std::string>& v) {
  return v.size() == 1 && v[0] == "all";
}

}  // namespace

Status add_org(const AddOrgOptions& o, std::ostream& out) {
  CW_TRY(refuse_foreign_instance(o.dir));
  if (o.name.empty()) return usage("--name is required");
  CW_TRY(check_regions(o.regions));
  DaemonDir d{o.dir};
  auto pub = load_pub(o.pub_file);
  if (!pub) return pub.error();
  auto lock = InstanceLock::acquire(d.dir);
  if (!lock) return lock.error();
  auto ts = load_trust(d);
  if (!ts) return ts.error();
  CW_TRY(refuse_revoked(d, pub->sign.id()));
  OrgEntry e{pub->sign, pub->box, o.name, false, unix_now(), 0, {}};
  e.sub.regions = o.regions;
  auto urgencies = parse_urgencies(o.urgencies);
  if (!urgencies) return urgencies.error();
  e.sub.urgencies = std::move(*urgencies);
  auto kinds = parse_kinds(o.kinds);
  if (!kinds) return kinds.error();
  e.sub.kinds = std::move(*kinds);
  auto format = parse_format(o.sealed ? "sealed" : o.format);
  if (!format) return format.error();
  if (o.sealed && o.format != "json")
    return usage("--sealed replaces --format: a sealed notification is signed JSON, sealed");
  e.sub.format = *format;
  CW_TRY(check_sealable(e));
  e.sub.cleared_private = o.cleared_private;
  e.sub.escalation = o.escalation;
  e.sub.feed = !o.no_feed;
  bool print_secret = false;
  if (!o.webhook_url.empty()) {
    CW_TRY(check_webhook_url(o.webhook_url, o.allow_private_webhook));
    CW_TRY(check_webhook_pin(o.webhook_pin, o.webhook_url));
    e.sub.webhook_url = o.webhook_url;
    e.sub.webhook_pin = o.webhook_pin;
    if (!o.webhook_secret_file.empty()) {
      auto s = read_webhook_secret(o.webhook_secret_file);
      if (!s) return s.error();
      e.sub.webhook_secret = std::move(*s);
    } else {
      e.sub.webhook_secret = SecretBytes::random(32);
      print_secret = true;
    }
  }
  CW_TRY(ts->add_org(std::move(e)));
  // Handed over before the trust store is saved: if the file cannot be
  // written, nothing changed.
  if (print_secret) CW_TRY(hand_over_secret(out, *ts->find_org(pub->sign.id()), o.secret_out));
  CW_TRY(ts->save(d.trust()));
  out << "added organisation " << key_id_hex(pub->sign.id()) << " (" << o.name << ")\n";
  out << "a running casewired picks this up on SIGHUP\n";
  return Status::Ok();
}

Status set_org(const SetOrgOptions& o, std::ostream& out) {
  CW_TRY(refuse_foreign_instance(o.dir));
  auto id = parse_key_id(o.key_id);
  if (!id) return usage("KEYID must be 16 lower-case hex digits");
  if (o.rotate_secret && !o.webhook_secret_file.empty())
    return usage("--rotate-secret and --webhook-secret-file exclude each other");
  DaemonDir d{o.dir};
  auto lock = InstanceLock::acquire(d.dir);
  if (!lock) return lock.error();
  auto ts = load_trust(d);
  if (!ts) return ts.error();
  OrgEntry* e = ts->find_org_mutable(*id);
  if (!e) return make_error(Errc::not_found, "no organisation has key id " + o.key_id);
  if (e->revoked) return make_error(Errc::forbidden, "organisation " + o.key_id + " is revoked");
  auto& sub = e->sub;
  std::vector<std::string> changed;

  bool endpoint_changed = false;
  bool print_secret = false;
  if (o.webhook_url) {
    if (o.webhook_url->empty()) {
      if (!o.webhook_secret_file.empty() || o.rotate_secret)
        return usage(
            "--no-webhook cannot be combined with --rotate-secret or --webhook-secret-file");
      sub.webhook_url.clear();
      sub.webhook_secret = SecretBytes();
      sub.webhook_pin.clear();
      changed.emplace_back("webhook removed");
    } else {
      CW_TRY(check_webhook_url(*o.webhook_url, o.allow_private_webhook));
      endpoint_changed = sub.webhook_url != *o.webhook_url;
      sub.webhook_url = *o.webhook_url;
      changed.emplace_back("webhook");
      // A first webhook needs a secret; an existing one is kept unless asked.
      if (sub.webhook_secret.empty() && o.webhook_secret_file.empty()) {
        sub.webhook_secret = SecretBytes::random(32);
        print_secret = true;
      }
    }
  }
  if (o.webhook_pin) {
    if (sub.webhook_url.empty())
      return usage("this organisation has no webhook (give --webhook URL)");
    CW_TRY(check_webhook_pin(*o.webhook_pin, sub.webhook_url));
    endpoint_changed = endpoint_changed || sub.webhook_pin != *o.webhook_pin;
    sub.webhook_pin = *o.webhook_pin;
    changed.emplace_back(o.webhook_pin->empty() ? "webhook pin removed" : "webhook pin");
  } else if (o.webhook_url && !o.webhook_url->empty() && !sub.webhook_pin.empty()) {
    CW_TRY(check_webhook_pin(sub.webhook_pin, sub.webhook_url));  // a pin needs https
  }
  if (o.rotate_secret || !o.webhook_secret_file.empty()) {
    if (sub.webhook_url.empty())
      return usage("this organisation has no webhook (give --webhook URL)");
    if (o.rotate_secret) {
      sub.webhook_secret = SecretBytes::random(32);
      print_secret = true;
    } else {
      auto s = read_webhook_secret(o.webhook_secret_file);
      if (!s) return s.error();
      sub.webhook_secret = std::move(*s);
    }
    endpoint_changed = true;
    changed.emplace_back("webhook secret");
  }
  if (o.regions) {
    if (means_all(*o.regions)) {
      sub.regions.clear();
    } else {
      CW_TRY(check_regions(*o.regions));
      sub.regions = *o.regions;
    }
    changed.emplace_back("regions");
  }
  if (o.urgencies) {
    auto v = parse_urgencies(*o.urgencies);
    if (!v) return v.error();
    sub.urgencies = std::move(*v);
    changed.emplace_back("urgency");
  }
  if (o.kinds) {
    auto v = parse_kinds(*o.kinds);
    if (!v) return v.error();
    sub.kinds = std::move(*v);
    changed.emplace_back("kinds");
  }
  if (o.format) {
    auto f = parse_format(*o.format);
    if (!f) return f.error();
    sub.format = *f;
    CW_TRY(check_sealable(*e));
    changed.emplace_back("format");
  }
  if (o.cleared_private) {
    sub.cleared_private = *o.cleared_private;
    changed.emplace_back("private clearance");
  }
  if (o.escalation) {
    sub.escalation = *o.escalation;
    changed.emplace_back("escalation");
  }
  if (o.feed) {
    sub.feed = *o.feed;
    changed.emplace_back("feed");
  }
  if (o.reenable) {
    if (sub.webhook_url.empty()) return usage("this organisation has no webhook to re-enable");
    changed.emplace_back("re-enabled");
  }
  if (changed.empty()) return usage("nothing to change (see casewire-keys set-org --help)");
  if (endpoint_changed || o.reenable) ++sub.webhook_generation;

  if (print_secret) CW_TRY(hand_over_secret(out, *e, o.secret_out));
  CW_TRY(ts->save(d.trust()));
  out << "updated organisation " << o.key_id << ":";
  for (std::size_t i = 0; i < changed.size(); ++i) out << (i ? ", " : " ") << changed[i];
  out << "\n";
  if (endpoint_changed || o.reenable)
    out << "on SIGHUP a running casewired retries this webhook, including notifications it had "
           "given up on\n";
  else
    out << "a running casewired picks this up on SIGHUP\n";
  return Status::Ok();
}

Status invite(const InviteOptions& o, std::ostream& out) {
  if (o.urls.empty()) return usage("at least one --url is required");
  if (o.out_path.empty()) return usage("--out is required");
  DaemonDir d{o.dir};
  auto pub = load_pub(d.public_keys());
  if (!pub) return pub.error();
  if (!pub->box) return make_error(Errc::bad_key_file, d.public_keys() + " has no box key");
  auto pin = spki_pin_of_pem_file(d.tls_cert());
  if (!pin) return pin.error();
  Invite inv;
  inv.urls = o.urls;
  inv.tls_pin = *pin;
  inv.daemon_sign = pub->sign;
  inv.daemon_box = *pub->box;
  // The gazetteer as the daemon signed it when it last started: contacts
  // and organisations see its names from the first minute.
  if (auto g = read_file(d.gazetteer_signed(), 4 << 20); g.ok())
    inv.gazetteer = std::string(as_chars(*g));
  // After a rotation: the announced next TLS key, and the update this
  // invite already reflects (so the client does not apply it again).
  if (file_exists(d.tls_next_cert())) {
    auto next = spki_pin_of_pem_file(d.tls_next_cert());
    if (!next) return next.error();
    inv.extra_pins = {*next};
  }
  if (auto u = read_file(d.invite_update(), 1 << 20); u.ok())
    if (auto c = invite_chain_from_json(as_chars(*u)); c.ok())
      inv.sequence = invite_chain_sequence(*c);
  for (const auto& u : o.urls)
    if (auto p = parse_daemon_url(u); !p) return p.error();
  CW_TRY(write_file_atomic(o.out_path, as_bytes(invite_to_json(inv)), kPublicMode,
                           o.force ? Overwrite::yes : Overwrite::no));
  out << "invite written to " << o.out_path << "\n"
      << "  " << o.urls.size() << " URL(s), TLS pin " << *pin << "\n";
  return Status::Ok();
}

// Webhook health as the daemon last recorded it (read-only; the database may
// not exist yet, or be elsewhere: then nothing is shown).
struct HealthRow {
  std::string state;
  std::int64_t generation = 0;
};
static std::map<std::string, HealthRow> webhook_states(const DaemonDir& d) {
  std::map<std::string, HealthRow> out;
  if (!file_exists(d.database())) return out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(d.database().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT org, state, generation FROM webhook_health", -1, &s,
                           nullptr) == SQLITE_OK)
      while (sqlite3_step(s) == SQLITE_ROW)
        out[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] = {
            reinterpret_cast<const char*>(sqlite3_column_text(s, 1)), sqlite3_column_int64(s, 2)};
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

Status list(const std::string& dir, std::ostream& out) {
  DaemonDir d{dir};
  auto ts = load_trust(d);
  if (!ts) return ts.error();
  const auto health = webhook_states(d);
  auto day = [](std::int64_t t) { return format_rfc3339(t).substr(0, 10); };
  for (const auto& c : ts->contacts()) {
    out << "contact  " << key_id_hex(c.key.id()) << "  " << std::left << std::setw(9)
        << (c.revoked ? "revoked" : "active") << day(c.enrolled_at) << "  " << c.label << "\n";
  }
  for (const auto& g : ts->orgs()) {
    out << "org      " << key_id_hex(g.key.id()) << "  " << std::left << std::setw(9)
        << (g.revoked ? "revoked" : "active") << day(g.added_at) << "  " << g.name;
    if (!g.sub.webhook_url.empty()) {
      auto h = health.find(key_id_hex(g.key.id()));
      out << "  webhook=" << (h == health.end() ? "ok" : h->second.state);
      if (h != health.end() && h->second.state != "ok" &&
          h->second.generation < g.sub.webhook_generation)
        out << "(retried after SIGHUP)";
    }
    if (g.sub.feed) out << "  feed";
    if (g.sub.cleared_private) out << "  cleared-private";
    if (g.sub.escalation) out << "  escalation";
    out << "\n";
  }
  return Status::Ok();
}

}  // namespace cw::keys
