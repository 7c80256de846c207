#include "client/org_commands.h"

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include "client/context.h"
#include "client/feed_reader.h"
#include "client/messages.h"
#include "client/rotation.h"
#include "client/submit.h"
#include "protocol/disclosure.h"
#include "protocol/file_io.h"
#include "protocol/notification.h"
#include "protocol/org_answer.h"
#include "protocol/signed_payload.h"
#include "protocol/signed_request.h"
#include "protocol/timefmt.h"
#include "protocol/webhook_secret.h"
#include "protocol/wiping_json.h"

namespace json = boost::json;

namespace cw::client {
namespace {

std::string cursor_path(const ClientHome& home) {
  return home.feed_cursor_path();
}

std::uint64_t load_cursor(const ClientHome& home) {
  auto t = read_file(cursor_path(home), 64);
  if (!t) return 0;
  std::string s(as_chars(*t));
  return s.empty() || s.find_first_not_of("0123456789\n") != std::string::npos ? 0 : std::stoull(s);
}

void save_cursor(const ClientHome& home, std::uint64_t seq) {
  auto s = std::to_string(seq) + "\n";
  (void)write_file_atomic(cursor_path(home), as_bytes(s), 0600, Overwrite::yes);
}

std::string readable(const Notification& n) {
  std::string s =
      format_rfc3339(unix_now()).substr(11, 8) + "  #" + std::to_string(n.id) + "  " + n.event;
  s += "  case " + n.case_id.substr(0, 12);
  const CaseFacts& f = n.facts;
  if (!f.status.empty()) s += "  status=" + f.status;
  if (!f.people.empty()) {
    s += "  people=" + f.people;
    if (f.children != "0" && !f.children.empty()) s += " (children " + f.children + ")";
    if (f.elderly != "0" && !f.elderly.empty()) s += " (elderly " + f.elderly + ")";
    if (f.sick != "0" && !f.sick.empty()) s += " (sick " + f.sick + ")";
  }
  // Codes with the daemon's names for them (its signed gazetteer).
  auto named = [](const std::string& code) {
    auto p = find_place(code);
    return p ? code + " (" + p->name() + ")" : code;
  };
  if (!f.region.empty()) s += "  region=" + named(f.region);
  if (!f.held_at.empty()) s += "  held_at=" + named(f.held_at);
  if (!f.arrested_at.empty()) s += "  arrested~" + f.arrested_at;
  if (!f.expected_transfer.empty()) s += "  transfer~" + f.expected_transfer;
  if (!f.urgency.empty()) s += "  urgency=" + f.urgency;
  if (!f.consent.empty()) s += "  consent=" + f.consent;
  s += "  acting=" + std::to_string(n.acks) + "  [signature verified]";
  return s;
}

std::string as_json_line(const Notification& n) {
  json::object o;
  o["id"] = n.id;
  o["event"] = n.event;
  o["case"] = n.case_id;
  for (const auto& f : case_fact_fields()) o[f.key] = n.facts.*(f.member);
  o["acks"] = n.acks;
  o["issued_at"] = n.issued_at;
  o["verified"] = true;
  return json::serialize(o);
}

}  // namespace

int cmd_feed(const Globals& g, const FeedOptions& o, std::ostream& out, std::ostream& err) {
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  auto id = load_identity(g, ctx->home, o.key);
  if (!id) return fail(err, id.error());
  std::uint64_t cursor = o.from_start ? 0 : load_cursor(ctx->home);
  std::size_t shown = 0;
  bool followed = false;
  // Prints one notification if it verifies; false once --count is reached.
  // One that does not verify may be signed by the daemon's next key (a
  // rotation): the invite update is followed once (along the chain, from
  // the key this device trusts) and the notification checked again.
  auto one = [&](const std::string& signed_json) {
    auto n = open_notification(signed_json, ctx->invite, *id);
    if (!n && !followed) {
      followed = true;
      std::ostringstream quiet;
      bool applied = false;
      if (apply_invite_update(g, *ctx, *id, quiet, quiet, &applied) == kExitOk && applied)
        n = open_notification(signed_json, ctx->invite, *id);
    }
    if (!n) {
      err << "warning: dropped a notification that does not verify: " << n.error().message << "\n";
      return true;
    }
    out << (g.json ? as_json_line(*n) : readable(*n)) << std::endl;
    const std::uint64_t seq = n->id;
    cursor = std::max(cursor, seq);
    save_cursor(ctx->home, cursor);
    return !(o.count && ++shown >= o.count);
  };

  if (o.pull) {
    for (;;) {
      auto page = pull_page(*ctx, *id, cursor);
      if (!page) {
        const bool untrusted =
            page.code() == Errc::bad_response || page.code() == Errc::pin_mismatch;
        return fail(err, page.error(), untrusted ? kExitUntrusted : kExitQueued);
      }
      if (page->status != 200)
        return fail(err,
                    make_error(Errc::bad_response,
                               "HTTP " + std::to_string(page->status) + ": " + page->body),
                    2);
      const std::uint64_t before = cursor;
      for (const auto& item : page->items)
        if (!one(item)) return kExitOk;
      if (page->items.empty()) return kExitOk;
      // A page of which nothing verified would be asked for again forever.
      if (cursor == before)
        return fail(err,
                    make_error(Errc::bad_signature,
                               "no notification on this page verifies under the daemon's key"),
                    kExitUntrusted);
    }
  }

  // Streaming: reconnect with Last-Event-ID after any interruption, with
  // backoff, until stopped (or --count is reached).
  auto backoff = std::chrono::seconds(1);
  for (;;) {
    bool done = false;
    auto st = stream_once(*ctx, *id, cursor, [&](const std::string& signed_json) {
      backoff = std::chrono::seconds(1);
      done = !one(signed_json);
      return !done;
    });
    if (done) return kExitOk;
    if (!st && st.code() == Errc::pin_mismatch) return fail(err, st.error(), kExitUntrusted);
    if (st && *st != 200)
      return fail(err,
                  make_error(Errc::bad_response,
                             "the daemon refused the feed (HTTP " + std::to_string(*st) + ")"),
                  2);
    if (!st) err << "feed interrupted (" << code_name(st.code()) << "); reconnecting\n";
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::seconds>(backoff * 2, std::chrono::seconds(60));
  }
}

namespace {
// The organisation's key: --key FILE, else the one set up by init.
Result<Identity> org_identity(const Globals& g, const std::string& key) {
  if (key.empty()) {
    auto ctx = load_context(g);
    if (!ctx) return ctx.error();
    return load_identity(g, ctx->home, "");
  }
  auto text = read_file(key, 64 << 10);
  if (!text) return text.error();
  auto id = open_identity_file(as_chars(*text),
                               PassphraseSource{g.passphrase_file, g.insecure_no_passphrase},
                               "casewire key passphrase: ");
  wipe(text->data(), text->size());
  return id;
}
}  // namespace

int cmd_open_disclosure(const Globals& g, const std::string& key, const std::string& file,
                        std::ostream& out, std::ostream& err) {
  auto ctx = load_context(g);  // the daemon's signing key comes from the invite
  if (!ctx) return fail(err, ctx.error());
  auto id = org_identity(g, key);
  if (!id) return fail(err, id.error());
  auto sealed = read_file(file, 8 << 20);
  if (!sealed) return fail(err, sealed.error());
  auto d = open_disclosure(as_chars(*sealed), *id, ctx->invite.daemon_sign);
  if (!d) return fail(err, d.error());
  out << "case " << d->case_id << ": details disclosed to you by the operator on "
      << format_rfc3339(d->issued_at) << " (signature verified)\n"
      << "Keep them only where your organisation keeps case files; they name people.\n";
  std::size_t i = 0;
  for (const auto& r : d->records) {
    out << "\n" << ++i << ". " << r.kind << ", sent " << format_rfc3339(r.sent_at) << "\n";
    print_disclosed_record(r, out);
  }
  return kExitOk;
}

int cmd_webhook_secret(const Globals& g, const std::string& key, const std::string& file,
                       std::ostream& out, std::ostream& err) {
  auto id = org_identity(g, key);
  if (!id) return fail(err, id.error());
  auto sealed = read_file(file, 64 << 10);
  if (!sealed) return fail(err, sealed.error());
  auto secret = open_webhook_secret(as_chars(*sealed), *id);
  if (!secret) return fail(err, secret.error());
  out << format_webhook_secret(*secret) << "\n";
  return kExitOk;
}

int cmd_ack(const Globals& g, const std::string& key, std::uint64_t nid, std::ostream& out,
            std::ostream& err) {
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  auto id = load_identity(g, ctx->home, key);
  if (!id) return fail(err, id.error());
  int status = kExitOk;
  auto payload = signed_call(*ctx, *id, "POST", "/v1/notifications/" + std::to_string(nid) + "/ack",
                             "", err, &status);
  if (!payload) return status;
  std::error_code ec;
  auto v = json::parse(*payload, ec);
  if (ec || !v.is_object())
    return fail(err, make_error(Errc::bad_response, "unexpected answer"), kExitUntrusted);
  if (g.json)
    out << *payload << "\n";
  else
    out << "acknowledged notification " << nid
        << "; organisations acting on this case: " << json::serialize(v.as_object().at("acks"))
        << "\n";
  return kExitOk;
}

namespace {

// A case's state and the daemon's questions, as the contact reads them
// (the words of protocol/org_answer.cc, through the catalogues).
std::string state_in_words(const std::string& state) {
  if (state == "open") return tr("open");
  if (state == "resolved") return tr("resolved");
  if (state == "retracted") return tr("retracted");
  return state;
}

std::string asked_in_words(std::string_view reason) {
  if (reason == "expected_transfer") return tr("the expected transfer date");
  if (reason == "held_place") return tr("where the people are held");
  if (reason == "arrested_at") return tr("when the arrest happened");
  if (reason == "people")
    return tr("how many people, and who among them is a child, elderly or sick");
  return std::string(reason_in_words(reason));
}

}  // namespace

int cmd_status(const Globals& g, const std::string& key, const std::string& case_ref,
               std::ostream& out, std::ostream& err) {
  if (!parse_alert_id(case_ref))
    return fail(
        err,
        make_error(Errc::bad_request,
                   tr("CASE is the new case's alert id (32 hex digits; see 'casewire receipts')")));
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  auto id = load_identity(g, ctx->home, key);
  if (!id) return fail(err, id.error());
  int status = kExitOk;
  auto payload =
      signed_call(*ctx, *id, "GET", "/v1/cases/" + case_ref + "/status", "", err, &status);
  if (!payload) return status;
  std::error_code ec;
  auto v = json::parse(*payload, ec);
  if (ec || !v.is_object())
    return fail(err, make_error(Errc::bad_response, "unexpected answer"), kExitUntrusted);
  const auto& o = v.as_object();
  if (g.json) {
    out << *payload << "\n";
    return kExitOk;
  }
  // The English lines keep their column layout (scripts and tests read
  // them); the words follow the contact's language.
  const std::string state = json::value_to<std::string>(o.at("state"));
  out << trf("case {1}", {case_ref}) << "\n"
      << "  " << trf("state         {1}", {state_in_words(state)}) << "\n"
      << "  "
      << trf("acknowledged  {1} ({2} organisation(s) acting)",
             {o.at("acknowledged").as_bool() ? tr("yes") : tr("not yet"),
              json::serialize(o.at("organisations_acting"))})
      << "\n"
      << "  " << trf("escalated     {1}", {o.at("escalated").as_bool() ? tr("yes") : tr("no")})
      << "\n";
  // Older daemons do not send answers; say nothing rather than "none".
  if (const auto* n = o.if_contains("organisations_cannot_act");
      n && n->is_int64() && n->as_int64())
    out << "  " << trf("cannot act    {1} organisation(s)", {std::to_string(n->as_int64())})
        << "\n";
  if (const auto* asked = o.if_contains("information_requested"); asked && asked->is_array())
    for (const auto& r : asked->as_array())
      if (r.is_string())
        out << "  "
            << trf("asked for     {1} (send it with: casewire send --update {2} ...)",
                   {asked_in_words(r.as_string()), case_ref})
            << "\n";
  out << "  " << tr("(answer signed by the daemon, verified)") << "\n";
  return kExitOk;
}

int cmd_answer(const Globals& g, const std::string& key, std::uint64_t nid, const std::string& kind,
               const std::string& reason, std::ostream& out, std::ostream& err) {
  auto parsed = parse_org_answer(kind, reason);
  if (!parsed) {
    std::string choices;
    for (auto r : answer_reasons(kind == "need_information" ? AnswerKind::need_information
                                                            : AnswerKind::cannot_act))
      choices += (choices.empty() ? "" : ", ") + std::string(r);
    return fail(err, make_error(Errc::bad_request, "the reason must be one of: " + choices));
  }
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  auto id = load_identity(g, ctx->home, key);
  if (!id) return fail(err, id.error());
  json::object body;
  body["answer"] = kind;
  body["reason"] = reason;
  int status = kExitOk;
  auto payload =
      signed_call(*ctx, *id, "POST", "/v1/notifications/" + std::to_string(nid) + "/answer",
                  json::serialize(body), err, &status);
  if (!payload) return status;
  if (g.json)
    out << *payload << "\n";
  else
    out << "answered notification " << nid << ": " << kind << " (" << reason_in_words(reason)
        << "); the reporting contact sees this\n";
  return kExitOk;
}

}  // namespace cw::client
