#include "client/error_words.h"

#include "client/messages.h"

namespace cw::client {

std::string plain_error(Errc code) {
  switch (code) {
    case Errc::not_found:
      return tr("something casewire needs is not there (is this device set up? see the detail)");
    case Errc::wrong_passphrase:
      return tr("the passphrase is wrong; nothing was sent. Try again");
    case Errc::no_passphrase:
      return tr("this key needs its passphrase: run the command in a terminal to be asked for it");
    case Errc::bad_key_file:
      return tr("the key file is damaged or is not a casewire key");
    case Errc::bad_invite:
      return tr("the invite is damaged or not from your operator: ask the operator for it again");
    case Errc::file_exists:
    case Errc::already_exists:
      return tr("a file is already there; nothing was overwritten");
    case Errc::io_error:
      return tr("a file could not be read or written (is the disk full, or the folder private?)");
    case Errc::bad_config:
      return tr("a setting is wrong (see the detail)");
    case Errc::invalid_alert:
    case Errc::malformed_alert:
    case Errc::alert_too_large:
      return tr("the alert is incomplete or not valid; nothing was sent (see the detail)");
    case Errc::bad_request:
      return tr("the command is incomplete or wrong (see the detail, or add --help)");
    case Errc::unreachable:
      return tr("the daemon could not be reached; check the network or Tor (casewire doctor)");
    case Errc::pin_mismatch:
      return tr(
          "DANGER: the server did not prove it is your daemon; someone may be intercepting this "
          "network. Nothing was sent. Tell the operator through another channel");
    case Errc::tls_error:
      return tr("the secure connection to the daemon failed (casewire doctor can say why)");
    case Errc::proxy_error:
      return tr("the proxy (Tor) did not work: is Tor running? (casewire doctor)");
    case Errc::bad_response:
    case Errc::bad_receipt:
    case Errc::bad_signature:
    case Errc::bad_notification:
    case Errc::bad_tree_head:
      return tr("the answer was not signed by your daemon and is not trusted; tell the operator");
    case Errc::rate_limited:
    case Errc::too_many_connections:
    case Errc::store_unavailable:
      return tr("the daemon is busy; try again in a few minutes");
    case Errc::unauthorized:
    case Errc::bad_request_signature:
    case Errc::stale_request:
      return tr(
          "the daemon did not accept this device's signature (is the clock right? casewire "
          "doctor)");
    case Errc::unknown_sender:
    case Errc::revoked_sender:
      return tr(
          "the daemon does not accept your key (not enrolled yet, or revoked): ask the "
          "operator");
    case Errc::log_inconsistent:
      return tr(
          "DANGER: the daemon's log lost or changed alerts it had recorded; tell your "
          "organisation through another channel");
    case Errc::unknown_case:
      return tr("the daemon knows no case of yours with this reference (see 'casewire receipts')");
    default:
      return tr("the command failed");
  }
}

std::string error_text(const Error& e) {
  const std::string code(code_name(e.code));
  if (language() == "en") return "error: " + code + ": " + e.message;
  std::string s = trf("error ({1}): {2}", {code, plain_error(e.code)});
  if (!e.message.empty()) s += "\n  " + trf("detail: {1}", {e.message});
  return s;
}

}  // namespace cw::client
