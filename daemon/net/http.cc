#include "daemon/net/http.h"

#include <boost/json.hpp>
#include <sstream>

namespace cw::daemon {

http::status status_for(Errc code) {
  using S = http::status;
  switch (code) {
    case Errc::ok:
      return S::ok;
    case Errc::unknown_sender:
    case Errc::bad_signature:
    case Errc::unauthorized:
    case Errc::bad_request_signature:
    case Errc::stale_request:
    case Errc::replayed_request:
      return S::unauthorized;
    case Errc::revoked_sender:
    case Errc::forbidden:
      return S::forbidden;
    case Errc::not_found:
      return S::not_found;
    case Errc::method_not_allowed:
      return S::method_not_allowed;
    case Errc::conflict:
    case Errc::case_retracted:
      return S::conflict;
    case Errc::retired_key:
      return S::gone;
    case Errc::body_too_large:
      return S::payload_too_large;
    case Errc::unsupported_media_type:
      return S::unsupported_media_type;
    case Errc::malformed_alert:
    case Errc::invalid_alert:
    case Errc::alert_too_large:
    case Errc::unknown_case:
      return S::unprocessable_entity;
    case Errc::rate_limited:
      return S::too_many_requests;
    case Errc::headers_too_large:
      return S::request_header_fields_too_large;
    case Errc::store_unavailable:
    case Errc::too_many_connections:
      return S::service_unavailable;
    case Errc::internal_error:
      return S::internal_server_error;
    default:
      return S::bad_request;
  }
}

Response json_response(http::status status, std::string body, unsigned version) {
  Response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

void pad_response(Response& res, std::size_t total) {
  std::ostringstream head;
  head << res.base();
  const std::size_t now = head.str().size() + res.body().size();
  constexpr std::size_t kLine = 9;  // "X-Pad: " + value + CRLF, value empty
  if (now + kLine > total) return;
  res.set("X-Pad", std::string(total - now - kLine, '0'));
}

std::string_view target_path(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

Response generic_not_found(unsigned version) {
  Response res{http::status::not_found, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = "404 page not found\n";
  res.prepare_payload();
  return res;
}

Response error_response(Errc code, std::string_view message, unsigned version,
                        std::optional<std::uint32_t> retry_after) {
  boost::json::object o;
  o["error"] = code_name(code);
  o["message"] = message;
  auto res = json_response(status_for(code), boost::json::serialize(o), version);
  if (retry_after) res.set(http::field::retry_after, std::to_string(*retry_after));
  return res;
}

}  // namespace cw::daemon
