#include "daemon/ledger/ledger.h"

#include "daemon/ledger/coarse_time.h"
#include "daemon/routing/case_audience.h"
#include "protocol/notification.h"

namespace cw::daemon::ledger {

std::string_view delivery_state_name(DeliveryState s) {
  switch (s) {
    case DeliveryState::pending:
      return "pending";
    case DeliveryState::delivered:
      return "delivered";
    case DeliveryState::dead:
      return "dead";
    case DeliveryState::feed:
      break;
  }
  return "feed";
}

DeliveryState parse_delivery_state(std::string_view s) {
  if (s == "feed") return DeliveryState::feed;
  if (s == "delivered") return DeliveryState::delivered;
  if (s == "dead") return DeliveryState::dead;
  return DeliveryState::pending;
}

namespace {

// Acknowledgements and answers are admitted the same way: the notification
// exists and went to this organisation. The two refusals differ (a caller
// may learn that a sequence number exists, not whose case it is).
Result<CaseRow> admitted(Rows& rows, std::uint64_t seq, const std::string& org) {
  auto n = rows.notified_case(seq, org);
  if (!n) return n.error();
  if (!*n) return make_error(Errc::not_found, "no such notification");
  if (!(*n)->sent_to_org)
    return make_error(Errc::forbidden, "this notification was not sent to you");
  return std::move((*n)->c);
}

}  // namespace

Result<std::uint64_t> add_event(Rows& rows, const CaseRow& c, std::string_view event,
                                const std::vector<Recipient>& to, std::int64_t now) {
  auto acks = rows.count_acks(c.id);
  if (!acks) return acks.error();
  auto seq = rows.next_notification_seq();
  if (!seq) return seq.error();
  auto body = encode_notification(make_notification(c.facts, event, *seq, c.pseudonym, *acks, now));
  if (!body)
    return make_error(Errc::store_unavailable,
                      "notification encoding failed: " + body.error().message);
  CW_TRY(rows.insert_notification(*seq, c.id, event, *body, hour_of(now)));
  std::vector<std::string> told;
  told.reserve(to.size());
  for (const auto& r : to) {
    CW_TRY(rows.insert_delivery(*seq, r.org,
                                r.webhook ? DeliveryState::pending : DeliveryState::feed));
    CW_TRY(rows.add_case_org(c.id, r.org));
    told.push_back(r.org);
  }
  rows.notification_added(*seq, std::move(*body), std::move(told));
  return *seq;
}

Result<AckResult> acknowledge(Rows& rows, std::uint64_t seq, const std::string& org,
                              const Tag& leaf_tag, std::int64_t now,
                              const std::vector<Recipient>& orgs) {
  auto c = admitted(rows, seq, org);
  if (!c) return c.error();
  CW_TRY(rows.delete_answer(c->id, org));
  auto inserted = rows.insert_ack(c->id, org, hour_of(now));
  if (!inserted) return inserted.error();
  auto count = rows.count_acks(c->id);
  if (!count) return count.error();
  AckResult r{*count, *inserted};
  if (!r.first_time) return r;
  // Acted on: the escalation deadline is no longer pending, so it is cut to
  // the hour like every other time of the case (THREAT_MODEL "A seized phone
  // and a seized server"). Should the ack be withdrawn, the case escalates
  // at most an hour early: the safe side.
  if (c->escalate_at > 0)
    CW_TRY(rows.update_escalation(c->id, hour_of(c->escalate_at), c->escalated));
  // An organisation acknowledging again after withdrawing: its first leaf stands.
  auto known = rows.find_leaf(leaf_tag);
  if (!known) return known.error();
  if (!*known)
    if (auto leaf = rows.append_leaf(LeafKind::acknowledgement, now, leaf_tag); !leaf)
      return leaf.error();
  auto on_case = rows.orgs_on_case(c->id);
  if (!on_case) return on_case.error();
  auto ev = add_event(rows, *c, "acknowledged",
                      told_of_ack(orgs, *on_case, c->facts.consent == "private"), now);
  if (!ev) return ev.error();
  return r;
}

Status answer(Rows& rows, std::uint64_t seq, const std::string& org, const OrgAnswer& a,
              std::int64_t now) {
  auto c = admitted(rows, seq, org);
  if (!c) return c.error();
  CW_TRY(rows.delete_ack(c->id, org));
  return rows.put_answer(c->id, org, answer_kind_name(a.kind), a.reason, hour_of(now));
}

Result<std::uint32_t> escalate(Rows& rows, std::int64_t now, const std::vector<Recipient>& to,
                               const std::vector<std::string>& cleared) {
  auto due = rows.cases_due_escalation(now);
  if (!due) return due.error();
  for (const auto& c : *due) {
    auto ev = add_event(rows, c, "escalation",
                        told_of_escalation(to, cleared, c.facts.consent == "private"), now);
    if (!ev) return ev.error();
    // The deadline is kept to 5 minutes only while it is pending.
    CW_TRY(rows.update_escalation(c.id, hour_of(c.escalate_at), true));
  }
  return static_cast<std::uint32_t>(due->size());
}

Status record_webhook_results(Rows& rows, const std::vector<WebhookResult>& results,
                              std::int64_t now) {
  for (const auto& r : results) {
    auto was = rows.delivery_state(r.seq, r.org);
    if (!was) return was.error();
    if (*was) {
      // A delivery another daemon finished (this attempt's lease ran out
      // while it was slow) stays delivered.
      const DeliveryState state =
          **was == DeliveryState::delivered              ? DeliveryState::delivered
          : r.outcome == WebhookOutcome::delivered       ? DeliveryState::delivered
          : r.outcome == WebhookOutcome::failed_for_good ? DeliveryState::dead
                                                         : DeliveryState::pending;
      CW_TRY(rows.record_attempt(r.seq, r.org, state, millis_of(r.next_attempt_at), r.http_status));
    }
    const bool ok = r.outcome == WebhookOutcome::delivered;
    const bool gone = r.outcome == WebhookOutcome::gone;
    auto health = rows.webhook_health_of(r.org_id);
    if (!health) return health.error();
    HealthRow h;
    if (!*health) {
      h = {gone ? WebhookState::disabled : WebhookState::ok, ok ? 0u : 1u, r.generation};
    } else {
      // An attempt still in flight when the endpoint was fixed must not
      // disable (or mark failing) the fixed one.
      if ((*health)->generation > r.generation) continue;
      h = **health;
      h.failures = ok ? 0 : h.failures + 1;
      if (gone)
        h.state = WebhookState::disabled;
      else if (ok)
        h.state = WebhookState::ok;
      else if (h.failures >= kFailingAfter)
        h.state = WebhookState::failing;
    }
    // To the hour, so its update time does not point at the delivery rows
    // just written.
    CW_TRY(rows.put_webhook_health(r.org_id, h, hour_of(now)));
  }
  return Status::Ok();
}

Result<std::uint32_t> revive_webhooks(Rows& rows, const std::vector<WebhookGeneration>& current,
                                      std::int64_t now) {
  std::uint32_t revived = 0;
  for (const auto& c : current) {
    auto health = rows.webhook_health_of(c.org_id);
    if (!health) return health.error();
    // No health recorded, or already this generation: nothing to revive.
    if (!*health || (*health)->generation >= c.generation) continue;
    const bool was_healthy = (*health)->state == WebhookState::ok;
    // The generation moves on even for a healthy endpoint, so that an
    // attempt still in flight under the old one cannot disable the new one.
    CW_TRY(rows.put_webhook_health(c.org_id, {WebhookState::ok, 0, c.generation}, hour_of(now)));
    auto requeued = rows.requeue_dead_deliveries(c.org);
    if (!requeued) return requeued.error();
    // Counted (metric, log) only when something was actually brought back.
    if (!was_healthy || *requeued > 0) ++revived;
  }
  return revived;
}

}  // namespace cw::daemon::ledger
