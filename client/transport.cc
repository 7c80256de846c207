#include "client/transport.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "protocol/bytes.h"
#include "protocol/socks5.h"
#include "protocol/tls_pin.h"
#include "protocol/url.h"

namespace cw::client {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr const char* kUserAgent = "casewire/1";
constexpr std::size_t kMaxResponseBytes = 1 << 20;

Error transport_error(Errc code, const std::string& what, const beast::error_code& ec) {
  return make_error(code, what + (ec ? ": " + ec.message() : std::string()));
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Connects (directly or through the proxy), handshakes TLS 1.3 and checks the
// pin before a single byte of the request is sent.
net::awaitable<Result<std::unique_ptr<TlsStream>>> open_stream(ssl::context& ctx, const Url& u,
                                                               const TransportOptions& o) {
  auto ex = co_await net::this_coro::executor;
  beast::error_code ec;
  auto tok = net::redirect_error(net::use_awaitable, ec);
  beast::tcp_stream tcp(ex);
  tcp.expires_after(o.connect_timeout);
  if (!o.proxy && is_onion_host(u.host))
    co_return make_error(
        Errc::proxy_error,
        "this daemon address is an onion service, reachable only through Tor: use --proxy "
        "socks5h://127.0.0.1:9050 (Tor Browser: 9150); it was not looked up");
  if (o.proxy) {
    auto addr =
        net::ip::make_address(o.proxy->host == "localhost" ? "127.0.0.1" : o.proxy->host, ec);
    if (ec) co_return make_error(Errc::proxy_error, "proxy host must be an IP address");
    co_await tcp.async_connect(tcp::endpoint(addr, o.proxy->port), tok);
    if (ec) co_return transport_error(Errc::unreachable, "cannot reach the proxy", ec);
    auto st = co_await socks5_connect(tcp, u.host, u.port);
    if (!st.ok()) co_return st.error();
  } else {
    tcp::resolver resolver(ex);
    auto results = co_await resolver.async_resolve(u.host, std::to_string(u.port), tok);
    if (ec) co_return transport_error(Errc::unreachable, "cannot resolve the daemon's address", ec);
    co_await tcp.async_connect(results, tok);
    if (ec) co_return transport_error(Errc::unreachable, "cannot connect to the daemon", ec);
  }
  auto stream = std::make_unique<TlsStream>(std::move(tcp), ctx);
  beast::get_lowest_layer(*stream).expires_after(o.io_timeout);
  co_await stream->async_handshake(ssl::stream_base::client, tok);
  if (ec) co_return transport_error(Errc::tls_error, "TLS handshake failed", ec);
  X509* cert = SSL_get1_peer_certificate(stream->native_handle());
  if (!cert) co_return make_error(Errc::pin_mismatch, "the daemon presented no certificate");
  auto pin = spki_pin(cert);
  X509_free(cert);
  // The invite's pin, or the next key an invite update announced.
  if (!pin || (*pin != o.tls_pin &&
               std::find(o.extra_pins.begin(), o.extra_pins.end(), *pin) == o.extra_pins.end()))
    co_return make_error(Errc::pin_mismatch,
                         "the daemon's TLS certificate does not match the pin in the invite "
                         "(someone may be intercepting the connection)");
  co_return stream;
}

http::request<http::string_body> build_request(const Url& u, const HttpRequest& r);

// Connects, checks the pin, and sends the request: what both the one-shot
// request and the streamed feed begin with.
net::awaitable<Result<std::unique_ptr<TlsStream>>> open_and_send(ssl::context& ctx, const Url& u,
                                                                 const HttpRequest& r,
                                                                 const TransportOptions& o) {
  auto stream = co_await open_stream(ctx, u, o);
  if (!stream) co_return stream.error();
  beast::error_code ec;
  auto req = build_request(u, r);
  co_await http::async_write(**stream, req, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return transport_error(Errc::unreachable, "sending the request failed", ec);
  co_return stream;
}

http::request<http::string_body> build_request(const Url& u, const HttpRequest& r) {
  http::request<http::string_body> req;
  req.method(http::string_to_verb(r.method));
  req.target(r.target);
  req.version(11);
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, kUserAgent);
  if (!r.body.empty() || r.method == "POST") {
    req.set(http::field::content_type, r.content_type);
    req.body() = r.body;
  }
  for (const auto& [k, v] : r.headers) req.set(k, v);
  req.keep_alive(false);
  req.prepare_payload();
  return req;
}

Result<ssl::context> make_client_context() {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_3_VERSION);
  // Trust comes from the pin, checked after the handshake, not from a CA.
  ctx.set_verify_mode(ssl::verify_none);
  return ctx;
}

// Runs one coroutine to completion on `ioc`. (co_spawn wants default-
// constructible results, so the Result travels through a captured optional.)
template <class T>
Result<T> run(net::io_context& ioc, net::awaitable<Result<T>> aw) {
  std::optional<Result<T>> out;
  auto wrapper = [&out](net::awaitable<Result<T>> inner) -> net::awaitable<void> {
    out.emplace(co_await std::move(inner));
  };
  net::co_spawn(ioc, wrapper(std::move(aw)), [&out](const std::exception_ptr& e) {
    if (e && !out) out.emplace(make_error(Errc::internal_error, "transport failed unexpectedly"));
  });
  ioc.run();
  if (!out) return make_error(Errc::internal_error, "transport did not finish");
  return std::move(*out);
}

}  // namespace

bool is_onion_host(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  constexpr std::string_view kSuffix = ".onion";
  if (host.size() < kSuffix.size()) return false;
  auto tail = host.substr(host.size() - kSuffix.size());
  for (std::size_t i = 0; i < kSuffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(tail[i])) != kSuffix[i]) return false;
  return true;
}

Result<Url> parse_https_url(const std::string& url) {
  auto u = parse_daemon_url(url);
  if (!u) return u.error();
  return Url{u->host, u->port};
}

Result<Proxy> parse_proxy_url(const std::string& url) {
  auto u = parse_proxy_url_text(url);
  if (!u) return u.error();
  return Proxy{u->host, u->port};
}

Result<HttpResult> https_request(const std::string& url, const HttpRequest& r,
                                 const TransportOptions& o) {
  auto u = parse_https_url(url);
  if (!u) return u.error();
  auto ctx = make_client_context();
  net::io_context ioc;
  auto body = [&]() -> net::awaitable<Result<HttpResult>> {
    auto stream = co_await open_and_send(*ctx, *u, r, o);
    if (!stream) co_return stream.error();
    beast::error_code ec;
    auto tok = net::redirect_error(net::use_awaitable, ec);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    co_await http::async_read(**stream, buf, parser, tok);
    if (ec) co_return transport_error(Errc::bad_response, "reading the response failed", ec);
    HttpResult out;
    out.status = parser.get().result_int();
    out.body = std::move(parser.get().body());
    out.retry_after = std::string(parser.get()[http::field::retry_after]);
    out.invite_update = std::string(parser.get()["X-Casewire-Invite-Update"]);
    out.date = std::string(parser.get()[http::field::date]);
    beast::get_lowest_layer(**stream).expires_after(std::chrono::seconds(2));
    co_await (*stream)->async_shutdown(tok);  // best effort; the answer is already in hand
    co_return out;
  };
  return run(ioc, body());
}

Result<unsigned> https_stream(const std::string& url, const HttpRequest& r,
                              const TransportOptions& o,
                              const std::function<bool(std::string_view)>& on_data) {
  auto u = parse_https_url(url);
  if (!u) return u.error();
  auto ctx = make_client_context();
  net::io_context ioc;
  auto body = [&]() -> net::awaitable<Result<unsigned>> {
    auto stream = co_await open_and_send(*ctx, *u, r, o);
    if (!stream) co_return stream.error();
    beast::error_code ec;
    auto tok = net::redirect_error(net::use_awaitable, ec);
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    beast::get_lowest_layer(**stream).expires_never();
    co_await http::async_read_header(**stream, buf, parser, tok);
    if (ec) co_return transport_error(Errc::bad_response, "reading the response failed", ec);
    const unsigned status = parser.get().result_int();
    char chunk[4096];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      co_await http::async_read_some(**stream, buf, parser, tok);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) break;
      const std::size_t n = sizeof chunk - parser.get().body().size;
      if (n > 0 && !on_data(std::string_view(chunk, n))) break;
    }
    co_return status;
  };
  return run(ioc, body());
}

}  // namespace cw::client
