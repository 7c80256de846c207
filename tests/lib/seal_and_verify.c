/* A C program using only lib/casewire.h, as a phone app would:
 *   seal_and_verify seal INVITE KEY ALERT.json ENVELOPE_OUT ID_OUT
 *   seal_and_verify verify INVITE RECEIPT.json ENVELOPE ID_FILE
 * Prints the status name; exits 0 on CW_OK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/casewire.h"

static char* slurp(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  char* buf = malloc(1 << 20);
  *len = fread(buf, 1, (1 << 20) - 1, f);
  buf[*len] = 0;
  fclose(f);
  return buf;
}

static int spit(const char* path, const void* data, size_t len) {
  FILE* f = fopen(path, "wb");
  if (!f) return 0;
  int ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

static int done(cw_status s) {
  printf("%s\n", cw_status_name(s));
  return s == CW_OK ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc < 6 || cw_init() != CW_OK || cw_abi_version() != CASEWIRE_ABI_VERSION) return 2;
  if (strcmp(argv[1], "seal") == 0 && argc != 7) return 2;
  size_t invite_len = 0;
  char* invite_text = slurp(argv[2], &invite_len);
  cw_invite* invite = NULL;
  if (!invite_text) return 2;
  cw_status s = cw_invite_parse(invite_text, invite_len, &invite);
  free(invite_text);
  if (s != CW_OK) return done(s);
  if (strcmp(argv[1], "seal") == 0) {
    size_t key_len = 0, alert_len = 0;
    char* key = slurp(argv[3], &key_len);
    char* alert_json = slurp(argv[4], &alert_len);
    cw_identity* me = NULL;
    cw_alert* alert = NULL;
    if (!key || !alert_json) return 2;
    s = cw_identity_open(key, key_len, NULL, 0, &me);
    free(key);
    if (s == CW_OK) s = cw_alert_from_json(alert_json, alert_len, (int64_t)time(NULL), &alert);
    free(alert_json);
    if (s != CW_OK) {
      cw_identity_free(me);
      cw_invite_free(invite);
      return done(s);
    }
    uint8_t id[16], small[16], envelope[CASEWIRE_ENVELOPE_SIZE];
    size_t len = 0;
    /* The size is reported, and a short buffer is left alone. */
    if (cw_seal(alert, me, invite, (int64_t)time(NULL), id, small, sizeof small, &len) !=
            CW_ERR_BUFFER_TOO_SMALL ||
        len != CASEWIRE_ENVELOPE_SIZE)
      return 3;
    s = cw_seal(alert, me, invite, (int64_t)time(NULL), id, envelope, sizeof envelope, &len);
    cw_alert_free(alert);
    cw_identity_free(me);
    cw_invite_free(invite);
    if (s != CW_OK) return done(s);
    if (!spit(argv[5], envelope, len) || !spit(argv[6], id, sizeof id)) return 2;
    return done(s);
  }
  size_t receipt_len = 0, envelope_len = 0, id_len = 0;
  char* receipt = slurp(argv[3], &receipt_len);
  char* envelope = slurp(argv[4], &envelope_len);
  char* id = slurp(argv[5], &id_len);
  if (!receipt || !envelope || !id || id_len != 16) return 2;
  s = cw_receipt_verify(receipt, receipt_len, invite, (const uint8_t*)id, (const uint8_t*)envelope,
                        envelope_len);
  cw_invite_free(invite);
  free(receipt);
  free(envelope);
  free(id);
  return done(s);
}
