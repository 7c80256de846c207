#include "client/commands.h"

#include <sodium.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "client/context.h"
#include "client/daemon_keys.h"
#include "client/error_words.h"
#include "client/guided_send.h"
#include "client/home.h"
#include "client/messages.h"
#include "client/outbox.h"
#include "client/receipts.h"
#include "client/rotation.h"
#include "client/submit.h"
#include "protocol/envelope.h"
#include "protocol/file_io.h"
#include "protocol/timefmt.h"

namespace cw::client {
namespace {

std::string receipt_text(const Receipt& r, bool repeat) {
  std::string s =
      (repeat ? tr("delivered earlier; the daemon confirms its receipt") : tr("delivered")) + "\n";
  s += "  " + trf("alert id     {1}", {to_hex(r.alert_id)}) + "\n";
  s += "  " + trf("sequence     {1}", {std::to_string(r.sequence)}) + "\n";
  s += "  " + trf("received at  {1}", {format_rfc3339(r.received_at)}) + "\n";
  s += "  " + trf("signed by    daemon key {1} (verified)", {key_id_hex(r.daemon_key_id)}) + "\n";
  return s;
}

// An alert's kind as a contact reads it; the wire name in English, where
// scripts read these lists.
std::string kind_in_words(const std::string& kind) {
  if (kind == "new_case") return tr("new_case");
  if (kind == "update") return tr("update");
  if (kind == "resolved") return tr("resolved");
  if (kind == "retraction") return tr("retraction");
  return kind;
}

// The detail of a failed attempt: as it came in English; in another
// language, the contact's sentence for the code first.
std::string in_words(const Error& e) {
  if (language() == "en") return e.message;
  return plain_error(e.code) + " (" + e.message + ")";
}

// The receipt as JSON, with the case log's head it came with (when it has
// one): `--json` output of send, deliver, outbox flush and receipts.
std::string receipt_json(const Receipt& r, const std::optional<LogEvidence>& log) {
  std::string s = receipt_to_json(r);
  if (log) {
    s.pop_back();
    s += ",\"tree_head\":" + tree_head_to_json(log->head) + "}";
  }
  return s;
}

// A receipted alert whose receipt this device could not store.
std::string receipt_not_saved_text(const Error& e) {
  return trf(
      "the daemon recorded the alert, but this device could not save its receipt ({1}: "
      "{2}); the alert stays in the outbox: run 'casewire outbox flush' when there is "
      "space again, to fetch the receipt",
      {std::string(code_name(e.code)), in_words(e)});
}

// Reports one delivery attempt and returns the exit status it stands for.
int report(const DeliveryResult& d, const Globals& g, std::ostream& out, std::ostream& err) {
  if (d.update_applied && !g.json)
    err << trf("the daemon has new keys; this device follows them (invite update {1})",
               {std::to_string(d.update_applied)})
        << "\n";
  switch (d.outcome) {
    case Outcome::receipted:
      if (g.json)
        out << receipt_json(d.receipt, d.log) << "\n";
      else
        out << receipt_text(d.receipt, d.repeat);
      if (d.receipt_not_saved) {
        err << receipt_not_saved_text(*d.receipt_not_saved) << "\n";
        return kExitQueued;
      }
      break;
    case Outcome::rejected:
      err << trf("refused by the daemon ({1}): {2}.",
                 {std::string(code_name(d.error.code)), plain_refusal(d.error.code)})
          << "\n"
          << tr("The alert stays in your outbox, marked as refused, and will not be sent again; "
                "remove it with 'casewire outbox drop ID' when you have dealt with it.")
          << "\n";
      break;
    case Outcome::deferred:
      err << trf("not delivered yet ({1}: {2}); the alert is kept in the outbox: run 'casewire "
                 "outbox flush' later",
                 {std::string(code_name(d.error.code)), in_words(d.error)})
          << "\n";
      break;
    case Outcome::untrusted:
      err << trf("NOT delivered: {1}: {2}",
                 {std::string(code_name(d.error.code)), in_words(d.error)})
          << "\n"
          << tr("the alert is kept in the outbox") << "\n";
      break;
  }
  return exit_status(d.outcome);
}

AlertId case_of(const Alert& a, const AlertId& own) {
  return a.case_ref ? *a.case_ref : own;
}

// Delivers one outbox entry and settles it: receipt stored and entry
// removed; or, on a final refusal, the entry kept and marked refused; or
// attempts and last_error recorded for the next try.
DeliveryResult settle(const Globals& g, ClientContext& ctx, const Identity& id, Outbox& outbox,
                      ReceiptStore& receipts, OutboxEntry meta, ByteView wire,
                      const AlertId& case_ref) {
  auto d = deliver(wire, &meta.id, ctx.invite, ctx.transport);
  // The daemon announced a newer invite update (a key rotation): apply it -
  // it must be signed by the key this device trusts - and, if the receipt
  // did not verify under the old key, ask again (the repeat is answered
  // with the same recorded alert, signed by the new key).
  if (d.update_announced > ctx.invite.sequence) {
    std::ostringstream quiet;
    bool applied = false;
    if (apply_invite_update(g, ctx, id, quiet, quiet, &applied) == kExitOk && applied) {
      if (d.outcome == Outcome::untrusted) {
        // Recorded by the first answer (its receipt was signed by the new
        // key): the second is the same record, new if the first was.
        const bool first_repeat = d.repeat;
        d = deliver(wire, &meta.id, ctx.invite, ctx.transport);
        if (d.outcome == Outcome::receipted) d.repeat = first_repeat;
      }
      d.update_applied = ctx.invite.sequence;
    }
  }
  if (d.outcome == Outcome::receipted) {
    // The receipt is stored before the envelope is removed: a crash between
    // the two leaves a resend, never a forgotten alert. A receipt that could
    // not be stored keeps the envelope too: without either, nothing on the
    // device could show or fetch the proof that the alert arrived.
    if (auto st = receipts.put({d.receipt, case_ref, meta.kind, d.log}); !st.ok()) {
      d.receipt_not_saved = st.error();
      meta.attempts++;
      meta.last_error = std::string(code_name(st.error().code));
      (void)outbox.update(meta);
    } else {
      (void)outbox.remove(meta.id);
    }
  } else if (d.outcome == Outcome::rejected) {
    // Never deleted on a refusal: the contact decides (outbox drop).
    meta.attempts++;
    meta.refused = std::string(code_name(d.error.code));
    meta.last_error = meta.refused;
    (void)outbox.update(meta);
  } else {
    meta.attempts++;
    meta.last_error = std::string(code_name(d.error.code));
    (void)outbox.update(meta);
  }
  return d;
}

Result<Bytes> seal_for(const Globals& g, const ClientHome& home, const Invite& inv, const Alert& a,
                       const AlertId& id, std::int64_t now) {
  auto ident = load_identity(g, home, "");
  if (!ident) return ident.error();
  return seal_envelope(a, id, now, ident->sign, inv.daemon_box);
}

}  // namespace

Result<Alert> build_alert(const AlertFlags& f, std::int64_t now) {
  if (!f.alert_file.empty()) {
    auto text = read_file(f.alert_file, 64 << 10);
    if (!text) return text.error();
    auto a = parse_alert_json(as_chars(*text), now);
    wipe(text->data(), text->size());
    return a;
  }
  Alert a;
  std::string kind = f.kind.empty() ? (f.update_case.empty() ? "new_case" : "update") : f.kind;
  auto k = parse_alert_kind(kind);
  if (!k)
    return make_error(Errc::invalid_alert,
                      tr("--kind must be new_case, update, resolved or retraction"));
  a.kind = *k;
  if (!f.update_case.empty()) {
    auto id = parse_alert_id(f.update_case);
    if (!id)
      return make_error(Errc::invalid_alert,
                        tr("--update needs the case's alert id (32 hex digits)"));
    a.case_ref = *id;
  }
  if (!f.status.empty()) {
    auto s = parse_case_status(f.status);
    if (!s)
      return make_error(Errc::invalid_alert,
                        tr("--status must be detained, transferred, released or returned"));
    a.status = *s;
  }
  if (f.people)
    a.people = People{*f.people, f.children.value_or(0), f.elderly.value_or(0), f.sick.value_or(0)};
  if (!f.arrest_place.empty()) a.arrest_place = Place{f.arrest_place, ""};
  if (!f.held_place.empty()) a.held_place = Place{f.held_place, ""};
  auto time_flag = [](const std::string& s,
                      const char* name) -> Result<std::optional<std::int64_t>> {
    if (s.empty()) return std::optional<std::int64_t>();
    auto t = parse_rfc3339(s);
    if (!t)
      return make_error(Errc::invalid_alert,
                        trf("{1} must look like 2026-11-28T14:05:00Z", {name}));
    return std::optional<std::int64_t>(*t);
  };
  auto arrested = time_flag(f.arrested_at, "--arrested-at");
  if (!arrested) return arrested.error();
  a.arrested_at = *arrested;
  if (!a.arrested_at && a.kind == AlertKind::new_case) a.arrested_at = now;
  auto transfer = time_flag(f.expected_transfer, "--transfer");
  if (!transfer) return transfer.error();
  a.expected_transfer = *transfer;
  if (!f.urgency.empty()) {
    auto u = parse_urgency(f.urgency);
    if (!u)
      return make_error(Errc::invalid_alert, tr("--urgency must be immediate, high or normal"));
    a.urgency = *u;
  }
  if (!f.consent.empty()) {
    auto c = parse_consent(f.consent);
    if (!c) return make_error(Errc::invalid_alert, tr("--consent must be private or advocacy"));
    a.consent = *c;
  }
  CW_TRY(validate_alert(a, now));
  return a;
}

int cmd_new_key(const Globals& g, const std::string& out_path, bool force, std::ostream& out,
                std::ostream& err) {
  SecretFileOptions o;
  o.insecure_no_passphrase = g.insecure_no_passphrase;
  o.passphrase_file = g.passphrase_file;
  o.force = force;
  auto id = Identity::generate(Role::contact);
  if (auto st = write_identity_files(id, out_path, out_path + ".pub", o); !st.ok())
    return fail(err, st.error());
  out << trf("your key {1}", {key_id_hex(id.sign.id())}) << "\n"
      << "  " << trf("secret {1} (stays on this device)", {out_path}) << "\n"
      << "  " << trf("public {1}.pub (give this file to the operator)", {out_path}) << "\n";
  return kExitOk;
}

int cmd_init(const Globals& g, const std::string& invite, const std::string& key, bool force,
             std::ostream& out, std::ostream& err) {
  ClientHome home(resolve_home(g.home));
  auto st = home.init(invite, key, force, g.insecure_no_passphrase);
  if (!st.ok()) return fail(err, st.error());
  auto inv = home.invite();
  out << trf("casewire is set up in {1}", {home.dir()}) << "\n"
      << "  " << trf("daemon {1}", {inv->urls.front()})
      << (inv->urls.size() > 1 ? " " + tr("(+ fallbacks)") : "") << "\n"
      << "  " << (key.empty() ? tr("key    none (deliver only)") : tr("key    installed")) << "\n";
  if (!key.empty() && g.insecure_no_passphrase)
    err << tr("warning: if this key has no passphrase, anyone holding this device can send alerts "
              "as you")
        << "\n";
  return kExitOk;
}

bool no_alert_options(const AlertFlags& f) {
  return f.alert_file.empty() && f.kind.empty() && f.update_case.empty() && f.status.empty() &&
         !f.people && !f.children && !f.elderly && !f.sick && f.arrest_place.empty() &&
         f.held_place.empty() && f.arrested_at.empty() && f.expected_transfer.empty() &&
         f.urgency.empty() && f.consent.empty();
}

int cmd_send(const Globals& g, const AlertFlags& f, std::ostream& out, std::ostream& err) {
  const auto now = unix_now();
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  const auto& home = ctx->home;
  const auto* inv = &ctx->invite;
  Result<Alert> a = make_error(Errc::invalid_alert, "");
  // The identity once: it signs the alert, opens this device's sealed
  // receipts (client/device_files.h) and any key update's request.
  std::optional<Identity> ident;
  if (no_alert_options(f)) {
    // On a terminal, ask step by step; from a script, say what is missing.
    if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO))
      return fail(err, make_error(Errc::invalid_alert,
                                  tr("no alert given: use --alert FILE or the options (casewire "
                                     "send --help), or run casewire send in a terminal to be "
                                     "asked")));
    auto opened = load_identity(g, home, "");
    if (!opened) return fail(err, opened.error());
    ident = std::move(*opened);
    std::vector<StoredReceipt> own;
    const DeviceFiles files(*ident);
    if (auto list = ReceiptStore(home.receipts_dir(), files).list())
      for (auto& r : *list)
        if (r.kind == "new_case") own.push_back(std::move(r));
    const auto places = active_gazetteer();
    GuidedInput io{std::cin, out, *places, std::move(own), now};
    auto guided = ask_for_alert(io);
    if (!guided) return kExitUsage;
    a = std::move(*guided);
  } else {
    // Validate locally first: a bad alert never touches the network.
    a = build_alert(f, now);
  }
  if (!a) return fail(err, a.error());
  if (!ident) {
    auto opened = load_identity(g, home, "");
    if (!opened) {
      wipe_alert(*a);
      return fail(err, opened.error());
    }
    ident = std::move(*opened);
  }
  const AlertId id = random_alert_id();
  Result<Bytes> wire = seal_envelope(*a, id, now, ident->sign, inv->daemon_box);
  const AlertId case_ref = case_of(*a, id);
  const std::string kind(to_string(a->kind));
  wipe_alert(*a);
  if (!wire) return fail(err, wire.error());

  Outbox outbox(home.outbox_dir());
  OutboxEntry meta{id, kind, now, 0, "", case_ref, ""};
  if (auto st = outbox.put(meta, *wire); !st.ok()) return fail(err, st.error());
  const DeviceFiles files(*ident);
  ReceiptStore receipts(home.receipts_dir(), files);
  auto d = settle(g, *ctx, *ident, outbox, receipts, meta, *wire, case_ref);
  return report(d, g, out, err);
}

int cmd_export(const Globals& g, const AlertFlags& f, const std::string& out_file,
               std::ostream& out, std::ostream& err) {
  const auto now = unix_now();
  ClientHome home(resolve_home(g.home));
  auto inv = home.invite();
  if (!inv) return fail(err, inv.error());
  auto a = build_alert(f, now);
  if (!a) return fail(err, a.error());
  const AlertId id = random_alert_id();
  auto wire = seal_for(g, home, *inv, *a, id, now);
  wipe_alert(*a);
  if (!wire) return fail(err, wire.error());
  if (auto st = write_file_atomic(out_file, *wire, 0600, Overwrite::no); !st.ok())
    return fail(err, st.error());
  if (g.json)
    out << R"({"alert_id":")" << to_hex(id) << R"(","file":")" << out_file << "\"}\n";
  else
    out << trf("sealed alert {1} written to {2}", {to_hex(id), out_file}) << "\n"
        << trf("anyone can carry it: 'casewire deliver {1}' needs no key", {out_file}) << "\n";
  return kExitOk;
}

int cmd_deliver(const Globals& g, const std::string& file, const std::vector<std::string>& servers,
                std::ostream& out, std::ostream& err) {
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  const auto* inv = &ctx->invite;
  const auto* t = &ctx->transport;
  auto wire = read_file(file, 64 << 10);
  if (!wire) return fail(err, wire.error());
  // The alert id is sealed inside; the receipt tells it, and is checked
  // against the envelope's hash.
  auto d = deliver(*wire, nullptr, *inv, *t, servers);
  return report(d, g, out, err);
}

int cmd_outbox_list(const Globals& g, std::ostream& out, std::ostream& err) {
  ClientHome home(resolve_home(g.home));
  if (auto st = home.check_exists(); !st.ok()) return fail(err, st.error());
  auto list = Outbox(home.outbox_dir()).list();
  if (!list) return fail(err, list.error());
  for (const auto& e : *list) {
    // The fields keep their English keys (attempts=, last_error=) for
    // scripts; the words around them follow the language.
    out << to_hex(e.id) << "  " << (e.kind.empty() ? "?" : kind_in_words(e.kind)) << "  "
        << (e.created_at ? format_rfc3339(e.created_at) : "-") << "  "
        << trf("attempts={1}", {std::to_string(e.attempts)});
    if (!e.refused.empty())
      out << "  "
          << trf("REFUSED ({1}): {2}", {e.refused, plain_refusal(code_from_name(e.refused))});
    else if (!e.last_error.empty())
      out << "  " << trf("last_error={1}", {e.last_error}) << " ("
          << plain_error(code_from_name(e.last_error)) << ")";
    out << "\n";
  }
  // Said only to a person: for a script an empty outbox is an empty output.
  if (list->empty() && !g.json && ::isatty(STDOUT_FILENO))
    out << tr("the outbox is empty: every alert was delivered") << "\n";
  return kExitOk;
}

int cmd_outbox_flush(const Globals& g, bool watch, std::ostream& out, std::ostream& err) {
  auto backoff = std::chrono::seconds(5);
  std::optional<Identity> ident;  // asked for once, kept for a --watch
  for (;;) {
    // Reloaded every round: a re-issued invite or a new proxy setting applies
    // to a long-running --watch too.
    auto ctx = load_context(g);
    if (!ctx) return fail(err, ctx.error());
    if (!ident) {
      auto opened = load_identity(g, ctx->home, "");
      if (!opened) return fail(err, opened.error());
      ident = std::move(*opened);
    }
    const DeviceFiles files(*ident);
    Outbox outbox(ctx->home.outbox_dir());
    ReceiptStore receipts(ctx->home.receipts_dir(), files);
    outbox.sweep();
    auto list = outbox.list();
    if (!list) return fail(err, list.error());
    int worst = kExitOk;
    std::size_t delivered = 0, left = 0;
    std::size_t refused = 0;
    for (const auto& e : *list) {
      if (!e.refused.empty()) {  // refused for good earlier: kept for the contact, not resent
        ++refused;
        continue;
      }
      auto wire = outbox.envelope(e.id);
      if (!wire) continue;
      auto d = settle(g, *ctx, *ident, outbox, receipts, e, *wire, e.case_ref);
      if (d.outcome == Outcome::receipted && d.receipt_not_saved) {
        // Shown as send shows it: the receipt is all the proof there is
        // until it can be saved.
        ++left;
        if (g.json) out << receipt_json(d.receipt, d.log) << "\n";
        err << to_hex(e.id) << ": " << receipt_not_saved_text(*d.receipt_not_saved) << "\n";
        worst = std::max(worst, kExitQueued);
      } else if (d.outcome == Outcome::receipted) {
        ++delivered;
        if (g.json)
          out << receipt_json(d.receipt, d.log) << "\n";
        else
          out << trf("delivered {1} (sequence {2})",
                     {to_hex(e.id), std::to_string(d.receipt.sequence)})
              << "\n";
      } else {
        if (d.outcome == Outcome::rejected)
          ++refused;
        else
          ++left;
        err << to_hex(e.id) << ": " << code_name(d.error.code) << ": "
            << (d.outcome == Outcome::rejected ? plain_refusal(d.error.code) : in_words(d.error))
            << "\n";
        worst = std::max(worst, exit_status(d.outcome));
      }
    }
    if (!g.json) {
      out << trf("{1} delivered, {2} still in the outbox",
                 {std::to_string(delivered), std::to_string(left)});
      if (refused)
        out << ", " << trf("{1} refused (see 'casewire outbox list')", {std::to_string(refused)});
      out << "\n";
    }
    if (!watch || left == 0) return worst;
    // Exponential backoff with jitter so many clients coming back online at
    // once do not arrive in lockstep.
    auto jitter = std::chrono::milliseconds(randombytes_uniform(1000));
    std::this_thread::sleep_for(backoff + jitter);
    backoff = std::min<std::chrono::seconds>(backoff * 2, std::chrono::minutes(5));
  }
}

int cmd_outbox_drop(const Globals& g, const std::string& id_text, bool yes, std::istream& in,
                    std::ostream& out, std::ostream& err) {
  ClientHome home(resolve_home(g.home));
  if (auto st = home.check_exists(); !st.ok()) return fail(err, st.error());
  auto id = parse_alert_id(id_text);
  if (!id)
    return fail(err, make_error(Errc::bad_request,
                                tr("ID must be the 32 hex digits shown by 'casewire outbox "
                                   "list'")));
  Outbox outbox(home.outbox_dir());
  auto list = outbox.list();
  if (!list) return fail(err, list.error());
  const auto it =
      std::find_if(list->begin(), list->end(), [&](const OutboxEntry& e) { return e.id == *id; });
  if (it == list->end())
    return fail(err, make_error(Errc::not_found, tr("no alert with this id is in the outbox")));
  if (!yes) {
    // A queued alert may be the only copy of a report: never drop one on a
    // single keystroke or from a script that did not say so.
    if (!::isatty(STDIN_FILENO))
      return fail(err,
                  make_error(Errc::bad_request, tr("not a terminal: add --yes to drop the alert")));
    if (it->refused.empty()) err << tr("This alert has NOT been delivered yet.") << " ";
    err << tr("Drop it from the outbox for good? Type 'yes' to confirm: ");
    std::string answer;
    if (!std::getline(in, answer) || answer != "yes") {
      err << tr("kept") << "\n";
      return kExitUsage;
    }
  }
  if (auto st = outbox.remove(*id); !st.ok()) return fail(err, st.error());
  out << trf("dropped {1}", {to_hex(*id)}) << "\n";
  return kExitOk;
}

int cmd_receipts(const Globals& g, std::ostream& out, std::ostream& err) {
  ClientHome home(resolve_home(g.home));
  if (auto st = home.check_exists(); !st.ok()) return fail(err, st.error());
  // Sealed under the identity (client/device_files.h): the passphrase first.
  auto ident = load_identity(g, home, "");
  if (!ident) return fail(err, ident.error());
  const DeviceFiles files(*ident);
  auto list = ReceiptStore(home.receipts_dir(), files).list();
  if (!list) return fail(err, list.error());
  auto inv = home.invite();
  // Each receipt under the key that signed it: after a rotation the old
  // ones are still the daemon's (client/daemon_keys.h).
  auto keys = inv ? DaemonKeys::load(home, *inv) : Result<DaemonKeys>(inv.error());
  for (const auto& r : *list) {
    const PublicKey* k = keys ? keys->find(r.receipt.daemon_key_id) : nullptr;
    const bool ok = k && verify_receipt(r.receipt, *k).ok();
    if (g.json) {
      out << R"({"alert_id":")" << to_hex(r.receipt.alert_id) << R"(","case":")"
          << to_hex(r.case_ref) << R"(","kind":")" << r.kind << R"(","sequence":)"
          << r.receipt.sequence << R"(,"received_at":)" << r.receipt.received_at;
      if (r.receipt.log) out << R"(,"log_index":)" << r.receipt.log->index;
      if (r.receipt.promise) out << R"(,"log_include_by":)" << r.receipt.promise->include_by;
      if (r.log) out << R"(,"tree_head":)" << tree_head_to_json(r.log->head);
      out << R"(,"verified":)" << (ok ? "true" : "false") << "}\n";
    } else {
      out << to_hex(r.receipt.alert_id) << "  " << trf("case {1}", {to_hex(r.case_ref)}) << "  "
          << kind_in_words(r.kind) << "  " << format_rfc3339(r.receipt.received_at) << "  "
          << trf("seq {1}", {std::to_string(r.receipt.sequence)}) << "  "
          << (ok ? tr("signature verified") : tr("SIGNATURE INVALID")) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace cw::client

namespace cw::client {

int cmd_wipe(const Globals& g, bool yes, std::ostream& out, std::ostream& err) {
  ClientHome home(resolve_home(g.home));
  if (!file_exists(home.dir())) {
    out << trf("nothing to wipe in {1}", {home.dir()}) << "\n";
    return kExitOk;
  }
  if (!yes) {
    if (!::isatty(0))
      return fail(err,
                  make_error(Errc::bad_request,
                             tr("refusing to wipe without --yes (no terminal to confirm on)")));
    out << trf("This destroys your key, queued alerts and receipts in {1}.", {home.dir()}) << "\n"
        << tr("Type WIPE to continue: ");
    out.flush();
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "WIPE") return fail(err, make_error(Errc::bad_request, tr("not wiped")));
  }
  std::size_t keys = 0, queued = 0, receipts = 0, other = 0, failed = 0;
  auto shred_counted = [&](const std::string& path, std::size_t& counter) {
    auto st = shred_file(path);
    if (st.ok())
      ++counter;
    else if (st.code() != Errc::not_found)
      ++failed;
  };
  shred_counted(home.identity_path(), keys);
  std::error_code ec;
  for (const auto& [dir, counter] :
       {std::pair{home.outbox_dir(), &queued}, std::pair{home.receipts_dir(), &receipts}}) {
    if (!std::filesystem::exists(dir, ec)) continue;
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      files.push_back(e.path().string());
    for (const auto& f : files) shred_counted(f, f.ends_with(".meta") ? other : *counter);
    std::filesystem::remove(dir, ec);
  }
  // Everything else in the home is ours too: the invite, settings, the feed
  // cursor, and the .tmp-* leftovers of a write interrupted by a crash (one
  // of which may be a copy of the key).
  {
    std::vector<std::string> rest;
    for (const auto& e : std::filesystem::directory_iterator(home.dir(), ec))
      if (e.is_regular_file(ec)) rest.push_back(e.path().string());
    for (const auto& f : rest)
      shred_counted(f, f.find("identity.key") != std::string::npos ? keys : other);
  }
  std::filesystem::remove(home.dir(), ec);
  out << trf("wiped {1}: {2} key file, {3} queued alert(s), {4} receipt(s), {5} other file(s)",
             {home.dir(), std::to_string(keys), std::to_string(queued), std::to_string(receipts),
              std::to_string(other)});
  if (failed) out << "; " << trf("{1} file(s) could not be overwritten", {std::to_string(failed)});
  out << "\n"
      << tr("casewire cannot reach, and you should delete yourself:") << "\n"
      << "  - "
      << tr("the alert file you sent from (for example a.json), which holds names and notes;")
      << "\n  - "
      << tr("your shell history (commands you typed), and any copies or backups of this device;")
      << "\n  - "
      << tr("on flash storage (phones, SSDs) old copies may survive an overwrite: see "
            "docs/FIELD_GUIDE.md")
      << "\n";
  return failed ? kExitUsage : kExitOk;
}

}  // namespace cw::client
