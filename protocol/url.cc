#include "protocol/url.h"

// Boost.URL is used header-only; its implementation is compiled exactly once,
// here, for every program that links the protocol library.
#include <boost/url/src.hpp>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <initializer_list>

namespace cw {
namespace {

namespace urls = boost::urls;

struct Rules {
  Errc code;                // the error code of this kind of URL
  const char* what;         // "daemon URL", ... for messages
  bool allow_path = false;  // a path other than "/" and a query
  std::uint16_t default_port = 0;
};

Error bad(const Rules& r, const std::string& why) {
  return make_error(r.code, std::string(r.what) + " " + why);
}

// A host name we are willing to hand to a resolver or a proxy: letters,
// digits, '-', '.', '_' (some internal names use it). No percent-decoded
// control bytes, no spaces.
bool plain_name(std::string_view n) {
  if (n.empty() || n.size() > 253) return false;
  return std::all_of(n.begin(), n.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

// The host and port of an authority (of a URL, or of a bare HOST:PORT).
template <class View>
Status take_host_port(const View& v, const Rules& r, bool port_zero_ok, ParsedUrl& out) {
  switch (v.host_type()) {
    case urls::host_type::ipv4:
      out.host = v.host_ipv4_address().to_string();
      out.host_is_ip = true;
      break;
    case urls::host_type::ipv6:
      out.host = v.host_ipv6_address().to_string();
      out.host_is_ip = true;
      break;
    case urls::host_type::name: {
      out.host = v.host_name();
      std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (!plain_name(out.host)) return bad(r, "has an invalid host name");
      break;
    }
    default:
      return bad(r, "needs a host name or an IP address");
  }
  out.port = r.default_port;
  if (v.has_port()) {
    const std::string_view p = v.port();
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos)
      return bad(r, "port must be a number");
    const unsigned long n = std::stoul(std::string(p));
    if (n > 65535 || (n == 0 && !port_zero_ok)) return bad(r, "port is out of range");
    out.port = static_cast<std::uint16_t>(n);
  }
  if (out.port == 0 && !port_zero_ok) return bad(r, "needs a port");
  return Status::Ok();
}

Result<ParsedUrl> parse_with(std::string_view text, std::initializer_list<std::string_view> schemes,
                             const Rules& r) {
  if (text.size() > 2048) return bad(r, "is too long");
  auto parsed = urls::parse_uri(text);
  if (!parsed) return bad(r, "is not a valid URL");
  const urls::url_view& u = *parsed;
  ParsedUrl out;
  out.scheme = std::string(u.scheme());
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(schemes.begin(), schemes.end(), out.scheme) == schemes.end())
    return bad(r, std::string("must start with ") + std::string(*schemes.begin()) + "://");
  if (!u.has_authority()) return bad(r, "has no host");
  if (u.has_userinfo()) return bad(r, "must not hold a user name or password");
  if (u.has_fragment()) return bad(r, "must not hold a #fragment");
  Rules with_default = r;
  if (with_default.default_port == 0) with_default.default_port = out.scheme == "http" ? 80 : 443;
  CW_TRY(take_host_port(u, with_default, false, out));
  const std::string path(u.encoded_path());
  if (!r.allow_path && ((!path.empty() && path != "/") || u.has_query()))
    return bad(r, "may hold only a host and a port");
  out.target = path.empty() ? "/" : path;
  if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  return out;
}

bool internal_v4(const boost::asio::ip::address_v4& a) {
  const auto b = a.to_bytes();
  return a.is_loopback() || a.is_unspecified() || a.is_multicast() || b[0] == 10 ||
         (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
         (b[0] == 169 && b[1] == 254) ||          // link-local, cloud metadata
         (b[0] == 100 && (b[1] & 0xc0) == 64) ||  // shared address space (CGNAT)
         b[0] == 0 || a == boost::asio::ip::address_v4::broadcast();
}

}  // namespace

Result<ParsedUrl> parse_daemon_url(std::string_view text) {
  return parse_with(text, {"https"}, Rules{Errc::bad_invite, "daemon URL", false, 443});
}

Result<ParsedUrl> parse_webhook_url(std::string_view text) {
  const Rules r{Errc::bad_config, "webhook URL", true, 0};
  auto u = parse_with(text, {"https", "http"}, r);
  if (!u) return u;
  // Plain HTTP would expose notifications and the HMAC to the network: only
  // to this machine, by address (a name could resolve elsewhere).
  if (u->scheme == "http") {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(u->host, ec);
    if (ec || !a.is_loopback()) return bad(r, "may use plain http only to a loopback address");
  }
  return u;
}

Result<ParsedUrl> parse_proxy_url_text(std::string_view text) {
  const Rules r{Errc::bad_config, "proxy", false, 9050};
  auto u = parse_with(text, {"socks5h"}, r);
  if (!u) {
    if (text.rfind("socks5://", 0) == 0)
      return bad(
          r, "must be socks5h://HOST:PORT: with socks5:// names would be resolved on this device");
    return u;
  }
  // The proxy itself is never looked up in DNS.
  if (!u->host_is_ip && u->host != "localhost")
    return bad(r, "host must be an IP address or localhost");
  return u;
}

Result<ParsedUrl> parse_listen_address(std::string_view text) {
  const Rules r{Errc::bad_config, "listen address", false, 0};
  if (text.size() > 256) return bad(r, "is too long");
  auto a = urls::parse_authority(text);
  if (!a) return bad(r, "must be HOST:PORT (IPv6 as [::1]:8443)");
  if (a->has_userinfo()) return bad(r, "must be HOST:PORT");
  if (!a->has_port()) return bad(r, "must be HOST:PORT (IPv6 as [::1]:8443)");
  ParsedUrl out;
  CW_TRY(take_host_port(*a, r, true, out));
  if (!out.host_is_ip) return bad(r, "must be an IP address, not a name");
  out.target = "/";
  return out;
}

bool is_internal_address(const boost::asio::ip::address& a) {
  if (a.is_v4()) return internal_v4(a.to_v4());
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped())
    return internal_v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  const auto b = v6.to_bytes();
  return v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() || v6.is_link_local() ||
         (b[0] & 0xfe) == 0xfc;  // unique local fc00::/7 (fd00:ec2::254: cloud metadata)
}

}  // namespace cw
