// Alerts and cases: recording an alert with its case event in one
// transaction, sealed details under the case key, and the reads about cases.
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

Status SqliteStore::store_details(const Tag& case_tag, const WipedBytes& details,
                                  std::int64_t now) {
  if (!keys_) return make_error(Errc::store_unavailable, "the store was opened without keys");
  Stmt k(wcache_, "SELECT wrapped FROM case_keys WHERE case_tag = ?");
  if (!k) return db_error(wdb_, "prepare case key");
  k.bind(1, ByteView(case_tag));
  CaseKey key;
  if (k.step() == SQLITE_ROW) {
    if (auto st = keys_->unwrap_case_key(k.blob(0), case_tag, key); !st.ok())
      return make_error(Errc::store_unavailable, st.error().message);
  } else {
    randombytes_buf(key.data(), key.size());
    Stmt ins(wcache_, "INSERT INTO case_keys (case_tag, wrapped, last_event_at) VALUES (?, ?, 0)");
    ins.bind(1, ByteView(case_tag)).bind(2, ByteView(keys_->wrap_case_key(key.view(), case_tag)));
    CW_TRY(run(wdb_, ins, "insert case key"));
  }
  Stmt age(wcache_, "UPDATE case_keys SET last_event_at = ? WHERE case_tag = ?");
  age.bind(1, hour_of(now)).bind(2, ByteView(case_tag));
  CW_TRY(run(wdb_, age, "age case key"));
  Stmt next(wcache_, "SELECT coalesce(max(n), 0) + 1 FROM case_details WHERE case_tag = ?");
  if (!next || next.bind(1, ByteView(case_tag)).step() != SQLITE_ROW)
    return db_error(wdb_, "next case detail");
  const auto n = static_cast<std::uint32_t>(next.i64(0));
  Stmt d(wcache_, "INSERT INTO case_details (case_tag, n, sealed) VALUES (?, ?, ?)");
  d.bind(1, ByteView(case_tag))
      .bind(2, static_cast<std::int64_t>(n))
      .bind(3, ByteView(seal_under(key.view(), details.view(), case_detail_ad(case_tag, n))));
  return run(wdb_, d, "insert case detail");
}

Result<Recorded> SqliteStore::write_alert(const NewAlert& a) {
  const std::int64_t received_at = seconds_of(a.received_at);
  Stmt find(wcache_, "SELECT sender_tag, receipt FROM alerts WHERE alert_tag = ?");
  if (!find) return db_error(wdb_, "prepare lookup");
  find.bind(1, ByteView(a.alert_tag));
  int rc = find.step();
  if (rc == SQLITE_ROW) {
    Recorded r;
    r.duplicate = true;
    r.sender_conflict = !ct_equal(find.blob(0), a.sender_tag);
    auto receipt = find.blob(1);
    r.receipt.assign(receipt.begin(), receipt.end());
    auto leaf = find_leaf(a.leaf_tag);
    if (!leaf) return leaf.error();
    r.log = *leaf;
    return r;
  }
  if (rc != SQLITE_DONE) return db_error(wdb_, "lookup");

  // A follow-up must name a case this daemon knows (checked before any write).
  std::int64_t case_id = 0;
  std::string pseudonym;
  CaseFacts facts = a.event.facts;
  std::vector<Recipient> to = a.event.recipients;
  if (a.kind != AlertKind::new_case) {
    Stmt c(wcache_, "SELECT id, pseudonym, facts, state, owner_tag FROM cases WHERE case_tag = ?");
    if (!c) return db_error(wdb_, "prepare case");
    c.bind(1, ByteView(a.event.case_tag));
    // Not there, and not yours, get one answer: a contact must not learn
    // from us which references belong to someone else's case.
    const auto unknown = make_error(Errc::unknown_case, "no case of yours has this reference");
    if (c.step() != SQLITE_ROW) return unknown;
    Tag reporter{};
    if (auto t = c.blob(4); t.size() == reporter.size())
      std::copy(t.begin(), t.end(), reporter.begin());
    if (!owns_case(reporter, a.event.owner_tags)) return unknown;
    // A retraction is final: organisations stood down on it.
    if (c.text(3) == "retracted")
      return make_error(Errc::case_retracted, "this case was retracted; a retraction is final");
    case_id = c.i64(0);
    pseudonym = c.text(1);
    auto stored = CaseFacts::from_json(c.text(2));
    if (!stored) return stored.error();
    facts = std::move(*stored);
    facts.merge_from(a.event.facts);
    // The reporter has followed up: requests for information are answered
    // (organisations ask again if what they needed is still missing).
    Stmt answered(wcache_, "DELETE FROM answers WHERE case_id = ? AND answer = 'need_information'");
    answered.bind(1, case_id);
    CW_TRY(run(wdb_, answered, "clear requests for information"));
    auto on_case = orgs_on_case(case_id);
    if (!on_case) return on_case.error();
    to = told_of_follow_up(a.event.route ? a.event.route(facts) : std::vector<Recipient>{},
                           *on_case);
  }

  Stmt ins(wcache_,
           "INSERT INTO alerts (alert_tag, sender_tag, kind, received_day, sealed, receipt) "
           "VALUES (?, ?, ?, ?, ?, ?)");
  ins.bind(1, ByteView(a.alert_tag)).bind(2, ByteView(a.sender_tag)).bind(3, to_string(a.kind));
  // The alert's own words are not kept here (under the storage key, which
  // never goes away) but in case_details, under the case's key.
  ins.bind(4, day_of(received_at)).bind(5, ByteView()).bind(6, ByteView(a.receipt));
  CW_TRY(run(wdb_, ins, "insert alert"));
  Recorded r;

  if (a.kind == AlertKind::new_case) {
    Stmt c(wcache_,
           "INSERT INTO cases (case_tag, pseudonym, facts, state, opened_at, escalate_at, "
           "owner_tag) "
           "VALUES (?, ?, ?, 'open', ?, ?, ?)");
    c.bind(1, ByteView(a.event.case_tag)).bind(2, std::string_view(a.event.case_id));
    c.bind(3, std::string_view(facts.to_json()))
        .bind(4, hour_of(received_at))
        .bind(5, a.event.escalate_at ? seconds_of(*a.event.escalate_at) : 0);  // 0: never
    c.bind(6, ByteView(a.event.owner_tag));
    CW_TRY(run(wdb_, c, "insert case"));
    case_id = sqlite3_last_insert_rowid(wdb_);
    pseudonym = a.event.case_id;
  } else {
    Stmt u(wcache_, "UPDATE cases SET facts = ?, state = ? WHERE id = ?");
    u.bind(1, std::string_view(facts.to_json()))
        .bind(2, case_state_name(state_after(a.kind)))
        .bind(3, case_id);
    CW_TRY(run(wdb_, u, "update case"));
  }
  if (!a.details.empty()) CW_TRY(store_details(a.event.case_tag, a.details, received_at));
  auto seq = ledger::add_event(*this, {case_id, pseudonym, facts, 0, false}, to_string(a.kind), to,
                               received_at);
  if (!seq) return seq.error();
  r.notification = *seq;
  r.deliveries = to.size();
  // Last: nothing after it can refuse the alert and leave a staged leaf.
  auto leaf = append_leaf(a.kind == AlertKind::new_case ? LeafKind::alert : LeafKind::follow_up,
                          received_at, a.leaf_tag);
  if (!leaf) return leaf.error();
  r.log = *leaf;
  return r;
}

}  // namespace cw::daemon
