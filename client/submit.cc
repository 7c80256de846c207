#include "client/submit.h"

#include "client/context.h"
#include "client/messages.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>

namespace cw::client {
namespace {

// Refusals that can heal keep the alert queued for the next flush: a daemon
// busy or unable to write right now, a contact enrolled but not yet reloaded
// (unknown_sender), a device clock ahead of the daemon's (future_timestamp:
// accepted once real time catches up). Everything else is final for this
// envelope, and the outbox keeps it marked as refused (never deletes it).
bool transient(Errc code) {
  return code == Errc::rate_limited || code == Errc::store_unavailable ||
         code == Errc::too_many_connections || code == Errc::internal_error ||
         code == Errc::unknown_sender || code == Errc::future_timestamp;
}

}  // namespace

std::string plain_refusal(Errc code) {
  switch (code) {
    case Errc::conflict:
      return tr(
          "another alert with the same id but different content was recorded before; this one was "
          "NOT recorded. Send the report again as a new alert");
    case Errc::revoked_sender:
      return tr(
          "your key has been revoked; this alert was NOT recorded. Ask the operator for a new key");
    case Errc::forbidden:
      return tr(
          "the places in this alert are outside the regions you may report on; it was NOT "
          "recorded. Check the place codes, or ask the operator");
    case Errc::unknown_case:
      return tr(
          "the daemon knows no case of yours with this reference; it was NOT recorded. Check the "
          "case reference in 'casewire receipts'");
    case Errc::case_retracted:
      return tr(
          "this case was retracted, and a retraction is final; the update was NOT recorded. Report "
          "a new case if people are still held");
    case Errc::retired_key:
      return tr(
          "this alert was sealed to a daemon key that has since been retired; it was NOT recorded. "
          "Run 'casewire update-invite', then send the report again");
    case Errc::invalid_alert:
    case Errc::malformed_alert:
    case Errc::alert_too_large:
      return tr(
          "the daemon found the alert invalid; it was NOT recorded. Correct it and send it again");
    default:
      return tr("the daemon refused this alert; it was NOT recorded. Tell the operator the code");
  }
}

int exit_status(Outcome o) {
  switch (o) {
    case Outcome::receipted:
      return kExitOk;
    case Outcome::rejected:
      return kExitRejected;
    case Outcome::deferred:
      return kExitQueued;
    case Outcome::untrusted:
      return kExitUntrusted;
  }
  return kExitUsage;
}

DeliveryResult deliver(ByteView wire, const AlertId* expected_id, const Invite& invite,
                       const TransportOptions& transport, const std::vector<std::string>& urls) {
  const auto& list = urls.empty() ? invite.urls : urls;
  DeliveryResult last{
      Outcome::deferred, {}, false, make_error(Errc::unreachable, "no daemon URL"), ""};
  std::optional<Error> pin_failure;
  HttpRequest req;
  req.target = "/v1/alerts";
  req.body.assign(as_chars(wire));
  std::optional<DeliveryResult> final_result;
  std::uint32_t announced = 0;
  try_each_url(list, [&](const std::string& url) {
    auto res = https_request(url, req, transport);
    if (res && !res->invite_update.empty()) {
      unsigned long n = 0;
      try {
        n = std::stoul(res->invite_update);
      } catch (...) {  // not a number: no announcement
      }
      announced = static_cast<std::uint32_t>(std::min<unsigned long>(n, 0xffffffffUL));
    }
    if (!res) {
      if (res.code() == Errc::pin_mismatch) pin_failure = res.error();
      last = DeliveryResult{Outcome::deferred, {}, false, res.error(), ""};
      return false;  // failover: the next URL may work
    }
    if (res->status == 200 || res->status == 201) {
      auto r = receipt_from_json(res->body);
      Status ok = r ? verify_receipt(*r, invite.daemon_sign) : Status(r.error());
      if (ok.ok() && expected_id && r->alert_id != *expected_id)
        ok = make_error(Errc::bad_receipt, "receipt is for another alert");
      if (ok.ok() && r->envelope_hash != envelope_hash(wire))
        ok = make_error(Errc::bad_receipt, "receipt is for another envelope of this alert");
      // A daemon with a case log answers a new alert with a place or a
      // promise; a receipt with neither would put the alert beyond every
      // later verify-log ("from before the log"). Only a repeat of an alert
      // recorded before the log may have one.
      if (ok.ok() && res->status == 201 && !r->log && !r->promise)
        ok = make_error(Errc::bad_receipt, "receipt for a new alert names no place in the log");
      // `repeat` also on an answer that did not verify: if it turns out to be
      // signed by the daemon's next key, the second ask is a repeat only if
      // this one was.
      final_result =
          ok.ok() ? DeliveryResult{Outcome::receipted, *r, res->status == 200, {}, ""}
                  : DeliveryResult{Outcome::untrusted, {}, res->status == 200, ok.error(), ""};
      if (ok.ok() && r->log)
        if (auto e = log_evidence_in_answer(res->body);
            e && *e && verify_log_evidence(**e, *r->log, invite.daemon_sign).ok())
          final_result->log = std::move(**e);
      return true;
    }
    auto err = error_from_body(res->status, res->body);
    if (transient(err.code)) {
      last = DeliveryResult{Outcome::deferred, {}, false, err, res->retry_after};
      return false;
    }
    final_result = DeliveryResult{Outcome::rejected, {}, false, err, ""};
    return true;
  });
  if (final_result) {
    final_result->update_announced = announced;
    return *final_result;
  }
  // Nobody answered with a receipt. If any server presented the wrong
  // certificate, say so loudly: that is interception, not a bad network.
  if (pin_failure) return DeliveryResult{Outcome::untrusted, {}, false, *pin_failure, "", 0};
  last.update_announced = announced;
  return last;
}

}  // namespace cw::client
