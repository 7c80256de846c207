#include "daemon/api/request_auth.h"

#include "protocol/signed_request.h"

namespace cw::daemon {

RequestAuthenticator::RequestAuthenticator(const TrustHolder& trust, const Keyring& keys,
                                           Store& store, std::int64_t started_at)
    : trust_(trust),
      keys_(keys),
      store_(store),
      nonces_(2 * kRequestSkew),
      started_at_(started_at) {}

Result<KeyId> RequestAuthenticator::authenticate(const Request& req, Signer who,
                                                 const std::vector<KeyId>& also_for,
                                                 std::int64_t now) {
  if (who == Signer::none) return make_error(Errc::internal_error, "not a signed route");
  auto auth = parse_request_auth(req[http::field::authorization]);
  if (!auth) return auth.error();
  auto trust = trust_.get();
  PublicKey key;
  if (who == Signer::any_enrolled) who = trust->org(auth->key_id) ? Signer::org : Signer::contact;
  if (who == Signer::org) {
    const auto* o = trust->org(auth->key_id);
    if (!o) return make_error(Errc::unauthorized, "unknown organisation key");
    if (o->revoked) return make_error(Errc::forbidden, "this organisation's key has been revoked");
    key = o->key;
  } else {
    const auto* c = trust->contact(auth->key_id);
    if (!c) return make_error(Errc::unauthorized, "unknown contact key");
    if (c->revoked) return make_error(Errc::forbidden, "this contact's key has been revoked");
    key = c->key;
  }
  // Signed for this daemon's key id - or, after a rotation, for the key id
  // it had (a client fetching the invite update that tells it the new one).
  Status verified = make_error(Errc::bad_request_signature, "no daemon key id");
  auto daemon_ids = keys_.request_key_ids(now);
  daemon_ids.insert(daemon_ids.end(), also_for.begin(), also_for.end());
  for (const KeyId& daemon_id : daemon_ids) {
    verified =
        verify_request(*auth, key, daemon_id, req.method_string(), req.target(), req.body(), now);
    if (verified.ok() || verified.code() != Errc::bad_request_signature) break;
  }
  CW_TRY(verified);
  if (auth->ts < started_at_)
    return make_error(Errc::stale_request,
                      "the request was signed before the daemon started; sign it again");
  switch (nonces_.insert(key_id_hex(auth->key_id), auth->nonce, now)) {
    case NonceCache::Verdict::fresh:
      break;
    case NonceCache::Verdict::replayed:
      return make_error(Errc::replayed_request, "this signed request was already used");
    case NonceCache::Verdict::full:
      return make_error(Errc::rate_limited, "too many signed requests from this key; retry later");
  }
  // Daemons sharing a database share nonces too: the same request used at
  // another daemon is a replay here (the key and the daemon key id are the
  // same on both). One daemon alone: the cache above was the whole check.
  // Kept for twice the window (a request is accepted from skew before its
  // time to skew after, at any daemon) plus as much again for daemons'
  // clocks disagreeing, by the store's clock, rounded up to the hour: the
  // row dates the request no finer than the hour.
  auto shared = store_.claim_nonce(keys_.nonce_tag(auth->key_id, auth->nonce),
                                   std::chrono::seconds(4 * kRequestSkew));
  if (!shared) return shared.error();
  if (!*shared) return make_error(Errc::replayed_request, "this signed request was already used");
  return auth->key_id;
}

}  // namespace cw::daemon
