#include "client/rotation.h"

#include <unistd.h>

#include <ostream>
#include <sstream>

#include "client/daemon_keys.h"
#include "client/messages.h"
#include "client/places.h"
#include "client/submit.h"
#include "protocol/file_io.h"
#include "protocol/invite_update.h"
#include "protocol/timefmt.h"

namespace cw::client {

int apply_invite_update(const Globals& g, ClientContext& ctx, std::ostream& out, std::ostream& err,
                        bool* applied) {
  *applied = false;
  auto id = load_identity(g, ctx.home, "");
  if (!id) return fail(err, id.error());
  return apply_invite_update(g, ctx, *id, out, err, applied);
}

int apply_invite_update(const Globals& g, ClientContext& ctx, const Identity& id, std::ostream& out,
                        std::ostream& err, bool* applied) {
  *applied = false;
  auto res = request_any(ctx, signed_http_request(ctx, id, "GET", "/v1/invite-updates", ""));
  if (!res) return fail(err, res.error(), kExitQueued);
  if (res->status == 404) {
    if (!g.json) out << tr("no invite update: this device's keys are current") << "\n";
    return kExitOk;
  }
  if (res->status != 200) {
    const auto e = error_from_body(res->status, res->body);
    return fail(
        err, make_error(e.code, trf("the daemon refused: {1}", {std::string(code_name(e.code))})),
        kExitRejected);
  }
  // The updates after this device's, each signed by the key the one before
  // it certified - starting with the key this device trusts: only that key
  // may hand over to a new one, however many rotations it missed.
  auto chain = invite_chain_from_json(res->body);
  if (!chain) return fail(err, chain.error(), kExitUntrusted);
  auto updates = follow_invite_chain(*chain, ctx.invite.daemon_sign, ctx.invite.sequence);
  if (!updates) return fail(err, updates.error(), kExitUntrusted);
  if (updates->empty()) {
    if (!g.json)
      out << trf("this device already has invite update {1}", {std::to_string(ctx.invite.sequence)})
          << "\n";
    return kExitOk;
  }
  auto history = DaemonKeys::load(ctx.home, ctx.invite);
  if (!history) return fail(err, history.error());
  // Only the links just verified go into the history.
  std::vector<std::string> walked;
  for (const auto& l : chain->links)
    if (invite_update_sequence(l) > ctx.invite.sequence) walked.push_back(l);
  Invite next = ctx.invite;
  for (const auto& u : *updates) next = apply_invite_update(next, u);
  // The key history first: a crash before the invite is rewritten leaves a
  // history that still names the invite's key.
  if (auto st = write_file_atomic(ctx.home.daemon_keys_path(),
                                  as_bytes(history->with_links(ctx.invite, walked)), 0600,
                                  Overwrite::yes);
      !st.ok())
    return fail(err, st.error());
  const std::string text = invite_to_json(next);
  if (auto st = write_file_atomic(ctx.home.invite_path(), as_bytes(text), 0600, Overwrite::yes);
      !st.ok())
    return fail(err, st.error());
  const InviteUpdate* u = &updates->back();
  ::unlink(ctx.home.gazetteer_path().c_str());  // signed by the key being replaced
  const bool new_sign = next.daemon_sign.id() != ctx.invite.daemon_sign.id();
  const bool new_box = next.daemon_box.id() != ctx.invite.daemon_box.id();
  ctx.invite = next;
  ctx.transport.tls_pin = next.tls_pin;
  ctx.transport.extra_pins = next.extra_pins;
  set_active_gazetteer(nullptr);
  *applied = true;
  if (!g.json) {
    out << trf("invite update {1} applied (signed by the daemon's key you trusted)",
               {std::to_string(u->sequence)});
    if (new_sign) out << "; " << trf("new signing key {1}", {key_id_hex(next.daemon_sign.id())});
    if (new_box) out << "; " << trf("new box key {1}", {key_id_hex(next.daemon_box.id())});
    if (!next.extra_pins.empty()) out << "; " << tr("its next TLS key is trusted too");
    out << "\n";
  }
  // The gazetteer again, signed by the new key (best effort: places stay
  // checkable against the built-in list meanwhile).
  std::ostringstream quiet;
  (void)update_gazetteer(g, ctx, "", quiet, quiet);
  return kExitOk;
}

int cmd_update_invite(const Globals& g, std::ostream& out, std::ostream& err) {
  auto ctx = load_context(g);
  if (!ctx) return fail(err, ctx.error());
  bool applied = false;
  return apply_invite_update(g, *ctx, out, err, &applied);
}

}  // namespace cw::client
