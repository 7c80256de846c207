// The public API (TLS listener), docs/PROTOCOL.md §6. It maps what the
// layers below answer (ingest outcomes, store results) to HTTP; they know
// nothing of HTTP themselves. The routes, who must sign each and their body
// limits are one table (routes.h); who signed a request is one check
// (request_auth.h).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "daemon/api/feed.h"
#include "daemon/api/request_auth.h"
#include "daemon/api/routes.h"
#include "daemon/caselog/tree_heads.h"
#include "daemon/config.h"
#include "daemon/delivery/notification_signer.h"
#include "daemon/ingest/ingest.h"
#include "daemon/keyring.h"
#include "daemon/metrics.h"
#include "daemon/net/http.h"
#include "daemon/nonce_cache.h"
#include "daemon/published.h"
#include "daemon/rate_limit.h"
#include "daemon/rotation.h"
#include "daemon/store/store.h"
#include "daemon/trust.h"

namespace cw::daemon {

struct AddressHash {
  std::size_t operator()(const boost::asio::ip::address& a) const {
    return std::hash<std::string>()(a.to_string());
  }
};

struct ApiDeps {
  Limits limits;
  Metrics& metrics;
  Ingest& ingest;
  Store& store;
  FeedHub& hub;
  const TrustHolder& trust;
  const Keyring& keys;
  NotificationSigner& notes;  // signs each notification once; seals per organisation
  TreeHeads& heads;           // the case log's signed heads (GET /v1/log/*)
  // The signed gazetteer and the invite updates after key rotations.
  const Published& published;
  boost::asio::any_io_executor ex;
  std::chrono::milliseconds feed_heartbeat{15000};
};

class ApiHandler final : public Handler {
 public:
  explicit ApiHandler(ApiDeps deps);
  std::optional<Response> precheck(const RequestHeader& head, const RequestContext& ctx) override;
  void handle(Request&& req, const RequestContext& ctx, Reply reply) override;
  // Every answer to POST /v1/alerts - receipt, repeat, any refusal - is
  // kAlertAnswerSize bytes: its size does not tell an observer whether a
  // submission was new, a repeat or refused.
  std::size_t answer_size(const RequestHeader& head) const override;

 private:
  // Signs the answer to an acknowledgement or an answer and sends it from
  // the API's executor: the store's callback runs on the writer thread,
  // which must not sign (ingest keeps it free the same way). Case status and
  // org cases read the store on the executor already and sign in place.
  void send_signed(const std::function<void(Response)>& send, std::string json, unsigned version);
  // Routes behind authentication: `who` is the verified signer.
  void feed(const Request& req, const KeyId& who, const Reply& reply);
  void pull(const Request& req, const KeyId& who, const Reply& reply);
  void ack(std::uint64_t id, const KeyId& who, unsigned version, const Reply& reply);
  void answer(std::uint64_t id, const std::string& body, const KeyId& who, unsigned version,
              const Reply& reply);
  void log_proof(std::string_view target, unsigned version, const Reply& reply);
  void case_status(const AlertId& case_ref, const KeyId& who, unsigned version, const Reply& reply);
  void org_cases(std::string_view target, const KeyId& who, unsigned version, const Reply& reply);

  ApiDeps d_;
  TokenBuckets<boost::asio::ip::address, AddressHash> ip_buckets_;
  // Requests signed before this daemon started are refused: the nonce cache
  // starts empty, so without that a request captured before a restart could
  // be replayed after it, within the skew window.
  RequestAuthenticator auth_;
};

}  // namespace cw::daemon
