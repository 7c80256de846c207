// The one error vocabulary of casewire.
//
// Every fallible operation returns a Result<T> or Status carrying an Errc and a
// human message. The code's name (code_name) is the stable string that goes on
// the wire ({"error": "<code>"}), into logs and into metric labels, so codes are
// only ever added, never renamed. The message is for people: it names the field
// or the limit that was broken and NEVER echoes a value from the input (a value
// might be a name or a phone number).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cw {

enum class Errc {
  ok = 0,
  // Envelope, outer header (cheap checks, before any crypto).
  bad_magic,
  unsupported_version,
  wrong_recipient,
  truncated,
  trailing_bytes,
  // Envelope, inside the sealed box.
  decrypt_failed,
  bad_padding,
  malformed_envelope,
  header_mismatch,
  unknown_sender,
  revoked_sender,
  bad_signature,
  future_timestamp,
  // Alert content.
  malformed_alert,
  invalid_alert,
  alert_too_large,
  // Receipts, notifications, signed requests.
  bad_receipt,
  bad_notification,
  bad_request_signature,
  stale_request,
  replayed_request,
  // Keys and files.
  bad_key_file,
  wrong_passphrase,
  no_passphrase,
  file_exists,
  not_found,
  already_exists,
  bad_invite,
  bad_config,
  io_error,
  bad_backup,
  // Service.
  rate_limited,
  too_many_connections,
  body_too_large,
  headers_too_large,
  bad_request,
  unauthorized,
  forbidden,
  method_not_allowed,
  unsupported_media_type,
  conflict,
  store_unavailable,
  internal_error,
  // Client-side transport.
  unreachable,
  pin_mismatch,
  tls_error,
  proxy_error,
  bad_response,
  unknown_case,
  case_retracted,
  retired_key,  // envelope sealed to a daemon box key whose grace period ended
  // The case log (protocol/case_log.h).
  bad_tree_head,     // a tree head or proof that is malformed or not signed by the daemon
  log_inconsistent,  // the log lost or changed a recorded event, or shows two histories
  // Add new codes above this line (and to kNames in error.cc).
  count_,
};
inline constexpr std::size_t kErrcCount = static_cast<std::size_t>(Errc::count_);

// The stable wire/log name of a code, e.g. "bad_signature".
std::string_view code_name(Errc code);

// Parses a stable name back into a code; internal_error when unknown.
Errc code_from_name(std::string_view name);

struct Error {
  Errc code = Errc::internal_error;
  std::string message;
};

inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message)};
}

// A value or an Error. Deliberately small: has_value/value/error, no exceptions.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }

  const Error& error() const { return std::get<1>(v_); }
  Errc code() const { return ok() ? Errc::ok : error().code; }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for operations with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  Errc code() const { return ok_ ? Errc::ok : error_.code; }

 private:
  Error error_{Errc::ok, {}};
  bool ok_ = true;
};

// Early-return helpers, in the style of leveldb's status checks.
#define CW_TRY(expr)                                         \
  do {                                                       \
    auto&& cw_try_status_ = (expr);                          \
    if (!cw_try_status_.ok()) return cw_try_status_.error(); \
  } while (0)

}  // namespace cw
