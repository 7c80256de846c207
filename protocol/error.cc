#include "protocol/error.h"

#include <array>

namespace cw {
namespace {

struct Name {
  Errc code;
  std::string_view name;
};

// Stable names: append only, never rename (they are API).
constexpr std::array kNames = {
    Name{Errc::ok, "ok"},
    Name{Errc::bad_magic, "bad_magic"},
    Name{Errc::unsupported_version, "unsupported_version"},
    Name{Errc::wrong_recipient, "wrong_recipient"},
    Name{Errc::truncated, "truncated"},
    Name{Errc::trailing_bytes, "trailing_bytes"},
    Name{Errc::decrypt_failed, "decrypt_failed"},
    Name{Errc::bad_padding, "bad_padding"},
    Name{Errc::malformed_envelope, "malformed_envelope"},
    Name{Errc::header_mismatch, "header_mismatch"},
    Name{Errc::unknown_sender, "unknown_sender"},
    Name{Errc::revoked_sender, "revoked_sender"},
    Name{Errc::bad_signature, "bad_signature"},
    Name{Errc::future_timestamp, "future_timestamp"},
    Name{Errc::malformed_alert, "malformed_alert"},
    Name{Errc::invalid_alert, "invalid_alert"},
    Name{Errc::alert_too_large, "alert_too_large"},
    Name{Errc::bad_receipt, "bad_receipt"},
    Name{Errc::bad_notification, "bad_notification"},
    Name{Errc::bad_request_signature, "bad_request_signature"},
    Name{Errc::stale_request, "stale_request"},
    Name{Errc::replayed_request, "replayed_request"},
    Name{Errc::bad_key_file, "bad_key_file"},
    Name{Errc::wrong_passphrase, "wrong_passphrase"},
    Name{Errc::no_passphrase, "no_passphrase"},
    Name{Errc::file_exists, "file_exists"},
    Name{Errc::not_found, "not_found"},
    Name{Errc::already_exists, "already_exists"},
    Name{Errc::bad_invite, "bad_invite"},
    Name{Errc::bad_config, "bad_config"},
    Name{Errc::io_error, "io_error"},
    Name{Errc::bad_backup, "bad_backup"},
    Name{Errc::rate_limited, "rate_limited"},
    Name{Errc::too_many_connections, "too_many_connections"},
    Name{Errc::body_too_large, "body_too_large"},
    Name{Errc::headers_too_large, "headers_too_large"},
    Name{Errc::bad_request, "bad_request"},
    Name{Errc::unauthorized, "unauthorized"},
    Name{Errc::forbidden, "forbidden"},
    Name{Errc::method_not_allowed, "method_not_allowed"},
    Name{Errc::unsupported_media_type, "unsupported_media_type"},
    Name{Errc::conflict, "conflict"},
    Name{Errc::store_unavailable, "store_unavailable"},
    Name{Errc::internal_error, "internal_error"},
    Name{Errc::unreachable, "unreachable"},
    Name{Errc::pin_mismatch, "pin_mismatch"},
    Name{Errc::tls_error, "tls_error"},
    Name{Errc::proxy_error, "proxy_error"},
    Name{Errc::bad_response, "bad_response"},
    Name{Errc::unknown_case, "unknown_case"},
    Name{Errc::case_retracted, "case_retracted"},
    Name{Errc::retired_key, "retired_key"},
    Name{Errc::bad_tree_head, "bad_tree_head"},
    Name{Errc::log_inconsistent, "log_inconsistent"},
};

// Every code has exactly one wire name, in enum order: a code added without a
// name fails the build, not a request.
constexpr bool names_complete() {
  if (kNames.size() != kErrcCount) return false;
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (static_cast<std::size_t>(kNames[i].code) != i) return false;
  return true;
}
static_assert(names_complete(), "every Errc needs a stable name in kNames, in enum order");

}  // namespace

std::string_view code_name(Errc code) {
  for (const auto& n : kNames)
    if (n.code == code) return n.name;
  return "internal_error";
}

Errc code_from_name(std::string_view name) {
  for (const auto& n : kNames)
    if (n.name == name) return n.code;
  return Errc::internal_error;
}

}  // namespace cw
