// Alerts and cases: the reads about cases, and the row primitives the ledger
// records an alert with (daemon/ledger/ledger.h says what recording means).
#include "daemon/store/sqlite/store_impl.h"

namespace cw::daemon {

Result<std::optional<CaseRecord>> SqliteStore::case_record(const std::string& pseudonym) {
  std::lock_guard lock(read_mu_);
  Stmt c(rdb_, "SELECT id, case_tag, state, facts FROM cases WHERE pseudonym = ?");
  if (!c) return db_error(rdb_, "case record");
  c.bind(1, std::string_view(pseudonym));
  if (c.step() != SQLITE_ROW) return std::optional<CaseRecord>();
  CaseRecord rec;
  const std::int64_t id = c.i64(0);
  if (auto t = c.blob(1); t.size() == rec.case_tag.size())
    std::copy(t.begin(), t.end(), rec.case_tag.begin());
  rec.state = parse_case_state(c.text(2));
  auto facts = CaseFacts::from_json(c.text(3));
  if (!facts) return facts.error();
  rec.facts = std::move(*facts);
  Stmt o(rdb_, "SELECT org FROM case_orgs WHERE case_id = ? ORDER BY org");
  if (!o) return db_error(rdb_, "case record orgs");
  o.bind(1, id);
  while (o.step() == SQLITE_ROW) rec.orgs.push_back(o.text(0));
  Stmt k(rdb_, "SELECT wrapped FROM case_keys WHERE case_tag = ?");
  if (!k) return db_error(rdb_, "case record key");
  k.bind(1, ByteView(rec.case_tag));
  if (k.step() == SQLITE_ROW) rec.wrapped_key.assign(k.blob(0).begin(), k.blob(0).end());
  Stmt d(rdb_, "SELECT n, sealed FROM case_details WHERE case_tag = ? ORDER BY n");
  if (!d) return db_error(rdb_, "case record details");
  d.bind(1, ByteView(rec.case_tag));
  while (d.step() == SQLITE_ROW)
    rec.details.push_back(
        {static_cast<std::uint32_t>(d.i64(0)), Bytes(d.blob(1).begin(), d.blob(1).end())});
  return std::optional<CaseRecord>(std::move(rec));
}

Result<std::vector<std::string>> SqliteStore::case_ids_starting(const std::string& prefix,
                                                                std::size_t limit) {
  std::lock_guard lock(read_mu_);
  Stmt c(rdb_, "SELECT pseudonym FROM cases WHERE substr(pseudonym, 1, ?) = ? LIMIT ?");
  if (!c) return db_error(rdb_, "case ids");
  c.bind(1, static_cast<std::int64_t>(prefix.size()))
      .bind(2, std::string_view(prefix))
      .bind(3, static_cast<std::int64_t>(limit));
  std::vector<std::string> out;
  while (c.step() == SQLITE_ROW) out.push_back(c.text(0));
  return out;
}

Result<std::vector<SentNotification>> SqliteStore::sent_notifications() {
  std::lock_guard lock(read_mu_);
  Stmt c(rdb_,
         "SELECT n.seq, n.body, d.org FROM notifications n LEFT JOIN deliveries d ON d.seq = n.seq "
         "ORDER BY n.seq");
  if (!c) return db_error(rdb_, "sent notifications");
  std::vector<SentNotification> out;
  std::int64_t last = -1;
  while (c.step() == SQLITE_ROW) {
    if (c.i64(0) != last) {
      out.push_back({c.text(1), {}});
      last = c.i64(0);
    }
    if (!c.null(2)) out.back().to.push_back(c.text(2));
  }
  return out;
}

Result<std::optional<CaseStatusInfo>> SqliteStore::case_status(const Tag& case_tag) {
  std::lock_guard lock(read_mu_);
  Stmt s(rdb_,
         "SELECT c.pseudonym, c.state, c.escalated, (SELECT count(*) FROM acks a WHERE a.case_id "
         "= c.id), "
         "c.owner_tag FROM cases c WHERE c.case_tag = ?");
  if (!s) return db_error(rdb_, "case status");
  s.bind(1, ByteView(case_tag));
  if (s.step() != SQLITE_ROW) return std::optional<CaseStatusInfo>();
  CaseStatusInfo c{s.text(0),
                   parse_case_state(s.text(1)),
                   static_cast<std::uint32_t>(s.i64(3)),
                   s.i64(2) != 0,
                   {},
                   0,
                   {}};
  auto st = s.blob(4);
  if (st.size() == c.owner_tag.size()) std::copy(st.begin(), st.end(), c.owner_tag.begin());
  Stmt a(rdb_,
         "SELECT a.answer, a.reason FROM answers a JOIN cases c ON c.id = a.case_id "
         "WHERE c.case_tag = ? ORDER BY a.reason");
  if (!a) return db_error(rdb_, "case answers");
  a.bind(1, ByteView(case_tag));
  while (a.step() == SQLITE_ROW) {
    if (a.text(0) == "cannot_act")
      ++c.cannot_act;
    else if (c.needs.empty() || c.needs.back() != a.text(1))
      c.needs.push_back(a.text(1));
  }
  return std::optional<CaseStatusInfo>(c);
}

Result<std::vector<OrgCaseView>> SqliteStore::org_cases(const std::string& org,
                                                        const std::string& after,
                                                        std::size_t limit) {
  std::lock_guard lock(read_mu_);
  Stmt s(rdb_,
         "SELECT c.pseudonym, (SELECT count(*) FROM acks a WHERE a.case_id = c.id), "
         "EXISTS (SELECT 1 FROM acks a WHERE a.case_id = c.id AND a.org = ?1), "
         "COALESCE((SELECT w.answer FROM answers w WHERE w.case_id = c.id AND w.org = ?1), '') "
         "FROM case_orgs o JOIN cases c ON c.id = o.case_id "
         "WHERE o.org = ?1 AND c.pseudonym > ?2 ORDER BY c.pseudonym LIMIT ?3");
  if (!s) return db_error(rdb_, "org cases");
  s.bind(1, std::string_view(org));
  s.bind(2, std::string_view(after));
  s.bind(3, static_cast<std::int64_t>(limit));
  std::vector<OrgCaseView> out;
  while (s.step() == SQLITE_ROW)
    out.push_back({s.text(0), static_cast<std::uint32_t>(s.i64(1)), s.i64(2) != 0, s.text(3)});
  return out;
}

Result<std::uint64_t> SqliteStore::count_alerts() {
  std::lock_guard lock(read_mu_);
  Stmt s(rdb_, "SELECT count(*) FROM alerts");
  if (!s || s.step() != SQLITE_ROW) return db_error(rdb_, "count");
  return static_cast<std::uint64_t>(s.i64(0));
}

Result<bool> SqliteStore::has_alert(const Tag& alert_tag) {
  std::lock_guard lock(read_mu_);
  Stmt s(rcache_, "SELECT 1 FROM alerts WHERE alert_tag = ?");
  if (!s) return db_error(rdb_, "has alert");
  s.bind(1, ByteView(alert_tag));
  const int rc = s.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(rdb_, "has alert");
  return rc == SQLITE_ROW;
}

// ---- the ledger's row primitives for alerts, cases and case keys ----------

namespace {

Tag tag_of(ByteView b) {
  Tag t{};
  if (b.size() == t.size()) std::copy(b.begin(), b.end(), t.begin());
  return t;
}

}  // namespace

Result<std::optional<ledger::StoredAlert>> SqliteStore::find_alert(const Tag& alert_tag) {
  Stmt find(wcache_, "SELECT sender_tag, receipt FROM alerts WHERE alert_tag = ?");
  if (!find) return db_error(wdb_, "prepare lookup");
  find.bind(1, ByteView(alert_tag));
  const int rc = find.step();
  if (rc == SQLITE_DONE) return std::optional<ledger::StoredAlert>();
  if (rc != SQLITE_ROW) return db_error(wdb_, "lookup");
  auto sender = find.blob(0), receipt = find.blob(1);
  return std::optional<ledger::StoredAlert>(ledger::StoredAlert{
      Bytes(sender.begin(), sender.end()), Bytes(receipt.begin(), receipt.end())});
}

Status SqliteStore::insert_alert(const Tag& alert_tag, const Tag& sender_tag, AlertKind kind,
                                 std::int64_t day, ByteView receipt) {
  Stmt ins(wcache_,
           "INSERT INTO alerts (alert_tag, sender_tag, kind, received_day, sealed, receipt) "
           "VALUES (?, ?, ?, ?, ?, ?)");
  ins.bind(1, ByteView(alert_tag)).bind(2, ByteView(sender_tag)).bind(3, to_string(kind));
  ins.bind(4, day).bind(5, ByteView()).bind(6, receipt);
  return run(wdb_, ins, "insert alert");
}

Result<std::optional<ledger::StoredCase>> SqliteStore::find_case(const Tag& case_tag) {
  Stmt c(wcache_,
         "SELECT id, pseudonym, facts, state, owner_tag, escalate_at, escalated FROM cases "
         "WHERE case_tag = ?");
  if (!c) return db_error(wdb_, "prepare case");
  c.bind(1, ByteView(case_tag));
  const int rc = c.step();
  if (rc == SQLITE_DONE) return std::optional<ledger::StoredCase>();
  if (rc != SQLITE_ROW) return db_error(wdb_, "case");
  auto facts = CaseFacts::from_json(c.text(2));
  if (!facts) return facts.error();
  return std::optional<ledger::StoredCase>(
      ledger::StoredCase{{c.i64(0), c.text(1), std::move(*facts), c.i64(5), c.i64(6) != 0},
                         parse_case_state(c.text(3)),
                         tag_of(c.blob(4))});
}

Result<std::int64_t> SqliteStore::insert_case(const Tag& case_tag, const std::string& pseudonym,
                                              const CaseFacts& facts, std::int64_t opened_hour,
                                              std::int64_t escalate_at, const Tag& owner) {
  Stmt c(wcache_,
         "INSERT INTO cases (case_tag, pseudonym, facts, state, opened_at, escalate_at, "
         "owner_tag) VALUES (?, ?, ?, 'open', ?, ?, ?)");
  c.bind(1, ByteView(case_tag)).bind(2, std::string_view(pseudonym));
  c.bind(3, std::string_view(facts.to_json())).bind(4, opened_hour).bind(5, escalate_at);
  c.bind(6, ByteView(owner));
  CW_TRY(run(wdb_, c, "insert case"));
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(wdb_));
}

Status SqliteStore::update_case(std::int64_t case_id, const CaseFacts& facts, CaseState state) {
  Stmt u(wcache_, "UPDATE cases SET facts = ?, state = ? WHERE id = ?");
  u.bind(1, std::string_view(facts.to_json())).bind(2, case_state_name(state)).bind(3, case_id);
  return run(wdb_, u, "update case");
}

Status SqliteStore::delete_answers(std::int64_t case_id, std::string_view kind) {
  Stmt d(wcache_, "DELETE FROM answers WHERE case_id = ? AND answer = ?");
  d.bind(1, case_id).bind(2, kind);
  return run(wdb_, d, "delete answers");
}

Result<std::optional<Bytes>> SqliteStore::find_case_key(const Tag& case_tag) {
  Stmt k(wcache_, "SELECT wrapped FROM case_keys WHERE case_tag = ?");
  if (!k) return db_error(wdb_, "prepare case key");
  k.bind(1, ByteView(case_tag));
  const int rc = k.step();
  if (rc == SQLITE_DONE) return std::optional<Bytes>();
  if (rc != SQLITE_ROW) return db_error(wdb_, "case key");
  return std::optional<Bytes>(Bytes(k.blob(0).begin(), k.blob(0).end()));
}

Status SqliteStore::insert_case_key(const Tag& case_tag, ByteView wrapped) {
  Stmt ins(wcache_, "INSERT INTO case_keys (case_tag, wrapped, last_event_at) VALUES (?, ?, 0)");
  ins.bind(1, ByteView(case_tag)).bind(2, wrapped);
  return run(wdb_, ins, "insert case key");
}

Status SqliteStore::touch_case_key(const Tag& case_tag, std::int64_t last_event_hour) {
  Stmt age(wcache_, "UPDATE case_keys SET last_event_at = ? WHERE case_tag = ?");
  age.bind(1, last_event_hour).bind(2, ByteView(case_tag));
  return run(wdb_, age, "age case key");
}

Result<std::uint32_t> SqliteStore::next_detail_number(const Tag& case_tag) {
  Stmt next(wcache_, "SELECT coalesce(max(n), 0) + 1 FROM case_details WHERE case_tag = ?");
  if (!next || next.bind(1, ByteView(case_tag)).step() != SQLITE_ROW)
    return db_error(wdb_, "next case detail");
  return static_cast<std::uint32_t>(next.i64(0));
}

Status SqliteStore::insert_detail(const Tag& case_tag, std::uint32_t n, ByteView sealed) {
  Stmt d(wcache_, "INSERT INTO case_details (case_tag, n, sealed) VALUES (?, ?, ?)");
  d.bind(1, ByteView(case_tag)).bind(2, static_cast<std::int64_t>(n)).bind(3, sealed);
  return run(wdb_, d, "insert case detail");
}

}  // namespace cw::daemon
