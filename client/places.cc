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
  std::vector<const GazetteerEntry*> shown;
  if (o.search.empty())
    for (const auto& e : gz->entries()) shown.push_back(&e);
  else
    shown = gz->search(o.search);
  for (const auto* e : shown) {
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
    // Indented by depth, so a facility reads as lying in its city.
    int depth = 0;
    for (const auto* p = e; !p->parent.empty() && depth < 4; p = gz->find(p->parent), ++depth)
      if (!gz->find(p->parent)) break;
    out << std::string(static_cast<std::size_t>(2 * depth), ' ') << e->names.in(lang) << "  ("
        << e->code << (e->kind == PlaceKind::facility ? ", facility" : "") << ")\n";
  }
  if (!o.search.empty() && shown.empty()) {
    err << "no place matches '" << o.search << "' (try another spelling, or casewire gazetteer "
        << "--update)\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace cw::client
