// The row primitives the ledger's rules run on (daemon/ledger/rows.h), in
// SQLite's words. Each one reads or writes single rows inside the writer's
// transaction and decides nothing: what a write means is the ledger's.
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

Result<std::optional<ledger::NotifiedCase>> SqliteStore::notified_case(std::uint64_t seq,
                                                                       const std::string& org) {
  Stmt n(wcache_,
         "SELECT n.case_id, c.pseudonym, c.facts, c.escalate_at, c.escalated, "
         "EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = n.seq AND d.org = ?) "
         "FROM notifications n JOIN cases c ON c.id = n.case_id WHERE n.seq = ?");
  if (!n) return db_error(wdb_, "prepare notified case");
  n.bind(1, std::string_view(org)).bind(2, seq);
  const int rc = n.step();
  if (rc == SQLITE_DONE) return std::optional<ledger::NotifiedCase>();
  if (rc != SQLITE_ROW) return db_error(wdb_, "notified case");
  auto facts = CaseFacts::from_json(n.text(2));
  if (!facts) return facts.error();
  return std::optional<ledger::NotifiedCase>(ledger::NotifiedCase{
      {n.i64(0), n.text(1), std::move(*facts), n.i64(3), n.i64(4) != 0}, n.i64(5) != 0});
}

Result<std::vector<ledger::CaseRow>> SqliteStore::cases_due_escalation(std::int64_t now) {
  Stmt s(wcache_,
         "SELECT id, pseudonym, facts, escalate_at FROM cases WHERE state = 'open' "
         "AND escalated = 0 AND escalate_at > 0 AND escalate_at <= ? "
         "AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.case_id = cases.id) ORDER BY id");
  if (!s) return db_error(wdb_, "prepare escalation");
  s.bind(1, now);
  std::vector<ledger::CaseRow> due;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto facts = CaseFacts::from_json(s.text(2));
    if (!facts) return facts.error();
    due.push_back({s.i64(0), s.text(1), std::move(*facts), s.i64(3), false});
  }
  if (rc != SQLITE_DONE) return db_error(wdb_, "cases due escalation");
  return due;
}

Status SqliteStore::update_escalation(std::int64_t case_id, std::int64_t escalate_at,
                                      bool escalated) {
  Stmt u(wcache_, "UPDATE cases SET escalate_at = ?, escalated = ? WHERE id = ?");
  u.bind(1, escalate_at).bind(2, escalated ? 1 : 0).bind(3, case_id);
  return run(wdb_, u, "update escalation");
}

Result<bool> SqliteStore::insert_ack(std::int64_t case_id, const std::string& org,
                                     std::int64_t hour) {
  Stmt ins(wcache_, "INSERT OR IGNORE INTO acks (case_id, org, acked_at) VALUES (?, ?, ?)");
  ins.bind(1, case_id).bind(2, std::string_view(org)).bind(3, hour);
  CW_TRY(run(wdb_, ins, "insert ack"));
  return sqlite3_changes(wdb_) == 1;
}

Status SqliteStore::delete_ack(std::int64_t case_id, const std::string& org) {
  Stmt d(wcache_, "DELETE FROM acks WHERE case_id = ? AND org = ?");
  d.bind(1, case_id).bind(2, std::string_view(org));
  return run(wdb_, d, "delete ack");
}

Result<std::uint32_t> SqliteStore::count_acks(std::int64_t case_id) {
  Stmt c(wcache_, "SELECT count(*) FROM acks WHERE case_id = ?");
  if (!c || c.bind(1, case_id).step() != SQLITE_ROW) return db_error(wdb_, "count acks");
  return static_cast<std::uint32_t>(c.i64(0));
}

Status SqliteStore::put_answer(std::int64_t case_id, const std::string& org, std::string_view kind,
                               const std::string& reason, std::int64_t hour) {
  Stmt ins(wcache_,
           "INSERT OR REPLACE INTO answers (case_id, org, answer, reason, answered_at) "
           "VALUES (?, ?, ?, ?, ?)");
  ins.bind(1, case_id).bind(2, std::string_view(org)).bind(3, kind);
  ins.bind(4, std::string_view(reason)).bind(5, hour);
  return run(wdb_, ins, "put answer");
}

Status SqliteStore::delete_answer(std::int64_t case_id, const std::string& org) {
  Stmt d(wcache_, "DELETE FROM answers WHERE case_id = ? AND org = ?");
  d.bind(1, case_id).bind(2, std::string_view(org));
  return run(wdb_, d, "delete answer");
}

Result<std::uint64_t> SqliteStore::next_notification_seq() {
  return next_seq_;
}

Status SqliteStore::insert_notification(std::uint64_t seq, std::int64_t case_id,
                                        std::string_view event, const std::string& body,
                                        std::int64_t hour) {
  Stmt n(
      wcache_,
      "INSERT INTO notifications (seq, case_id, event, body, created_at) VALUES (?, ?, ?, ?, ?)");
  n.bind(1, seq).bind(2, case_id).bind(3, event).bind(4, std::string_view(body)).bind(5, hour);
  CW_TRY(run(wdb_, n, "insert notification"));
  // A rolled-back batch gives its numbers back: recover() reads them afresh.
  next_seq_ = seq + 1;
  return Status::Ok();
}

Status SqliteStore::insert_delivery(std::uint64_t seq, const std::string& org,
                                    ledger::DeliveryState state) {
  Stmt d(wcache_, "INSERT INTO deliveries (seq, org, state, next_attempt_at) VALUES (?, ?, ?, 0)");
  d.bind(1, seq).bind(2, std::string_view(org)).bind(3, ledger::delivery_state_name(state));
  return run(wdb_, d, "insert delivery");
}

Status SqliteStore::add_case_org(std::int64_t case_id, const std::string& org) {
  Stmt co(wcache_, "INSERT OR IGNORE INTO case_orgs (case_id, org) VALUES (?, ?)");
  co.bind(1, case_id).bind(2, std::string_view(org));
  return run(wdb_, co, "insert case org");
}

Result<std::set<std::string>> SqliteStore::orgs_on_case(std::int64_t case_id) {
  Stmt s(wcache_, "SELECT org FROM case_orgs WHERE case_id = ?");
  if (!s) return db_error(wdb_, "case orgs");
  s.bind(1, case_id);
  std::set<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.insert(s.text(0));
  if (rc != SQLITE_DONE) return db_error(wdb_, "case orgs");
  return out;
}

void SqliteStore::notification_added(std::uint64_t seq, std::string body,
                                     std::vector<std::string> to) {
  tail_->stage(seq, std::move(body), std::move(to));
  new_notifications_ = true;
}

}  // namespace cw::daemon
