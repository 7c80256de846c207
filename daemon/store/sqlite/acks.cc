// Organisations acting on a case, answering that they cannot, and the
// escalation of cases nobody acknowledged.
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

Status SqliteStore::write_answer(std::uint64_t seq, const std::string& org, const OrgAnswer& answer,
                                 std::int64_t now) {
  Stmt n(wdb_,
         "SELECT n.case_id, EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = n.seq AND d.org = "
         "?) FROM notifications n WHERE n.seq = ?");
  if (!n) return db_error(wdb_, "prepare answer");
  n.bind(1, std::string_view(org)).bind(2, seq);
  if (n.step() != SQLITE_ROW) return make_error(Errc::not_found, "no such notification");
  if (n.i64(1) == 0) return make_error(Errc::forbidden, "this notification was not sent to you");
  const std::int64_t case_id = n.i64(0);
  Stmt drop(wdb_, "DELETE FROM acks WHERE case_id = ? AND org = ?");
  drop.bind(1, case_id).bind(2, std::string_view(org));
  CW_TRY(run(wdb_, drop, "drop ack"));
  Stmt ins(wdb_,
           "INSERT OR REPLACE INTO answers (case_id, org, answer, reason, answered_at) "
           "VALUES (?, ?, ?, ?, ?)");
  ins.bind(1, case_id).bind(2, std::string_view(org));
  ins.bind(3, answer_kind_name(answer.kind)).bind(4, std::string_view(answer.reason));
  ins.bind(5, hour_of(now));
  return run(wdb_, ins, "insert answer");
}

Result<AckResult> SqliteStore::write_ack(std::uint64_t seq, const std::string& org,
                                         const Tag& leaf_tag, std::int64_t now,
                                         const std::vector<Recipient>& orgs) {
  Stmt n(wdb_,
         "SELECT n.case_id, c.pseudonym, c.facts, "
         "EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = n.seq AND d.org = ?) "
         "FROM notifications n JOIN cases c ON c.id = n.case_id WHERE n.seq = ?");
  if (!n) return db_error(wdb_, "prepare ack");
  n.bind(1, std::string_view(org)).bind(2, seq);
  if (n.step() != SQLITE_ROW) return make_error(Errc::not_found, "no such notification");
  if (n.i64(3) == 0) return make_error(Errc::forbidden, "this notification was not sent to you");
  const std::int64_t case_id = n.i64(0);
  const std::string pseudonym = n.text(1);
  auto stored_facts = CaseFacts::from_json(n.text(2));
  if (!stored_facts) return stored_facts.error();
  const CaseFacts facts = std::move(*stored_facts);
  // Acting supersedes this organisation's earlier answer.
  Stmt drop(wdb_, "DELETE FROM answers WHERE case_id = ? AND org = ?");
  drop.bind(1, case_id).bind(2, std::string_view(org));
  CW_TRY(run(wdb_, drop, "drop answer"));
  Stmt ins(wdb_, "INSERT OR IGNORE INTO acks (case_id, org, acked_at) VALUES (?, ?, ?)");
  ins.bind(1, case_id).bind(2, std::string_view(org)).bind(3, hour_of(now));
  CW_TRY(run(wdb_, ins, "insert ack"));
  AckResult r;
  r.first_time = sqlite3_changes(wdb_) == 1;
  Stmt cnt(wdb_, "SELECT count(*) FROM acks WHERE case_id = ?");
  if (!cnt || cnt.bind(1, case_id).step() != SQLITE_ROW) return db_error(wdb_, "count acks");
  r.acks = static_cast<std::uint32_t>(cnt.i64(0));
  if (r.first_time) {
    // Acted on: its escalation deadline is no longer pending, so it is cut to
    // the hour like every other time of the case. (Should the ack be
    // withdrawn, the case escalates at most an hour early: the safe side.)
    Stmt cut(wdb_,
             "UPDATE cases SET escalate_at = escalate_at - escalate_at % 3600 "
             "WHERE id = ? AND escalate_at > 0");
    cut.bind(1, case_id);
    CW_TRY(run(wdb_, cut, "cut escalation deadline"));
    // An organisation acknowledging again after withdrawing: its first
    // leaf stands.
    auto known = find_leaf(leaf_tag);
    if (!known) return known.error();
    if (!*known)
      if (auto leaf = append_leaf(LeafKind::acknowledgement, now, leaf_tag); !leaf)
        return leaf.error();
    // Tell the other organisations on the case that one more is acting.
    auto on_case = orgs_on_case(case_id);
    if (!on_case) return on_case.error();
    auto ev = add_event(case_id, pseudonym, facts, "acknowledged",
                        told_of_ack(orgs, *on_case, facts.consent == "private"), now);
    if (!ev) return ev.error();
  }
  return r;
}

Result<std::uint32_t> SqliteStore::write_escalations(std::int64_t now,
                                                     const std::vector<Recipient>& to,
                                                     const std::vector<std::string>& cleared) {
  Stmt s(wdb_,
         "SELECT id, pseudonym, facts FROM cases WHERE state = 'open' AND escalated = 0 "
         "AND escalate_at > 0 AND escalate_at <= ? "
         "AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.case_id = cases.id)");
  if (!s) return db_error(wdb_, "prepare escalation");
  s.bind(1, now);
  struct Due {
    std::int64_t id;
    std::string pseudonym;
    CaseFacts facts;
  };
  std::vector<Due> due;
  while (s.step() == SQLITE_ROW) {
    auto facts = CaseFacts::from_json(s.text(2));
    if (!facts) return facts.error();
    due.push_back({s.i64(0), s.text(1), std::move(*facts)});
  }
  for (const auto& d : due) {
    const auto recipients = told_of_escalation(to, cleared, d.facts.consent == "private");
    auto ev = add_event(d.id, d.pseudonym, d.facts, "escalation", recipients, now);
    if (!ev) return ev.error();
    // The deadline is kept to 5 minutes only while it is pending
    // (THREAT_MODEL "A seized phone and a seized server").
    Stmt u(wdb_,
           "UPDATE cases SET escalated = 1, escalate_at = escalate_at - escalate_at % 3600 "
           "WHERE id = ?");
    u.bind(1, d.id);
    CW_TRY(run(wdb_, u, "mark escalated"));
  }
  return static_cast<std::uint32_t>(due.size());
}

}  // namespace cw::daemon
