#include "client/places.h"

#include <boost/json.hpp>
#include <ostream>

#include "client/context.h"
#include "client/messages.h"
#include "client/submit.h"
#include "protocol/file_io.h"
#include "protocol/timefmt.h"

namespace json = boost::json;

namespace cw::client {

int update_gazetteer(const Globals& g, const ClientContext& ctx, const std::string& key,
                     std::ostream& out, std::ostream& err) {
  auto id = load_identity(g, ctx.home, key);
  if (!id) return fail(err, id.error());
  auto res = request_any(ctx, signed_http_request(ctx, *id, "GET", "/v1/gazetteer", ""));
  if (!res) return fail(err, res.error(), kExitQueued);
  if (res->status != 200) {
    const auto e = error_from_body(res->status, res->body);
    return fail(
        err, make_error(e.code, trf("the daemon refused: {1}", {std::string(code_name(e.code))})),
        kExitRejected);
  }
  auto fresh = Gazetteer::open_signed(res->body, ctx.invite.daemon_sign);
  if (!fresh) return fail(err, fresh.error(), kExitUntrusted);
  const auto current = active_gazetteer();
  // Never back: a stale daemon replica must not take away newer places.
  if (fresh->version() < current->version()) {
    if (!g.json)
      out << trf("the daemon's gazetteer (version {1}) is older than this device's (version "
                 "{2}): kept",
                 {std::to_string(fresh->version()), std::to_string(current->version())})
          << "\n";
    return kExitOk;
  }
  if (auto st =
          write_file_atomic(ctx.home.gazetteer_path(), as_bytes(res->body), 0600, Overwrite::yes);
      !st.ok())
    return fail(err, st.error());
  if (!g.json)
    out << trf("gazetteer version {1}, {2} places (signature verified)",
               {std::to_string(fresh->version()), std::to_string(fresh->entries().size())})
        << "\n";
  set_active_gazetteer(std::make_shared<const Gazetteer>(std::move(*fresh)));
  return kExitOk;
}

int cmd_gazetteer(const Globals& g, const PlacesOptions& o, std::ostream& out, std::ostream& err) {
  const std::string lang = o.lang.empty() ? "en" : o.lang;
  if (lang != "en" && lang != "zh" && lang != "ko")
    return fail(err, make_error(Errc::bad_request, tr("--lang must be en, zh or ko")));
  auto ctx = load_context(g);  // installs the home's verified gazetteer
  if (!ctx) return fail(err, ctx.error());
  if (o.update)
    if (int rc = update_gazetteer(g, *ctx, o.key, out, err); rc != kExitOk) return rc;
  const auto gz = active_gazetteer();
  // The whole list as a tree: each place followed by what lies in it, so an
  // indented line always belongs to the place above it (the file's order
  // groups by kind, and a facility printed there read as lying in whichever
  // city came last). A search shows each match with the place it lies in.
  std::vector<std::pair<const GazetteerEntry*, int>> shown;
  if (o.search.empty()) {
    const auto entries = gz->entries();
    const auto walk = [&](auto& self, std::string_view parent, int depth) -> void {
      for (const auto& e : entries)
        if (e.parent == parent && (depth > 0 || parent.empty() || !gz->find(parent))) {
          shown.emplace_back(&e, depth);
          if (depth < 8) self(self, e.code, depth + 1);
        }
    };
    walk(walk, "", 0);
    // A place whose parent the file does not hold (refused when loaded, so
    // never expected) is still shown rather than lost.
    for (const auto& e : entries)
      if (!e.parent.empty() && !gz->find(e.parent)) shown.emplace_back(&e, 0);
  } else {
    for (const auto* e : gz->search(o.search)) shown.emplace_back(e, 0);
  }
  for (const auto& [e, depth] : shown) {
    if (g.json) {
      json::object j;
      j["code"] = e->code;
      j["kind"] = to_string(e->kind);
      j["region"] = e->region;
      j["name"] = e->names.in(lang);
      j["en"] = e->names.en;
      if (!e->names.zh.empty()) j["zh"] = e->names.zh;
      if (!e->names.ko.empty()) j["ko"] = e->names.ko;
      out << json::serialize(j) << "\n";
      continue;
    }
    out << std::string(static_cast<std::size_t>(2 * depth), ' ') << e->names.in(lang) << "  ("
        << e->code << (e->kind == PlaceKind::facility ? ", facility" : "") << ")";
    if (const auto* in = o.search.empty() ? nullptr : gz->find(e->parent))
      out << "  < " << in->names.in(lang);
    out << "\n";
  }
  if (!o.search.empty() && shown.empty()) {
    err << "no place matches '" << o.search << "' (try another spelling, or casewire gazetteer "
        << "--update)\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace cw::client
