#include "client/context.h"

#include <boost/json.hpp>

#include <ostream>

#include "client/error_words.h"
#include "client/submit.h"
#include "protocol/file_io.h"
#include "protocol/signed_payload.h"
#include "protocol/signed_request.h"
#include "protocol/timefmt.h"

namespace cw::client {

int fail(std::ostream& err, const Error& e, int status) {
  err << error_text(e) << "\n";
  return status;
}

Result<ClientContext> load_context(const Globals& g) {
  ClientContext c{ClientHome(resolve_home(g.home)), {}, {}};
  auto inv = c.home.invite();
  if (!inv) return inv.error();
  c.invite = std::move(*inv);
  // Place codes are checked, and named, by the daemon's signed gazetteer.
  auto gz = c.home.gazetteer(c.invite);
  if (!gz) return gz.error();
  set_active_gazetteer(*gz);
  auto s = c.home.settings();
  if (!s) return s.error();
  c.transport.tls_pin = c.invite.tls_pin;
  c.transport.extra_pins = c.invite.extra_pins;
  c.transport.proxy = s->proxy;
  c.transport.connect_timeout = s->connect_timeout;
  c.transport.io_timeout = s->io_timeout;
  if (!g.proxy.empty()) {
    auto p = parse_proxy_url(g.proxy);
    if (!p) return p.error();
    c.transport.proxy = *p;
  }
  // An onion address can only be reached through Tor; say so instead of
  // leaking a DNS query for it.
  bool all_onion = !c.invite.urls.empty();
  for (const auto& u : c.invite.urls) {
    auto parsed = parse_https_url(u);
    all_onion = all_onion && parsed && is_onion_host(parsed->host);
  }
  if (all_onion && !c.transport.proxy)
    return make_error(Errc::bad_config,
                      "the daemon is an onion service: use --proxy socks5h://127.0.0.1:9050");
  return c;
}

HttpRequest signed_http_request(const ClientContext& ctx, const Identity& id,
                                const std::string& method, const std::string& target,
                                std::string body) {
  HttpRequest req;
  req.method = method;
  req.target = target;
  if (!body.empty()) req.content_type = "application/json";
  req.body = std::move(body);
  req.headers.emplace_back("Authorization", sign_request(id.sign, ctx.invite.daemon_sign.id(),
                                                         method, target, req.body, unix_now()));
  return req;
}

bool try_each_url(const std::vector<std::string>& urls,
                  const std::function<bool(const std::string&)>& attempt) {
  for (const auto& url : urls)
    if (attempt(url)) return true;
  return false;
}

Result<HttpResult> request_any(const ClientContext& ctx, const HttpRequest& req) {
  Result<HttpResult> res = make_error(Errc::unreachable, "no daemon URL");
  try_each_url(ctx.invite.urls, [&](const std::string& url) {
    res = https_request(url, req, ctx.transport);
    return res.ok();
  });
  return res;
}

Result<Identity> load_identity(const Globals& g, const ClientHome& home,
                               const std::string& key_file) {
  auto settings = home.settings();
  if (!settings) return settings.error();
  const PassphraseSource source{g.passphrase_file,
                                g.insecure_no_passphrase || settings->insecure_unencrypted_key};
  if (key_file.empty()) return home.identity(source);
  auto text = read_file(key_file, 64 << 10);
  if (!text) return text.error();
  auto id = open_identity_file(as_chars(*text), source, "casewire key passphrase: ");
  wipe(text->data(), text->size());
  return id;
}

// One signed request whose answer the daemon signs with its status key:
// the verified payload, or the exit status to return (the reason written to
// `err`). What ack, answer and status share.
Result<std::string> signed_call(const ClientContext& ctx, const Identity& id,
                                const std::string& method, const std::string& target,
                                std::string body, std::ostream& err, int* exit_status) {
  auto res = request_any(ctx, signed_http_request(ctx, id, method, target, std::move(body)));
  if (!res) {
    *exit_status = fail(err, res.error(), kExitQueued);
    return res.error();
  }
  if (res->status != 200) {
    const auto e = error_from_body(res->status, res->body);
    auto refused = make_error(e.code, "the daemon refused: " + std::string(code_name(e.code)));
    *exit_status = fail(err, refused, kExitRejected);
    return refused;
  }
  auto payload = open_payload(res->body, kStatusDomain, ctx.invite.daemon_sign);
  if (!payload) *exit_status = fail(err, payload.error(), kExitUntrusted);
  return payload;
}

Error error_from_body(unsigned status, const std::string& body) {
  std::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    auto* e = o.if_contains("error");
    auto* m = o.if_contains("message");
    if (e && e->is_string()) {
      return make_error(code_from_name(std::string(e->as_string())),
                        m && m->is_string() ? std::string(m->as_string()) : "");
    }
  }
  return make_error(status >= 500 ? Errc::internal_error : Errc::bad_response,
                    "HTTP " + std::to_string(status));
}

}  // namespace cw::client
