#include "daemon/api/api.h"

#include <boost/json.hpp>
#include <cmath>

#include "daemon/log.h"
#include "daemon/routing/routing.h"
#include "protocol/case_log.h"
#include "protocol/signed_payload.h"
#include "protocol/signed_request.h"
#include "protocol/timefmt.h"

namespace cw::daemon {
namespace {

constexpr std::size_t kMaxSmallBody = 1024;  // every request but an envelope is tiny
constexpr std::size_t kPageLimit = 100;

// Value of `key` in the query string, or "".
std::string_view query_param(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  auto qs = target.substr(q + 1);
  while (!qs.empty()) {
    auto amp = qs.find('&');
    auto part = qs.substr(0, amp);
    if (part.size() > key.size() && part.substr(0, key.size()) == key && part[key.size()] == '=')
      return part.substr(key.size() + 1);
    if (amp == std::string_view::npos) break;
    qs = qs.substr(amp + 1);
  }
  return {};
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::stoull(std::string(s));
}

// /v1/notifications/{id}/SUFFIX -> id (SUFFIX "/ack" or "/answer")
std::optional<std::uint64_t> notification_id(std::string_view path, std::string_view suffix) {
  constexpr std::string_view kPrefix = "/v1/notifications/";
  if (path.size() <= kPrefix.size() + suffix.size() || path.substr(0, kPrefix.size()) != kPrefix ||
      path.substr(path.size() - suffix.size()) != suffix)
    return std::nullopt;
  return parse_u64(path.substr(kPrefix.size(), path.size() - kPrefix.size() - suffix.size()));
}
std::optional<std::uint64_t> ack_id(std::string_view path) {
  return notification_id(path, "/ack");
}
std::optional<std::uint64_t> answer_id(std::string_view path) {
  return notification_id(path, "/answer");
}

// /v1/cases/{32 hex}/status -> case reference
std::optional<AlertId> status_case(std::string_view path) {
  constexpr std::string_view kPrefix = "/v1/cases/", kSuffix = "/status";
  if (path.size() != kPrefix.size() + 32 + kSuffix.size() ||
      path.substr(0, kPrefix.size()) != kPrefix || path.substr(kPrefix.size() + 32) != kSuffix)
    return std::nullopt;
  return parse_alert_id(path.substr(kPrefix.size(), 32));
}

}  // namespace

ApiHandler::ApiHandler(ApiDeps deps)
    : d_(std::move(deps)), nonces_(2 * kRequestSkew), started_at_(unix_now()) {}

std::size_t ApiHandler::answer_size(const RequestHeader& head) const {
  // Room for the receipt, a tree head and an inclusion proof of
  // kMaxProofHashes (about 3 KiB at most).
  constexpr std::size_t kAlertAnswerSize = 4096;
  return target_path(head.target()) == "/v1/alerts" ? kAlertAnswerSize : 0;
}

std::optional<Response> ApiHandler::precheck(const RequestHeader& head, const RequestContext& ctx) {
  const unsigned v = head.version();
  // Pre-authentication flood control by client address, before any body is
  // read or any cryptography is done.
  if (d_.limits.per_ip_per_minute > 0) {
    double retry = 0;
    if (!ip_buckets_.take(ctx.remote, d_.limits.per_ip_per_minute, std::chrono::minutes(1),
                          &retry)) {
      d_.metrics.reject(Errc::rate_limited);
      return error_response(Errc::rate_limited, "too many requests from this address", v,
                            static_cast<std::uint32_t>(std::ceil(retry)));
    }
  }
  auto content_length = [&]() -> std::optional<std::uint64_t> {
    auto cl = head[http::field::content_length];
    return cl.empty() ? std::optional<std::uint64_t>(0) : parse_u64(cl);
  }();
  if (!content_length) return error_response(Errc::bad_request, "invalid Content-Length", v);
  const auto path = target_path(head.target());
  const auto method = head.method();
  auto too_large = [&](std::uint64_t limit) -> std::optional<Response> {
    if (*content_length <= limit) return std::nullopt;
    d_.metrics.reject(Errc::body_too_large);
    return error_response(Errc::body_too_large, "request body is too large", v);
  };
  // Anything our clients never send - an unknown path, a wrong method, a
  // signed route without a signature - gets a generic web server's 404, not
  // a casewire error: an address scanner must not recognise the daemon.
  const bool has_auth = !head[http::field::authorization].empty();
  if (path == "/v1/alerts" && method == http::verb::post)
    return too_large(d_.limits.max_body_bytes);
  if ((path == "/v1/feed" || path == "/v1/notifications" || status_case(path)) &&
      method == http::verb::get && has_auth)
    return too_large(0);
  if ((path == "/v1/gazetteer" || path == "/v1/invite-update" || path == "/v1/invite-updates" ||
       path == "/v1/log/tree-head" || path == "/v1/log/proof") &&
      method == http::verb::get && has_auth)
    return too_large(0);
  if (path == "/v1/org/cases" && method == http::verb::get && has_auth) return too_large(0);
  if ((ack_id(path) || answer_id(path)) && method == http::verb::post && has_auth)
    return too_large(kMaxSmallBody);
  return generic_not_found(v);
}

void ApiHandler::handle(Request&& req, const RequestContext&, Reply reply) {
  const unsigned v = req.version();
  const auto path = std::string(target_path(req.target()));
  if (path == "/v1/alerts") {
    // The envelope carries its own signature: no request signature here.
    // After a key rotation every answer names the newest invite update, so
    // a client whose keys are out of date knows to fetch it (GET
    // /v1/invite-update). Inside the fixed-size answer: its size says nothing.
    const auto chain = d_.invite_chain ? d_.invite_chain() : nullptr;
    const std::uint32_t update = chain ? chain->sequence : 0;
    d_.ingest.submit(std::move(req.body()), d_.ex, [send = reply.send, v, update](IngestOutcome o) {
      auto res = o.code == Errc::ok
                     ? json_response(o.repeat ? http::status::ok : http::status::created,
                                     std::move(o.receipt_json), v)
                     : error_response(o.code, o.message, v, o.retry_after_s);
      if (update) res.set("X-Casewire-Invite-Update", std::to_string(update));
      send(std::move(res));
    });
    return;
  }
  // Every other route is a signed request (precheck admitted only these):
  // authenticated once, here, before any route code runs.
  const auto case_ref = status_case(path);
  const bool gazetteer = path == "/v1/gazetteer";
  const bool update = path == "/v1/invite-update", updates = path == "/v1/invite-updates";
  const bool log = path == "/v1/log/tree-head" || path == "/v1/log/proof";
  const auto chain = d_.invite_chain ? d_.invite_chain() : nullptr;
  // The chain may be asked for with a request made for any signing key it
  // names: a device out of touch past the grace period still finds its way.
  static const std::vector<KeyId> kNone;
  auto who = authenticate(req,
                          case_ref                                ? Signer::contact
                          : gazetteer || update || updates || log ? Signer::any_enrolled
                                                                  : Signer::org,
                          updates && chain ? chain->signing_key_ids : kNone);
  if (!who) {
    d_.metrics.reject(who.code());
    return reply.send(error_response(who.code(), who.error().message, v));
  }
  // Any enrolled contact or organisation may fetch the signed gazetteer.
  if (gazetteer) return reply.send(json_response(http::status::ok, *d_.gazetteer(), v));
  if (update || updates) {
    std::shared_ptr<const std::string> body;
    if (chain) body = update ? chain->newest : chain->chain;
    if (!body) return reply.send(error_response(Errc::not_found, "no invite update", v));
    return reply.send(json_response(http::status::ok, *body, v));
  }
  // The case log: heads and proofs are hashes only; any enrolled key may
  // check that the log it was shown is the log everyone is shown.
  if (path == "/v1/log/tree-head")
    return reply.send(json_response(http::status::ok, tree_head_to_json(d_.heads.current()), v));
  if (path == "/v1/log/proof") return log_proof(req.target(), v, reply);
  if (case_ref) return case_status(*case_ref, *who, v, std::move(reply));
  if (path == "/v1/org/cases") return org_cases(req.target(), *who, v, std::move(reply));
  if (auto id = ack_id(path)) return ack(*id, *who, v, std::move(reply));
  if (auto id = answer_id(path)) return answer(*id, req.body(), *who, v, std::move(reply));
  const auto trust = d_.trust.get();  // keeps the snapshot `org` points into alive
  const OrgEntry* org = trust->org(*who);
  if (!org || !org->sub.feed)
    return reply.send(error_response(Errc::forbidden, "this subscription has no feed access", v));
  if (path == "/v1/feed") return feed(req, *who, std::move(reply));
  pull(req, *who, std::move(reply));
}

Result<KeyId> ApiHandler::authenticate(const Request& req, Signer who,
                                       const std::vector<KeyId>& also_for) {
  auto auth = parse_request_auth(req[http::field::authorization]);
  if (!auth) return auth.error();
  auto trust = d_.trust.get();
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
  const auto now = unix_now();
  // Signed for this daemon's key id - or, after a rotation, for the key id
  // it had (a client fetching the invite update that tells it the new one).
  Status verified = make_error(Errc::bad_request_signature, "no daemon key id");
  auto daemon_ids = d_.keys.request_key_ids(now);
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
  auto shared = d_.store.claim_nonce(d_.keys.nonce_tag(auth->key_id, auth->nonce),
                                     std::chrono::seconds(4 * kRequestSkew));
  if (!shared) return shared.error();
  if (!*shared) return make_error(Errc::replayed_request, "this signed request was already used");
  return auth->key_id;
}

void ApiHandler::feed(const Request& req, const KeyId& who, const Reply& reply) {
  const unsigned v = req.version();
  // Resume point: Last-Event-ID (what EventSource sends on reconnect), else ?after=.
  std::string_view resume = req["Last-Event-ID"];
  if (resume.empty()) resume = query_param(req.target(), "after");
  std::uint64_t after = 0;
  if (!resume.empty()) {
    auto n = parse_u64(resume);
    if (!n)
      return reply.send(error_response(Errc::bad_request, "Last-Event-ID must be a number", v));
    after = *n;
  }
  auto src =
      make_feed_source(d_.store, d_.hub, d_.trust, d_.notes, d_.heads, who, d_.keys.org_tag(who),
                       after, d_.ex, d_.metrics, d_.feed_heartbeat, d_.limits.max_feeds_per_org);
  if (!src) {
    d_.metrics.reject(Errc::rate_limited);
    return reply.send(
        error_response(Errc::rate_limited, "this organisation has too many feeds open", v, 30));
  }
  Response head{http::status::ok, v};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-store");
  reply.stream(std::move(head), std::move(src));
}

void ApiHandler::pull(const Request& req, const KeyId& who, const Reply& reply) {
  const unsigned v = req.version();
  auto after = parse_u64(query_param(req.target(), "after"));
  auto limit = parse_u64(query_param(req.target(), "limit"));
  auto items = d_.store.feed(d_.keys.org_tag(who), after.value_or(0),
                             std::min<std::size_t>(limit.value_or(kPageLimit), kPageLimit));
  if (!items) return reply.send(error_response(Errc::store_unavailable, "try again later", v));
  const auto trust = d_.trust.get();
  const OrgEntry* org = trust->org(who);
  if (!org) return reply.send(error_response(Errc::forbidden, "unknown organisation", v));
  std::string body = R"({"notifications":[)";
  std::uint64_t next = after.value_or(0);
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (i) body += ',';
    body += d_.notes.for_org((*items)[i].seq, (*items)[i].body, *org);
    next = (*items)[i].seq;
  }
  // A recent signed head of the case log rides with every page, so an
  // organisation's client keeps the heads it was shown (casewire verify-log).
  body += R"(],"next":)" + std::to_string(next) + R"(,"tree_head":)" +
          tree_head_to_json(d_.heads.current()) + "}";
  reply.send(json_response(http::status::ok, std::move(body), v));
}

// ?index=I&size=N: inclusion of leaf I in the tree of N leaves.
// ?leaf=H&size=N: the same for the leaf whose hash is H (a v3 receipt's),
//   with its index; not_found while it is not among the first N leaves.
// ?from=M&size=N: consistency of the tree of M leaves with that of N.
void ApiHandler::log_proof(std::string_view target, unsigned v, const Reply& reply) {
  const auto size = parse_u64(query_param(target, "size"));
  auto index = parse_u64(query_param(target, "index"));
  const auto from = parse_u64(query_param(target, "from"));
  const auto leaf_hex = query_param(target, "leaf");
  const std::uint64_t have = d_.store.log_size();
  const int asked = index.has_value() + from.has_value() + !leaf_hex.empty();
  if (!size || *size == 0 || *size > have || asked != 1)
    return reply.send(error_response(
        Errc::bad_request, "give size (1 to the log's size) and one of index, leaf or from", v));
  if (!leaf_hex.empty()) {
    merkle::Hash leaf{};
    auto raw = from_hex(leaf_hex);
    if (!raw || raw->size() != leaf.size())
      return reply.send(error_response(Errc::bad_request, "leaf must be 64 hex digits", v));
    std::copy(raw->begin(), raw->end(), leaf.begin());
    index = d_.store.log_index_of(leaf);
    // One answer for "not yet" and "never": the daemon's word on when is
    // the receipt's promise, which the contact holds.
    if (!index || *index >= *size)
      return reply.send(error_response(Errc::not_found, "no such leaf in a log of that size", v));
  }
  boost::json::object o;
  o["size"] = *size;
  boost::json::array path;
  if (index) {
    if (*index >= *size)
      return reply.send(error_response(Errc::bad_request, "index must be below size", v));
    o["index"] = *index;
    for (const auto& h : d_.store.log_inclusion(*index, *size)) path.emplace_back(to_hex(h));
    o["inclusion"] = std::move(path);
  } else {
    if (*from == 0 || *from > *size)
      return reply.send(error_response(Errc::bad_request, "from must be 1 to size", v));
    o["from"] = *from;
    for (const auto& h : d_.store.log_consistency(*from, *size)) path.emplace_back(to_hex(h));
    o["consistency"] = std::move(path);
  }
  reply.send(json_response(http::status::ok, boost::json::serialize(o), v));
}

void ApiHandler::ack(std::uint64_t id, const KeyId& who, unsigned v, const Reply& reply) {
  const auto org = d_.keys.org_tag(who);
  auto orgs = active_orgs(*d_.trust.get(), [this](const KeyId& k) { return d_.keys.org_tag(k); });
  d_.store.record_ack(
      id, org, d_.keys.ack_leaf_tag(org, id), unix_seconds(unix_now()), std::move(orgs),
      [this, id, v, send = reply.send](Result<AckResult> r) {
        if (!r) return send(error_response(r.code(), r.error().message, v));
        if (r->first_time) {
          d_.metrics.acks.fetch_add(1);
          log_event("case_acknowledged", {LogField::num("acks", r->acks)});
        }
        boost::json::object o;
        o["notification"] = id;
        o["acks"] = r->acks;
        o["as_of"] = format_rfc3339(unix_now());
        send(json_response(
            http::status::ok,
            sign_payload(d_.keys.signing(), kStatusDomain, boost::json::serialize(o)), v));
      });
}

void ApiHandler::answer(std::uint64_t id, const std::string& body, const KeyId& who, unsigned v,
                        const Reply& reply) {
  // {"answer": "cannot_act" | "need_information", "reason": "<code>"}: codes
  // only (protocol/org_answer.h); anything else is refused before the store.
  std::error_code ec;
  auto json = boost::json::parse(body, ec);
  const auto* o = !ec && json.is_object() ? &json.as_object() : nullptr;
  const auto* kind = o ? o->if_contains("answer") : nullptr;
  const auto* why = o ? o->if_contains("reason") : nullptr;
  if (!kind || !kind->is_string() || !why || !why->is_string() || o->size() != 2)
    return reply.send(
        error_response(Errc::bad_request, "body must be {\"answer\": ..., \"reason\": ...}", v));
  auto parsed = parse_org_answer(kind->as_string(), why->as_string());
  if (!parsed) return reply.send(error_response(parsed.code(), parsed.error().message, v));
  d_.store.record_answer(
      id, d_.keys.org_tag(who), *parsed, unix_seconds(unix_now()),
      [this, id, v, a = *parsed, send = reply.send](Result<bool> r) {
        if (!r) return send(error_response(r.code(), r.error().message, v));
        log_event("case_answered", {a.kind == AnswerKind::cannot_act
                                        ? LogField::text("answer", "cannot_act")
                                        : LogField::text("answer", "need_information")});
        boost::json::object out;
        out["notification"] = id;
        out["answer"] = answer_kind_name(a.kind);
        out["reason"] = a.reason;
        out["as_of"] = format_rfc3339(unix_now());
        send(json_response(
            http::status::ok,
            sign_payload(d_.keys.signing(), kStatusDomain, boost::json::serialize(out)), v));
      });
}

void ApiHandler::org_cases(std::string_view target, const KeyId& who, unsigned v,
                           const Reply& reply) {
  // The organisation's own part in each case it is on, whichever of its
  // clients acknowledged or answered: what its dashboard rebuilds from.
  constexpr std::size_t kPage = 500;
  const std::string after(query_param(target, "after"));
  if (!after.empty() &&
      (after.size() != 32 || after.find_first_not_of("0123456789abcdef") != std::string::npos))
    return reply.send(error_response(Errc::bad_request, "after must be a case id", v));
  auto cases = d_.store.org_cases(d_.keys.org_tag(who), after, kPage + 1);
  if (!cases) return reply.send(error_response(Errc::store_unavailable, "try again later", v));
  const bool more = cases->size() > kPage;
  if (more) cases->pop_back();
  boost::json::array list;
  for (const auto& c : *cases) {
    boost::json::object e;
    e["case"] = c.case_id;
    e["acks"] = c.acks;
    e["acting"] = c.acting;
    if (!c.answer.empty()) e["answer"] = c.answer;
    list.emplace_back(std::move(e));
  }
  boost::json::object o;
  o["cases"] = std::move(list);
  o["more"] = more;
  o["as_of"] = format_rfc3339(unix_now());
  reply.send(
      json_response(http::status::ok,
                    sign_payload(d_.keys.signing(), kStatusDomain, boost::json::serialize(o)), v));
}

void ApiHandler::case_status(const AlertId& case_ref, const KeyId& who, unsigned v,
                             const Reply& reply) {
  auto st = d_.store.case_status(d_.keys.case_tag(case_ref));
  if (!st) return reply.send(error_response(Errc::store_unavailable, "try again later", v));
  // Only the contact who reported the case may ask about it; anyone else gets
  // the same answer as for a case that does not exist.
  std::vector<Tag> mine;
  for (const auto& k : d_.trust.get()->lineage(who)) mine.push_back(d_.keys.owner_tag(k, case_ref));
  if (!*st || !owns_case((*st)->owner_tag, mine))
    return reply.send(error_response(Errc::unknown_case, "no case of yours has this reference", v));
  const auto& c = **st;
  boost::json::object o;
  o["case_ref"] = to_hex(case_ref);
  o["state"] = case_state_name(c.state);
  o["acknowledged"] = c.acks > 0;
  o["organisations_acting"] = c.acks;
  o["escalated"] = c.escalated;
  o["organisations_cannot_act"] = c.cannot_act;
  boost::json::array needs;
  for (const auto& n : c.needs) needs.emplace_back(n);
  o["information_requested"] = std::move(needs);
  o["as_of"] = format_rfc3339(unix_now());
  reply.send(
      json_response(http::status::ok,
                    sign_payload(d_.keys.signing(), kStatusDomain, boost::json::serialize(o)), v));
}

}  // namespace cw::daemon
