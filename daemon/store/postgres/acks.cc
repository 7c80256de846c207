// Organisations acting on a case, answering that they cannot, and the
// escalation of cases nobody acknowledged (run once: under the writer lock,
// whichever daemon's timer fires first marks the case escalated).
#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {

Status PostgresStore::write_answer(std::uint64_t seq, const std::string& org,
                                   const OrgAnswer& answer, std::int64_t now) {
  auto n = pg::exec(w(),
                    "SELECT n.case_id, EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = n.seq AND "
                    "d.org = $1) FROM notifications n WHERE n.seq = $2",
                    pg::Params().add(org).add(seq), "read notification");
  if (!n) return n.error();
  if (n->size() == 0) return make_error(Errc::not_found, "no such notification");
  if (n->i64(0, 1) == 0)
    return make_error(Errc::forbidden, "this notification was not sent to you");
  const std::int64_t case_id = n->i64(0, 0);
  CW_TRY(pg::exec(w(), "DELETE FROM acks WHERE case_id = $1 AND org = $2",
                  pg::Params().add(case_id).add(org), "drop ack"));
  CW_TRY(pg::exec(w(),
                  "INSERT INTO answers (case_id, org, answer, reason, answered_at) "
                  "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, org) DO UPDATE SET "
                  "answer = excluded.answer, reason = excluded.reason, "
                  "answered_at = excluded.answered_at",
                  pg::Params()
                      .add(case_id)
                      .add(org)
                      .add(answer_kind_name(answer.kind))
                      .add(answer.reason)
                      .add(hour_of(now)),
                  "insert answer"));
  return Status::Ok();
}

Result<AckResult> PostgresStore::write_ack(std::uint64_t seq, const std::string& org,
                                           const Tag& leaf_tag, std::int64_t now,
                                           const std::vector<Recipient>& orgs) {
  auto n = pg::exec(w(),
                    "SELECT n.case_id, c.pseudonym, c.facts, "
                    "EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = n.seq AND d.org = $1) "
                    "FROM notifications n JOIN cases c ON c.id = n.case_id WHERE n.seq = $2",
                    pg::Params().add(org).add(seq), "read notification");
  if (!n) return n.error();
  if (n->size() == 0) return make_error(Errc::not_found, "no such notification");
  if (n->i64(0, 3) == 0)
    return make_error(Errc::forbidden, "this notification was not sent to you");
  const std::int64_t case_id = n->i64(0, 0);
  const std::string pseudonym = n->text(0, 1);
  auto stored_facts = CaseFacts::from_json(n->text(0, 2));
  if (!stored_facts) return stored_facts.error();
  const CaseFacts facts = std::move(*stored_facts);
  CW_TRY(pg::exec(w(), "DELETE FROM answers WHERE case_id = $1 AND org = $2",
                  pg::Params().add(case_id).add(org), "drop answer"));
  auto ins = pg::exec(w(),
                      "INSERT INTO acks (case_id, org, acked_at) VALUES ($1, $2, $3) "
                      "ON CONFLICT DO NOTHING",
                      pg::Params().add(case_id).add(org).add(hour_of(now)), "insert ack");
  if (!ins) return ins.error();
  AckResult r;
  r.first_time = ins->affected() == 1;
  auto cnt = pg::exec(w(), "SELECT count(*) FROM acks WHERE case_id = $1",
                      pg::Params().add(case_id), "count acks");
  if (!cnt) return cnt.error();
  r.acks = static_cast<std::uint32_t>(cnt->i64(0, 0));
  if (r.first_time) {
    // Acted on: the deadline is no longer pending (sqlite/acks.cc says why).
    CW_TRY(pg::exec(w(),
                    "UPDATE cases SET escalate_at = escalate_at - escalate_at % 3600 "
                    "WHERE id = $1 AND escalate_at > 0",
                    pg::Params().add(case_id), "cut escalation deadline"));
    auto known = find_leaf(leaf_tag);
    if (!known) return known.error();
    if (!*known)
      if (auto leaf = append_leaf(LeafKind::acknowledgement, now, leaf_tag); !leaf)
        return leaf.error();
    auto on_case = orgs_on_case(case_id);
    if (!on_case) return on_case.error();
    auto ev = add_event(case_id, pseudonym, facts, "acknowledged",
                        told_of_ack(orgs, *on_case, facts.consent == "private"), now);
    if (!ev) return ev.error();
  }
  return r;
}

Result<std::uint32_t> PostgresStore::write_escalations(std::int64_t now,
                                                       const std::vector<Recipient>& to,
                                                       const std::vector<std::string>& cleared) {
  auto s = pg::exec(w(),
                    "SELECT id, pseudonym, facts FROM cases WHERE state = 'open' AND NOT escalated "
                    "AND escalate_at > 0 AND escalate_at <= $1 "
                    "AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.case_id = cases.id) ORDER BY id",
                    pg::Params().add(now), "read due escalations");
  if (!s) return s.error();
  for (int i = 0; i < s->size(); ++i) {
    auto facts = CaseFacts::from_json(s->text(i, 2));
    if (!facts) return facts.error();
    auto ev = add_event(s->i64(i, 0), s->text(i, 1), *facts, "escalation",
                        told_of_escalation(to, cleared, facts->consent == "private"), now);
    if (!ev) return ev.error();
    // The deadline is kept to 5 minutes only while it is pending.
    CW_TRY(pg::exec(w(),
                    "UPDATE cases SET escalated = true, escalate_at = escalate_at - escalate_at % "
                    "3600 WHERE id = $1",
                    pg::Params().add(s->i64(i, 0)), "mark escalated"));
  }
  return static_cast<std::uint32_t>(s->size());
}

}  // namespace cw::daemon
