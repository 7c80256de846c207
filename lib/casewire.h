/* libcasewire: the contact side of the casewire protocol, for programs that
 * are not the casewire client - a phone app, another language's binding.
 *
 * One header, C only. Rules (docs/LIBCASEWIRE.md):
 *  - every function returns a cw_status (CW_OK = 0); no exception, no abort,
 *    no output, no global state beyond what cw_init sets up;
 *  - objects are opaque handles the caller frees with their _free function
 *    (which wipes any secret or personal data they held);
 *  - output goes into buffers the caller owns: the size needed is reported
 *    in *len, and CW_ERR_BUFFER_TOO_SMALL leaves the buffer untouched;
 *  - the ABI is versioned: cw_abi_version() == CASEWIRE_ABI_VERSION for the
 *    header the program was built with; the soname (libcasewire.so.1)
 *    changes with any incompatible change; functions are only ever added.
 */
#ifndef CASEWIRE_H
#define CASEWIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CASEWIRE_ABI_VERSION 1
#define CASEWIRE_ENVELOPE_SIZE 8253 /* every sealed alert is exactly this long */

#if defined(__GNUC__)
#define CASEWIRE_API __attribute__((visibility("default")))
#else
#define CASEWIRE_API
#endif

typedef enum cw_status {
  CW_OK = 0,
  CW_ERR_INVALID_ARGUMENT = 1, /* a null pointer, a length out of range */
  CW_ERR_INVALID_ALERT = 2,    /* the alert breaks the schema (docs/PROTOCOL.md section 2) */
  CW_ERR_BUFFER_TOO_SMALL = 3, /* *len says how much is needed */
  CW_ERR_BAD_KEY = 4,          /* a key file that does not open (wrong passphrase, damaged) */
  CW_ERR_BAD_INVITE = 5,
  CW_ERR_BAD_RECEIPT = 6,   /* not a receipt for this envelope, or not signed by the daemon */
  CW_ERR_BAD_SIGNATURE = 7, /* a notification not signed by the daemon */
  CW_ERR_INTERNAL = 8
} cw_status;

typedef struct cw_alert cw_alert;
typedef struct cw_identity cw_identity;
typedef struct cw_invite cw_invite;

CASEWIRE_API int cw_abi_version(void);
/* A stable name for a status ("ok", "invalid_alert", ...). Never NULL. */
CASEWIRE_API const char* cw_status_name(cw_status status);
/* Call once before anything else (initialises libsodium). Thread-safe. */
CASEWIRE_API cw_status cw_init(void);

/* An alert from its JSON (docs/PROTOCOL.md section 2), checked against the
 * schema at `now` (Unix seconds). */
CASEWIRE_API cw_status cw_alert_from_json(const char* json, size_t len, int64_t now,
                                          cw_alert** out);
CASEWIRE_API void cw_alert_free(cw_alert* alert);

/* The contact's key file (casewire new-key); `passphrase` may be NULL for a
 * file stored without one. */
CASEWIRE_API cw_status cw_identity_open(const char* key_file, size_t len, const char* passphrase,
                                        size_t passphrase_len, cw_identity** out);
CASEWIRE_API void cw_identity_free(cw_identity* identity);

/* The invite from the operator (docs/PROTOCOL.md section 5). */
CASEWIRE_API cw_status cw_invite_parse(const char* json, size_t len, cw_invite** out);
CASEWIRE_API void cw_invite_free(cw_invite* invite);

/* Signs and seals `alert` for the invite's daemon: CASEWIRE_ENVELOPE_SIZE
 * bytes into `envelope`, and the alert's new random id into alert_id. POST
 * the envelope to <daemon URL>/v1/alerts over TLS pinned to the invite. */
CASEWIRE_API cw_status cw_seal(const cw_alert* alert, const cw_identity* sender,
                               const cw_invite* invite, int64_t now, uint8_t alert_id[16],
                               uint8_t* envelope, size_t capacity, size_t* len);

/* CW_OK if `receipt_json` (the daemon's answer) is signed by the invite's
 * daemon and is for this alert id and exactly this envelope. A v3 receipt
 * (today's daemons) signs the alert's case-log leaf and the time the daemon
 * promises it is in the log by (`log_include_by`): the leaf has no place yet,
 * so nothing about the log is checked here - fetch its place and proof after
 * that time (GET /v1/log/proof?leaf=, docs/PROTOCOL.md section 5b). A v2
 * receipt (older daemons) names its place at once, and the signed tree head
 * and inclusion proof beside it must show that leaf in the log.
 * Keep the whole answer, sealed on the device: it is what a later log check
 * starts from, and a handle into the server's database for whoever reads it. */
CASEWIRE_API cw_status cw_receipt_verify(const char* receipt_json, size_t len,
                                         const cw_invite* invite, const uint8_t alert_id[16],
                                         const uint8_t* envelope, size_t envelope_len);

/* As cw_receipt_verify, and also refuses (CW_ERR_BAD_RECEIPT) a receipt
 * that commits the daemon to no case-log entry at all - neither a v3 leaf
 * with its bounded promise nor a v2 place with its verified proof - so an app
 * can insist that every alert it was given a receipt for can be checked in
 * the log later. (The casewire client refuses such a receipt at send.) */
CASEWIRE_API cw_status cw_receipt_verify_logged(const char* receipt_json, size_t len,
                                                const cw_invite* invite, const uint8_t alert_id[16],
                                                const uint8_t* envelope, size_t envelope_len);

/* The payload of a daemon-signed notification (a webhook body - the Standard
 * Webhooks payload around it - or a feed line), once its signature verified
 * under the invite's daemon key. A sealed notification (an organisation's
 * sealed subscription) is not opened here: CW_ERR_BAD_SIGNATURE.
 * The payload is JSON text of *payload_len bytes (set whenever the signature
 * verified, also with CW_ERR_BUFFER_TOO_SMALL: ask with capacity 0, then
 * call again). A NUL follows it only if `capacity` > *payload_len: pass
 * *payload_len + 1 bytes to get a C string. */
CASEWIRE_API cw_status cw_notification_open(const char* signed_json, size_t len,
                                            const cw_invite* invite, char* payload, size_t capacity,
                                            size_t* payload_len);

#ifdef __cplusplus
}
#endif

#endif /* CASEWIRE_H */
