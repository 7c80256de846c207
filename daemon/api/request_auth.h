// Who signed a request: the one check every route but POST /v1/alerts (whose
// envelope carries its own signature) passes before any route code runs
// (docs/PROTOCOL.md §6, "Signed requests"). It stops four things:
// - a request signed by a key the trust store does not hold, or holds as
//   revoked (unauthorized / forbidden), or by a contact where the route
//   wants an organisation (and the other way round);
// - a request signed for another daemon, or for this daemon's key id from
//   before a rotation once its grace period is over (bad_request_signature);
// - a request replayed within the time window, at this daemon (its nonce
//   cache) or at another daemon sharing the database (the store's nonces),
//   or signed before this daemon started, when its cache was empty
//   (replayed_request / stale_request);
// - a request signed outside the time window (stale_request,
//   protocol/signed_request.h).
#pragma once

#include <cstdint>
#include <vector>

#include "daemon/keyring.h"
#include "daemon/net/http.h"
#include "daemon/nonce_cache.h"
#include "daemon/store/store.h"
#include "daemon/trust.h"

namespace cw::daemon {

// Who must have signed a request for a route.
enum class Signer {
  none,          // not a signed request (POST /v1/alerts)
  contact,       // an active contact
  org,           // an active organisation
  any_enrolled,  // either
};

class RequestAuthenticator {
 public:
  // `started_at`: when this daemon started (requests signed before it are
  // refused: the nonce cache started empty then).
  RequestAuthenticator(const TrustHolder& trust, const Keyring& keys, Store& store,
                       std::int64_t started_at);

  // Verifies the request's signature by a key of the kind `who` names and
  // claims its nonce; returns the signer's key id. A request may be made for
  // the daemon's current signing key id, a previous one within its grace
  // period, or one of `also_for`.
  Result<KeyId> authenticate(const Request& req, Signer who, const std::vector<KeyId>& also_for,
                             std::int64_t now);

 private:
  const TrustHolder& trust_;
  const Keyring& keys_;
  Store& store_;
  NonceCache nonces_;
  const std::int64_t started_at_;
};

}  // namespace cw::daemon
