// libcasewire: C wrappers over the protocol library. Each entry point
// catches everything: no C++ exception may cross into a C caller.
#include "lib/casewire.h"

#include <boost/json.hpp>

#include <cstring>
#include <string>

#include "protocol/alert.h"
#include "protocol/case_log.h"
#include "protocol/envelope.h"
#include "protocol/invite.h"
#include "protocol/key_file.h"
#include "protocol/receipt.h"
#include "protocol/secret.h"
#include "protocol/signed_payload.h"

struct cw_alert {
  cw::Alert alert;
  ~cw_alert() { cw::wipe_alert(alert); }
};
struct cw_identity {
  cw::Identity id;
};
struct cw_invite {
  cw::Invite invite;
};

namespace {

cw_status status_of(cw::Errc e) {
  switch (e) {
    case cw::Errc::ok:
      return CW_OK;
    case cw::Errc::malformed_alert:
    case cw::Errc::invalid_alert:
    case cw::Errc::alert_too_large:
      return CW_ERR_INVALID_ALERT;
    case cw::Errc::bad_key_file:
    case cw::Errc::wrong_passphrase:
    case cw::Errc::no_passphrase:
      return CW_ERR_BAD_KEY;
    case cw::Errc::bad_invite:
      return CW_ERR_BAD_INVITE;
    case cw::Errc::bad_receipt:
      return CW_ERR_BAD_RECEIPT;
    case cw::Errc::bad_signature:
    case cw::Errc::bad_notification:
      return CW_ERR_BAD_SIGNATURE;
    default:
      return CW_ERR_INTERNAL;
  }
}

template <class F>
cw_status guarded(F f) {
  try {
    return f();
  } catch (...) {
    return CW_ERR_INTERNAL;
  }
}

// Both receipt checks; `require_log`: a receipt naming no case-log entry is refused.
cw_status verify_receipt_answer(const char* receipt_json, size_t len, const cw_invite* invite,
                                const uint8_t alert_id[16], const uint8_t* envelope,
                                size_t envelope_len, bool require_log) {
  if (!receipt_json || !invite || !alert_id || !envelope) return CW_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    auto r = cw::receipt_from_json(std::string_view(receipt_json, len));
    if (!r) return CW_ERR_BAD_RECEIPT;
    if (!cw::verify_receipt(*r, invite->invite.daemon_sign).ok()) return CW_ERR_BAD_RECEIPT;
    if (std::memcmp(r->alert_id.data(), alert_id, r->alert_id.size()) != 0)
      return CW_ERR_BAD_RECEIPT;
    const auto h = cw::envelope_hash(cw::ByteView(envelope, envelope_len));
    if (h != r->envelope_hash) return CW_ERR_BAD_RECEIPT;
    // A receipt with a case-log leaf: the head and inclusion proof beside it
    // must show that leaf in the daemon's signed log (docs/PROTOCOL.md §5b).
    if (r->log) {
      auto e = cw::log_evidence_in_answer(std::string_view(receipt_json, len));
      if (!e || !*e || !cw::verify_log_evidence(**e, *r->log, invite->invite.daemon_sign).ok())
        return CW_ERR_BAD_RECEIPT;
    }
    // A v3 promise is bounded by verify_receipt (protocol/case_log.h).
    if (require_log && !r->log && !r->promise) return CW_ERR_BAD_RECEIPT;
    return CW_OK;
  });
}

}  // namespace

extern "C" {

int cw_abi_version(void) {
  return CASEWIRE_ABI_VERSION;
}

const char* cw_status_name(cw_status s) {
  switch (s) {
    case CW_OK:
      return "ok";
    case CW_ERR_INVALID_ARGUMENT:
      return "invalid_argument";
    case CW_ERR_INVALID_ALERT:
      return "invalid_alert";
    case CW_ERR_BUFFER_TOO_SMALL:
      return "buffer_too_small";
    case CW_ERR_BAD_KEY:
      return "bad_key";
    case CW_ERR_BAD_INVITE:
      return "bad_invite";
    case CW_ERR_BAD_RECEIPT:
      return "bad_receipt";
    case CW_ERR_BAD_SIGNATURE:
      return "bad_signature";
    case CW_ERR_INTERNAL:
      return "internal";
  }
  return "unknown";
}

cw_status cw_init(void) {
  return guarded([] {
    cw::init_crypto();
    return CW_OK;
  });
}

cw_status cw_alert_from_json(const char* json, size_t len, int64_t now, cw_alert** out) {
  if (!json || !out) return CW_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    auto a = cw::parse_alert_json(std::string_view(json, len), now);
    if (!a) return status_of(a.code());
    *out = new cw_alert{std::move(*a)};
    return CW_OK;
  });
}

void cw_alert_free(cw_alert* alert) {
  delete alert;
}

cw_status cw_identity_open(const char* key_file, size_t len, const char* passphrase,
                           size_t passphrase_len, cw_identity** out) {
  if (!key_file || !out) return CW_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    const std::string_view text(key_file, len);
    if (!passphrase && !cw::identity_file_is_insecure(text)) return CW_ERR_BAD_KEY;
    auto id = cw::open_identity(text, [&]() -> cw::Result<cw::SecretBytes> {
      return cw::SecretBytes::copy_of(
          {reinterpret_cast<const std::uint8_t*>(passphrase), passphrase_len});
    });
    if (!id) return status_of(id.code());
    if (id->role != cw::Role::contact) return CW_ERR_BAD_KEY;
    *out = new cw_identity{std::move(*id)};
    return CW_OK;
  });
}

void cw_identity_free(cw_identity* identity) {
  delete identity;  // SecretBytes wipes the keys
}

cw_status cw_invite_parse(const char* json, size_t len, cw_invite** out) {
  if (!json || !out) return CW_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    auto inv = cw::invite_from_json(std::string_view(json, len));
    if (!inv) return status_of(inv.code());
    *out = new cw_invite{std::move(*inv)};
    return CW_OK;
  });
}

void cw_invite_free(cw_invite* invite) {
  delete invite;
}

cw_status cw_seal(const cw_alert* alert, const cw_identity* sender, const cw_invite* invite,
                  int64_t now, uint8_t alert_id[16], uint8_t* envelope, size_t capacity,
                  size_t* len) {
  if (!alert || !sender || !invite || !alert_id || !len) return CW_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    *len = CASEWIRE_ENVELOPE_SIZE;
    if (!envelope || capacity < CASEWIRE_ENVELOPE_SIZE) return CW_ERR_BUFFER_TOO_SMALL;
    const cw::AlertId id = cw::random_alert_id();
    auto wire =
        cw::seal_envelope(alert->alert, id, now, sender->id.sign, invite->invite.daemon_box);
    if (!wire) return status_of(wire.code());
    if (wire->size() != CASEWIRE_ENVELOPE_SIZE) return CW_ERR_INTERNAL;
    std::memcpy(envelope, wire->data(), wire->size());
    std::memcpy(alert_id, id.data(), id.size());
    return CW_OK;
  });
}

cw_status cw_receipt_verify(const char* receipt_json, size_t len, const cw_invite* invite,
                            const uint8_t alert_id[16], const uint8_t* envelope,
                            size_t envelope_len) {
  return verify_receipt_answer(receipt_json, len, invite, alert_id, envelope, envelope_len, false);
}

cw_status cw_receipt_verify_logged(const char* receipt_json, size_t len, const cw_invite* invite,
                                   const uint8_t alert_id[16], const uint8_t* envelope,
                                   size_t envelope_len) {
  return verify_receipt_answer(receipt_json, len, invite, alert_id, envelope, envelope_len, true);
}

cw_status cw_notification_open(const char* signed_json, size_t len, const cw_invite* invite,
                               char* payload, size_t capacity, size_t* payload_len) {
  if (!signed_json || !invite || !payload_len) return CW_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    // A webhook body wraps the signed notification in the Standard Webhooks
    // payload ({"type", "timestamp", "data"}); a feed line is the wrapper.
    std::string wrapper(signed_json, len);
    std::error_code ec;
    auto v = boost::json::parse(wrapper, ec);
    if (!ec && v.is_object())
      if (const auto* data = v.as_object().if_contains("data"); data && data->is_object())
        wrapper = boost::json::serialize(*data);
    auto p = cw::open_payload(wrapper, cw::kNotificationDomain, invite->invite.daemon_sign);
    if (!p) return CW_ERR_BAD_SIGNATURE;
    // The payload is text: a NUL follows it when the buffer has room, so a
    // caller that asks for *payload_len + 1 bytes gets a C string. ABI 1
    // accepted a buffer of exactly *payload_len (no NUL), and still does.
    *payload_len = p->size();
    if (!payload || capacity < p->size()) return CW_ERR_BUFFER_TOO_SMALL;
    std::memcpy(payload, p->data(), p->size());
    if (capacity > p->size()) payload[p->size()] = '\0';
    return CW_OK;
  });
}

}  // extern "C"
