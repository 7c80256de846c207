// Recording an alert: the rules of ledger.h's record_alert, once for every
// backend.
#include "daemon/ledger/coarse_time.h"
#include "daemon/ledger/ledger.h"
#include "daemon/routing/case_audience.h"

namespace cw::daemon::ledger {
namespace {

CaseState state_after(AlertKind kind) {
  return kind == AlertKind::resolved     ? CaseState::resolved
         : kind == AlertKind::retraction ? CaseState::retracted
                                         : CaseState::open;
}

}  // namespace

Result<Recorded> record_alert(Rows& rows, const Keyring* keys, const NewAlert& a) {
  const std::int64_t received_at = seconds_of(a.received_at);
  auto found = rows.find_alert(a.alert_tag);
  if (!found) return found.error();
  if (*found) {
    Recorded r;
    r.duplicate = true;
    r.sender_conflict = !ct_equal((*found)->sender_tag, a.sender_tag);
    r.receipt = std::move((*found)->receipt);
    auto leaf = rows.find_leaf(a.leaf_tag);
    if (!leaf) return leaf.error();
    r.log = *leaf;
    return r;
  }

  // A follow-up must name a case of the sender's (checked before any write).
  CaseRow c{0, a.event.case_id, a.event.facts, 0, false};
  std::vector<Recipient> to = a.event.recipients;
  if (a.kind != AlertKind::new_case) {
    auto stored = rows.find_case(a.event.case_tag);
    if (!stored) return stored.error();
    // Not there, and not yours, get one answer: a contact must not learn
    // from us which references belong to someone else's case.
    const auto unknown = make_error(Errc::unknown_case, "no case of yours has this reference");
    if (!*stored || !owns_case((*stored)->owner, a.event.owner_tags)) return unknown;
    // A retraction is final: organisations stood down on it.
    if ((*stored)->state == CaseState::retracted)
      return make_error(Errc::case_retracted, "this case was retracted; a retraction is final");
    c = std::move((*stored)->c);
    c.facts.merge_from(a.event.facts);
    // The reporter has followed up: requests for information are answered
    // (organisations ask again if what they needed is still missing).
    CW_TRY(rows.delete_answers(c.id, answer_kind_name(AnswerKind::need_information)));
    auto on_case = rows.orgs_on_case(c.id);
    if (!on_case) return on_case.error();
    to = told_of_follow_up(a.event.route ? a.event.route(c.facts) : std::vector<Recipient>{},
                           *on_case);
  }

  // The alert's own words are not kept in its row (under the storage key,
  // which never goes away) but sealed under the case's key, below.
  CW_TRY(rows.insert_alert(a.alert_tag, a.sender_tag, a.kind, day_of(received_at), a.receipt));
  if (a.kind == AlertKind::new_case) {
    auto id = rows.insert_case(a.event.case_tag, a.event.case_id, c.facts, hour_of(received_at),
                               a.event.escalate_at ? seconds_of(*a.event.escalate_at) : 0,
                               a.event.owner_tag);
    if (!id) return id.error();
    c.id = *id;
  } else {
    CW_TRY(rows.update_case(c.id, c.facts, state_after(a.kind)));
  }
  if (!a.details.empty()) {
    if (!keys) return make_error(Errc::store_unavailable, "the store was opened without keys");
    CW_TRY(seal_details(rows, *keys, a.event.case_tag, a.details, received_at));
  }
  auto seq = add_event(rows, c, to_string(a.kind), to, received_at);
  if (!seq) return seq.error();
  Recorded r;
  r.notification = *seq;
  r.deliveries = to.size();
  // Last: nothing after it can refuse the alert and leave a staged leaf.
  auto leaf =
      rows.append_leaf(a.kind == AlertKind::new_case ? LeafKind::alert : LeafKind::follow_up,
                       received_at, a.leaf_tag);
  if (!leaf) return leaf.error();
  r.log = *leaf;
  return r;
}

}  // namespace cw::daemon::ledger
