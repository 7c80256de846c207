#include "daemon/api/api.h"

#include <boost/asio/post.hpp>
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

}  // namespace

ApiHandler::ApiHandler(ApiDeps deps)
    : d_(std::move(deps)), auth_(d_.trust, d_.keys, d_.store, unix_now()) {}

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
  const auto* route = find_route(head.method(), target_path(head.target()));
  // A signed route without a signature is what a scanner sends: the same
  // generic 404 as an unknown path (routes.h).
  if (!route || (route->signer != Signer::none && head[http::field::authorization].empty()))
    return generic_not_found(v);
  const std::uint64_t limit =
      route->body_limit == kConfiguredBodyLimit ? d_.limits.max_body_bytes : route->body_limit;
  if (*content_length <= limit) return std::nullopt;
  d_.metrics.reject(Errc::body_too_large);
  return error_response(Errc::body_too_large, "request body is too large", v);
}

void ApiHandler::handle(Request&& req, const RequestContext&, Reply reply) {
  const unsigned v = req.version();
  const auto path = std::string(target_path(req.target()));
  const auto* route = find_route(req.method(), path);
  if (!route) return reply.send(generic_not_found(v));  // precheck admitted only routes
  if (route->id == RouteId::alerts) {
    // The envelope carries its own signature: no request signature here.
    // After a key rotation every answer names the newest invite update, so
    // a client whose keys are out of date knows to fetch it (GET
    // /v1/invite-update). Inside the fixed-size answer: its size says nothing.
    const auto chain = d_.published.invite_chain();
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
  // Every other route is a signed request: authenticated once, here, before
  // any route code runs.
  const auto chain = d_.published.invite_chain();
  // The chain may be asked for with a request made for any signing key it
  // names: a device out of touch past the grace period still finds its way.
  static const std::vector<KeyId> kNone;
  auto who = auth_.authenticate(
      req, route->signer,
      route->id == RouteId::invite_updates && chain ? chain->signing_key_ids : kNone, unix_now());
  if (!who) {
    d_.metrics.reject(who.code());
    return reply.send(error_response(who.code(), who.error().message, v));
  }
  switch (route->id) {
    case RouteId::gazetteer: {
      const auto gazetteer = d_.published.gazetteer();
      if (!gazetteer) return reply.send(error_response(Errc::not_found, "no gazetteer", v));
      return reply.send(json_response(http::status::ok, *gazetteer, v));
    }
    case RouteId::invite_update:
    case RouteId::invite_updates: {
      std::shared_ptr<const std::string> body;
      if (chain) body = route->id == RouteId::invite_update ? chain->newest : chain->chain;
      if (!body) return reply.send(error_response(Errc::not_found, "no invite update", v));
      return reply.send(json_response(http::status::ok, *body, v));
    }
    // The case log: heads and proofs are hashes only; any enrolled key may
    // check that the log it was shown is the log everyone is shown.
    case RouteId::tree_head:
      return reply.send(json_response(http::status::ok, tree_head_to_json(d_.heads.current()), v));
    case RouteId::log_proof:
      return log_proof(req.target(), v, reply);
    case RouteId::case_status:
      return case_status(*case_in_path(path), *who, v, std::move(reply));
    case RouteId::org_cases:
      return org_cases(req.target(), *who, v, std::move(reply));
    case RouteId::ack:
      return ack(*notification_in_path(path), *who, v, std::move(reply));
    case RouteId::answer:
      return answer(*notification_in_path(path), req.body(), *who, v, std::move(reply));
    case RouteId::feed:
    case RouteId::pull: {
      const auto trust = d_.trust.get();  // keeps the snapshot `org` points into alive
      const OrgEntry* org = trust->org(*who);
      if (!org || !org->sub.feed)
        return reply.send(
            error_response(Errc::forbidden, "this subscription has no feed access", v));
      if (route->id == RouteId::feed) return feed(req, *who, std::move(reply));
      return pull(req, *who, std::move(reply));
    }
    case RouteId::alerts:
      break;
  }
  reply.send(generic_not_found(v));
}

void ApiHandler::send_signed(const std::function<void(Response)>& send, std::string json,
                             unsigned version) {
  boost::asio::post(d_.ex, [this, send, json = std::move(json), version] {
    send(json_response(http::status::ok, sign_payload(d_.keys.signing(), kStatusDomain, json),
                       version));
  });
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
  d_.store.record_ack(id, org, d_.keys.ack_leaf_tag(org, id), unix_seconds(unix_now()),
                      std::move(orgs), [this, id, v, send = reply.send](Result<AckResult> r) {
                        if (!r) return send(error_response(r.code(), r.error().message, v));
                        if (r->first_time) {
                          d_.metrics.acks.fetch_add(1);
                          log_event("case_acknowledged", {LogField::num("acks", r->acks)});
                        }
                        boost::json::object o;
                        o["notification"] = id;
                        o["acks"] = r->acks;
                        o["as_of"] = format_rfc3339(unix_now());
                        send_signed(send, boost::json::serialize(o), v);
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
  d_.store.record_answer(id, d_.keys.org_tag(who), *parsed, unix_seconds(unix_now()),
                         [this, id, v, a = *parsed, send = reply.send](Result<bool> r) {
                           if (!r) return send(error_response(r.code(), r.error().message, v));
                           log_event("case_answered",
                                     {a.kind == AnswerKind::cannot_act
                                          ? LogField::text("answer", "cannot_act")
                                          : LogField::text("answer", "need_information")});
                           boost::json::object out;
                           out["notification"] = id;
                           out["answer"] = answer_kind_name(a.kind);
                           out["reason"] = a.reason;
                           out["as_of"] = format_rfc3339(unix_now());
                           send_signed(send, boost::json::serialize(out), v);
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
