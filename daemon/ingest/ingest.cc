#include "daemon/ingest/ingest.h"

#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>

#include "daemon/anon/anonymiser.h"
#include "daemon/log.h"
#include "daemon/routing/routing.h"
#include "daemon/store/alert_record.h"
#include "daemon/store/receipt_facts.h"
#include "protocol/envelope.h"
#include "protocol/gazetteer.h"
#include "protocol/receipt.h"
#include "protocol/timefmt.h"

namespace cw::daemon {
namespace {

using Clock = std::chrono::steady_clock;

// A contact enrolled with a region scope may only report inside it.
bool in_scope(const ContactEntry& c, const Alert& a) {
  if (c.regions.empty()) return true;
  auto ok = [&](const std::optional<Place>& p) {
    if (!p) return true;
    auto e = find_place(p->code);
    return e && std::find(c.regions.begin(), c.regions.end(), e->region) != c.regions.end();
  };
  return ok(a.arrest_place) && ok(a.held_place);
}

IngestOutcome refusal(Errc code, std::string message) {
  return IngestOutcome{code, std::move(message), std::nullopt, false, {}};
}

}  // namespace

Ingest::Ingest(const Keyring& keys, const TrustHolder& trust, Store& store, TreeHeads& heads,
               Metrics& metrics, std::int64_t escalate_after_s, std::int64_t log_window_s)
    : keys_(keys),
      trust_(trust),
      store_(store),
      heads_(heads),
      metrics_(metrics),
      escalate_after_s_(escalate_after_s),
      log_window_s_(log_window_s) {}

void Ingest::submit(const std::string& body, const boost::asio::any_io_executor& ex,
                    std::function<void(IngestOutcome)> done) {
  const auto started = Clock::now();
  const auto now = unix_now();
  // No alert id, sequence or notification number is ever logged: a seized
  // log must not name the alerts a seized phone's receipts name.
  auto reject = [&](Errc code, std::string_view message, std::optional<std::uint32_t> retry = {}) {
    metrics_.reject(code);
    log_event("alert_rejected", {LogField::code(code)});
    done(IngestOutcome{code, std::string(message), retry, false, {}});
  };

  auto trust = trust_.get();
  // The box key the envelope is addressed to: the current one, or one
  // retired by a key rotation and still inside its grace period (contacts
  // who have not applied the invite update yet, alerts queued before it).
  const BoxKey* box = &keys_.box();
  if (body.size() >= 13) {
    KeyId recipient{};
    std::copy(body.begin() + 5, body.begin() + 13, recipient.begin());
    bool expired = false;
    if (const BoxKey* k = keys_.box_for(recipient, now, &expired)) {
      if (expired)
        return reject(Errc::retired_key,
                      "the alert was sealed to a daemon key retired by a key rotation; update "
                      "the invite (casewire update-invite) and send it again");
      box = k;
    }
  }
  OpenOptions opts{now, &metrics_.signature_verifications};
  auto opened = open_envelope(
      as_bytes(body), *box, [&](const KeyId& id) { return trust->sender_key(id); }, opts);
  if (!opened) return reject(opened.code(), opened.error().message);

  struct AlertWiper {
    OpenedAlert& o;
    ~AlertWiper() {
      wipe_alert(o.alert);
      wipe(o.canonical.data(), o.canonical.size());
    }
  } wiper{*opened};

  const auto& o = *opened;
  const ContactEntry* contact = trust->contact(o.sender);
  if (!in_scope(*contact, o.alert))
    return reject(Errc::forbidden, "the alert lies outside the sender's region scope");

  // A repeat of a recorded alert (a resend after a lost receipt, or a
  // replay by whoever holds the envelope) is answered with its receipt and
  // charged to the repeat budget, never to the budget for new alerts.
  const Tag tag = keys_.alert_tag(o.alert_id);
  auto recorded = store_.has_alert(tag);
  if (!recorded) return reject(Errc::store_unavailable, "the store cannot be read; retry later");
  double retry_after = 0;
  const bool allowed =
      *recorded ? repeat_buckets_.take(o.sender, std::max(600.0, 10.0 * contact->rate_per_hour),
                                       std::chrono::hours(1), &retry_after)
                : contact_buckets_.take(o.sender, contact->rate_per_hour, std::chrono::hours(1),
                                        &retry_after);
  if (!allowed)
    return reject(Errc::rate_limited, "too many alerts from this sender; retry later",
                  static_cast<std::uint32_t>(std::ceil(retry_after)));

  NewAlert na;
  na.alert_tag = tag;
  na.leaf_tag = keys_.alert_leaf_tag(o.alert_id);
  na.sender_tag = keys_.sender_tag(o.sender, o.alert_id);
  na.received_at = unix_seconds(now);
  // The receipt's facts are sealed for the store; its number is random, not
  // a count, so that a seized phone's receipts point at no row.
  ReceiptFacts facts{random_receipt_number(), now, envelope_hash(as_bytes(body)),
                     log_include_by(now, log_window_s_)};
  na.receipt = keys_.seal_record(encode_receipt_facts(facts), tag);
  na.kind = o.alert.kind;
  // The anonymised case event goes into the same transaction as the alert
  // (transactional outbox): recorded alert <=> notifications to deliver.
  na.event.facts = anonymise(o.alert);
  const OrgNamer org_tag = [this](const KeyId& id) { return keys_.org_tag(id); };
  if (o.alert.kind == AlertKind::new_case) {
    na.event.case_tag = keys_.case_tag(o.alert_id);
    na.event.owner_tag = keys_.owner_tag(o.sender, o.alert_id);
    na.event.case_id = to_hex(ByteView(keys_.case_pseudonym(o.alert_id).data(), 16));
    na.event.recipients = route_new_case(*trust, org_tag, na.event.facts);
    // Rounded up to 5 minutes (or the deadline itself, if shorter): the
    // stored deadline must not give away the alert's exact arrival.
    // Escalation may come up to that much later.
    if (escalate_after_s_ > 0) {
      const std::int64_t grain = std::min<std::int64_t>(300, escalate_after_s_);
      const std::int64_t due = now + escalate_after_s_;
      na.event.escalate_at = unix_seconds((due + grain - 1) / grain * grain);
    }
  } else {
    na.event.case_tag = keys_.case_tag(*o.alert.case_ref);
    // Routed by the store with the case's merged facts, against this
    // request's trust snapshot (kept alive by the lambda).
    na.event.route = [trust, org_tag, kind = o.alert.kind](const CaseFacts& merged) {
      return route_follow_up(*trust, org_tag, kind, merged);
    };
    for (const auto& k : trust->lineage(o.sender))
      na.event.owner_tags.push_back(keys_.owner_tag(k, *o.alert.case_ref));
  }
  // Who sent it and everything they wrote: sealed by the store under the
  // case's own key, so the retention purge can destroy it.
  na.details = encode_alert_record(o.sender, o.alert_id, o.created_at, as_bytes(o.canonical));
  const AlertId alert_id = o.alert_id;
  const SenderPseudonym who{keys_.log_pseudonym(o.sender, now)};

  store_.record_alert(std::move(na), [this, ex, alert_id, tag, facts, who, started,
                                      done = std::move(done)](Result<Recorded> r) mutable {
    // On the store's writer thread: hand over to the connection's executor
    // so the signature is computed off the writer.
    boost::asio::post(ex, [this, alert_id, tag, facts, who, started, r = std::move(r),
                           done = std::move(done)] {
      auto finish = [&](IngestOutcome res) {
        metrics_.ingest_seconds.observe(
            std::chrono::duration<double>(Clock::now() - started).count());
        done(std::move(res));
      };
      if (!r && r.code() != Errc::store_unavailable) {  // unknown_case, case_retracted
        metrics_.reject(r.code());
        log_event("alert_rejected", {LogField::code(r.code())});
        return finish(refusal(r.code(), r.error().message));
      }
      if (!r) {
        metrics_.reject(r.code());
        log_event("alert_store_failed", {LogField::code(r.code())});
        return finish(refusal(r.code(), "the alert could not be recorded; retry later"));
      }
      if (r->sender_conflict) {
        metrics_.reject(Errc::conflict);
        log_event("alert_rejected", {LogField::code(Errc::conflict)});
        return finish(refusal(Errc::conflict, "this alert id was used by another sender"));
      }
      // A repeat is answered with the facts recorded the first time, so its
      // receipt is byte for byte the first one.
      ReceiptFacts f = facts;
      if (r->duplicate) {
        auto plain = keys_.open_record(r->receipt, tag);
        auto stored = plain ? decode_receipt_facts(*plain) : Result<ReceiptFacts>(plain.error());
        if (!stored) {
          metrics_.reject(Errc::internal_error);
          log_event("alert_store_failed", {LogField::code(Errc::internal_error)});
          return finish(
              refusal(Errc::store_unavailable, "the alert could not be recorded; retry later"));
        }
        f = *stored;
      }
      // A receipt recorded since the log is mixed promises its leaf by a
      // time and gives no place (protocol/receipt.h, v3); one recorded
      // before (a repeat of an old alert) gives the place it was given.
      std::optional<ReceiptLogEntry> place;
      std::optional<ReceiptLogPromise> promise;
      if (r->log && f.include_by)
        promise = ReceiptLogPromise{r->log->leaf, f.include_by};
      else if (r->log && r->log->index)
        place = ReceiptLogEntry{*r->log->index, r->log->leaf};
      auto receipt = sign_receipt(keys_.signing(), alert_id, f.envelope_hash, f.received_at,
                                  f.sequence, place, promise);
      if (r->duplicate) {
        metrics_.alerts_duplicate.fetch_add(1);
        log_event("alert_repeat", {LogField::sender(who)});
      } else {
        metrics_.alerts_accepted.fetch_add(1);
        metrics_.notifications_created.fetch_add(1);
        metrics_.deliveries_queued.fetch_add(r->deliveries);
        log_event("alert_accepted",
                  {LogField::sender(who), LogField::num("recipients", r->deliveries)});
      }
      std::string json = receipt_to_json(receipt);
      if (place) {
        // The receipt's JSON is one object: the evidence goes in as its last
        // member ("log"), where receipt_from_json passes over it.
        json.pop_back();
        json += ",\"log\":" + log_evidence_to_json(heads_.evidence(place->index)) + "}";
      }
      finish(IngestOutcome{Errc::ok, {}, std::nullopt, r->duplicate, std::move(json)});
    });
  });
}

}  // namespace cw::daemon
