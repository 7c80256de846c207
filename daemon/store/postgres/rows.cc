// The row primitives the ledger's rules run on (daemon/ledger/rows.h), in
// PostgreSQL's words, on the writer's connection inside its transaction
// (which holds the writer lock: numbers handed out here are not handed out
// by another daemon). Each one decides nothing: what a write means is the
// ledger's.
#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {

Result<std::optional<ledger::NotifiedCase>> PostgresStore::notified_case(std::uint64_t seq,
                                                                         const std::string& org) {
  auto n = pg::exec(w(),
                    "SELECT n.case_id, c.pseudonym, c.facts, c.escalate_at, c.escalated::int, "
                    "EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = n.seq AND d.org = $1)::int "
                    "FROM notifications n JOIN cases c ON c.id = n.case_id WHERE n.seq = $2",
                    pg::Params().add(org).add(seq), "notified case");
  if (!n) return n.error();
  if (n->size() == 0) return std::optional<ledger::NotifiedCase>();
  auto facts = CaseFacts::from_json(n->text(0, 2));
  if (!facts) return facts.error();
  return std::optional<ledger::NotifiedCase>(ledger::NotifiedCase{
      {n->i64(0, 0), n->text(0, 1), std::move(*facts), n->i64(0, 3), n->i64(0, 4) != 0},
      n->i64(0, 5) != 0});
}

Result<std::vector<ledger::CaseRow>> PostgresStore::cases_due_escalation(std::int64_t now) {
  auto s = pg::exec(w(),
                    "SELECT id, pseudonym, facts, escalate_at FROM cases WHERE state = 'open' "
                    "AND NOT escalated AND escalate_at > 0 AND escalate_at <= $1 "
                    "AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.case_id = cases.id) ORDER BY id",
                    pg::Params().add(now), "cases due escalation");
  if (!s) return s.error();
  std::vector<ledger::CaseRow> due;
  for (int i = 0; i < s->size(); ++i) {
    auto facts = CaseFacts::from_json(s->text(i, 2));
    if (!facts) return facts.error();
    due.push_back({s->i64(i, 0), s->text(i, 1), std::move(*facts), s->i64(i, 3), false});
  }
  return due;
}

Status PostgresStore::update_escalation(std::int64_t case_id, std::int64_t escalate_at,
                                        bool escalated) {
  return pg::ok(pg::exec(
      w(), "UPDATE cases SET escalate_at = $1, escalated = ($2 <> 0) WHERE id = $3",
      pg::Params().add(escalate_at).add(escalated ? 1 : 0).add(case_id), "update escalation"));
}

Result<bool> PostgresStore::insert_ack(std::int64_t case_id, const std::string& org,
                                       std::int64_t hour) {
  auto ins = pg::exec(w(),
                      "INSERT INTO acks (case_id, org, acked_at) VALUES ($1, $2, $3) "
                      "ON CONFLICT DO NOTHING",
                      pg::Params().add(case_id).add(org).add(hour), "insert ack");
  if (!ins) return ins.error();
  return ins->affected() == 1;
}

Status PostgresStore::delete_ack(std::int64_t case_id, const std::string& org) {
  return pg::ok(pg::exec(w(), "DELETE FROM acks WHERE case_id = $1 AND org = $2",
                         pg::Params().add(case_id).add(org), "delete ack"));
}

Result<std::uint32_t> PostgresStore::count_acks(std::int64_t case_id) {
  auto c = pg::exec(w(), "SELECT count(*) FROM acks WHERE case_id = $1", pg::Params().add(case_id),
                    "count acks");
  if (!c) return c.error();
  return static_cast<std::uint32_t>(c->i64(0, 0));
}

Status PostgresStore::put_answer(std::int64_t case_id, const std::string& org,
                                 std::string_view kind, const std::string& reason,
                                 std::int64_t hour) {
  return pg::ok(pg::exec(w(),
                         "INSERT INTO answers (case_id, org, answer, reason, answered_at) "
                         "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, org) DO UPDATE SET "
                         "answer = excluded.answer, reason = excluded.reason, "
                         "answered_at = excluded.answered_at",
                         pg::Params().add(case_id).add(org).add(kind).add(reason).add(hour),
                         "put answer"));
}

Status PostgresStore::delete_answer(std::int64_t case_id, const std::string& org) {
  return pg::ok(pg::exec(w(), "DELETE FROM answers WHERE case_id = $1 AND org = $2",
                         pg::Params().add(case_id).add(org), "delete answer"));
}

Result<std::uint64_t> PostgresStore::next_notification_seq() {
  if (next_seq_ == 0) {
    // Asked once per batch: another daemon may have added some since ours.
    auto n =
        pg::exec(w(), "SELECT coalesce(max(seq), 0) + 1 FROM notifications", {}, "next sequence");
    if (!n) return n.error();
    next_seq_ = static_cast<std::uint64_t>(n->i64(0, 0));
  }
  return next_seq_;
}

Status PostgresStore::insert_notification(std::uint64_t seq, std::int64_t case_id,
                                          std::string_view event, const std::string& body,
                                          std::int64_t hour) {
  CW_TRY(pg::exec(
      w(),
      "INSERT INTO notifications (seq, case_id, event, body, created_at) VALUES ($1, $2, $3, $4, "
      "$5)",
      pg::Params().add(seq).add(case_id).add(event).add(body).add(hour), "insert notification"));
  next_seq_ = seq + 1;
  return Status::Ok();
}

Status PostgresStore::insert_delivery(std::uint64_t seq, const std::string& org,
                                      ledger::DeliveryState state) {
  return pg::ok(pg::exec(
      w(), "INSERT INTO deliveries (seq, org, state, next_attempt_at) VALUES ($1, $2, $3, 0)",
      pg::Params().add(seq).add(org).add(ledger::delivery_state_name(state)), "insert delivery"));
}

Status PostgresStore::add_case_org(std::int64_t case_id, const std::string& org) {
  return pg::ok(
      pg::exec(w(), "INSERT INTO case_orgs (case_id, org) VALUES ($1, $2) ON CONFLICT DO NOTHING",
               pg::Params().add(case_id).add(org), "insert case org"));
}

Result<std::set<std::string>> PostgresStore::orgs_on_case(std::int64_t case_id) {
  auto r = pg::exec(w(), "SELECT org FROM case_orgs WHERE case_id = $1", pg::Params().add(case_id),
                    "case orgs");
  if (!r) return r.error();
  std::set<std::string> out;
  for (int i = 0; i < r->size(); ++i) out.insert(r->text(i, 0));
  return out;
}

void PostgresStore::notification_added(std::uint64_t, std::string, std::vector<std::string>) {
  // The feeds read the database (several daemons write it); the commit
  // NOTIFYs them.
  new_notifications_ = true;
}

}  // namespace cw::daemon
