// Alerts and cases: an alert with its case event in one transaction, sealed
// details under the case key, and the reads about cases. The same rules as
// daemon/store/sqlite/alerts.cc, which explains each.
#include "daemon/store/postgres/store_impl.h"

namespace cw::daemon {
namespace {

void copy_tag(ByteView from, Tag& to) {
  if (from.size() == to.size()) std::copy(from.begin(), from.end(), to.begin());
}

}  // namespace

Result<std::optional<CaseRecord>> PostgresStore::case_record(const std::string& pseudonym) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  PGconn* c = (*conn)->get();
  auto r = pg::exec(c, "SELECT id, case_tag, state, facts FROM cases WHERE pseudonym = $1",
                    pg::Params().add(pseudonym), "case record");
  if (!r) return r.error();
  if (r->size() == 0) return std::optional<CaseRecord>();
  CaseRecord rec;
  const std::int64_t id = r->i64(0, 0);
  copy_tag(r->bytes(0, 1), rec.case_tag);
  rec.state = parse_case_state(r->text(0, 2));
  auto facts = CaseFacts::from_json(r->text(0, 3));
  if (!facts) return facts.error();
  rec.facts = std::move(*facts);
  auto o = pg::exec(c, "SELECT org FROM case_orgs WHERE case_id = $1 ORDER BY org",
                    pg::Params().add(id), "case record orgs");
  if (!o) return o.error();
  for (int i = 0; i < o->size(); ++i) rec.orgs.push_back(o->text(i, 0));
  auto k = pg::exec(c, "SELECT wrapped FROM case_keys WHERE case_tag = $1",
                    pg::Params().add_bytes(rec.case_tag), "case record key");
  if (!k) return k.error();
  if (k->size() == 1) rec.wrapped_key.assign(k->bytes(0, 0).begin(), k->bytes(0, 0).end());
  auto d = pg::exec(c, "SELECT n, sealed FROM case_details WHERE case_tag = $1 ORDER BY n",
                    pg::Params().add_bytes(rec.case_tag), "case record details");
  if (!d) return d.error();
  for (int i = 0; i < d->size(); ++i)
    rec.details.push_back({static_cast<std::uint32_t>(d->i64(i, 0)),
                           Bytes(d->bytes(i, 1).begin(), d->bytes(i, 1).end())});
  return std::optional<CaseRecord>(std::move(rec));
}

Result<std::vector<std::string>> PostgresStore::case_ids_starting(const std::string& prefix,
                                                                  std::size_t limit) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec((*conn)->get(),
                    "SELECT pseudonym FROM cases WHERE left(pseudonym, length($1)) = $1 LIMIT $2",
                    pg::Params().add(prefix).add(static_cast<std::int64_t>(limit)), "case ids");
  if (!r) return r.error();
  std::vector<std::string> out;
  for (int i = 0; i < r->size(); ++i) out.push_back(r->text(i, 0));
  return out;
}

Result<std::vector<SentNotification>> PostgresStore::sent_notifications() {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec((*conn)->get(),
                    "SELECT n.seq, n.body, d.org FROM notifications n "
                    "LEFT JOIN deliveries d ON d.seq = n.seq ORDER BY n.seq",
                    {}, "sent notifications");
  if (!r) return r.error();
  std::vector<SentNotification> out;
  std::int64_t last = -1;
  for (int i = 0; i < r->size(); ++i) {
    if (r->i64(i, 0) != last) {
      out.push_back({r->text(i, 1), {}});
      last = r->i64(i, 0);
    }
    if (!r->null(i, 2)) out.back().to.push_back(r->text(i, 2));
  }
  return out;
}

Result<std::optional<CaseStatusInfo>> PostgresStore::case_status(const Tag& case_tag) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  PGconn* c = (*conn)->get();
  // One statement, one snapshot: the state, its acknowledgements and its
  // answers as of the same commit.
  auto r = pg::exec(c,
                    "SELECT c.pseudonym, c.state, c.escalated, "
                    "(SELECT count(*) FROM acks a WHERE a.case_id = c.id), c.owner_tag, "
                    "a.answer, a.reason "
                    "FROM cases c LEFT JOIN answers a ON a.case_id = c.id "
                    "WHERE c.case_tag = $1 ORDER BY a.reason",
                    pg::Params().add_bytes(case_tag), "case status");
  if (!r) return r.error();
  if (r->size() == 0) return std::optional<CaseStatusInfo>();
  CaseStatusInfo s{r->text(0, 0),
                   parse_case_state(r->text(0, 1)),
                   static_cast<std::uint32_t>(r->i64(0, 3)),
                   r->i64(0, 2) != 0,
                   {},
                   0,
                   {}};
  copy_tag(r->bytes(0, 4), s.owner_tag);
  for (int i = 0; i < r->size(); ++i) {
    if (r->null(i, 5)) continue;
    if (r->text(i, 5) == "cannot_act")
      ++s.cannot_act;
    else if (s.needs.empty() || s.needs.back() != r->text(i, 6))
      s.needs.push_back(r->text(i, 6));
  }
  return std::optional<CaseStatusInfo>(s);
}

Result<std::vector<OrgCaseView>> PostgresStore::org_cases(const std::string& org,
                                                          const std::string& after,
                                                          std::size_t limit) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec(
      (*conn)->get(),
      "SELECT c.pseudonym, (SELECT count(*) FROM acks a WHERE a.case_id = c.id), "
      "EXISTS (SELECT 1 FROM acks a WHERE a.case_id = c.id AND a.org = $1)::int, "
      "COALESCE((SELECT w.answer FROM answers w WHERE w.case_id = c.id AND w.org = $1), '') "
      "FROM case_orgs o JOIN cases c ON c.id = o.case_id "
      "WHERE o.org = $1 AND c.pseudonym COLLATE \"C\" > $2 ORDER BY c.pseudonym COLLATE \"C\" "
      "LIMIT $3",
      pg::Params().add(org).add(after).add(static_cast<std::int64_t>(limit)), "org cases");
  if (!r) return r.error();
  std::vector<OrgCaseView> out;
  for (int i = 0; i < r->size(); ++i)
    out.push_back({r->text(i, 0), static_cast<std::uint32_t>(r->i64(i, 1)), r->i64(i, 2) != 0,
                   r->text(i, 3)});
  return out;
}

Result<std::uint64_t> PostgresStore::count_alerts() {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec((*conn)->get(), "SELECT count(*) FROM alerts", {}, "count");
  if (!r) return r.error();
  return static_cast<std::uint64_t>(r->i64(0, 0));
}

Result<bool> PostgresStore::has_alert(const Tag& alert_tag) {
  auto conn = readers_.take();
  if (!conn) return conn.error();
  auto r = pg::exec((*conn)->get(), "SELECT 1 FROM alerts WHERE alert_tag = $1",
                    pg::Params().add_bytes(alert_tag), "has alert");
  if (!r) return r.error();
  return r->size() > 0;
}

// ---- the ledger's row primitives for alerts, cases and case keys ----------

// Under the writer lock, so another daemon's copy of an alert is either
// committed (and found here) or not yet begun.
Result<std::optional<ledger::StoredAlert>> PostgresStore::find_alert(const Tag& alert_tag) {
  auto found = pg::exec(w(), "SELECT sender_tag, receipt FROM alerts WHERE alert_tag = $1",
                        pg::Params().add_bytes(alert_tag), "lookup");
  if (!found) return found.error();
  if (found->size() == 0) return std::optional<ledger::StoredAlert>();
  auto sender = found->bytes(0, 0), receipt = found->bytes(0, 1);
  return std::optional<ledger::StoredAlert>(ledger::StoredAlert{
      Bytes(sender.begin(), sender.end()), Bytes(receipt.begin(), receipt.end())});
}

Status PostgresStore::insert_alert(const Tag& alert_tag, const Tag& sender_tag, AlertKind kind,
                                   std::int64_t day, ByteView receipt) {
  return pg::ok(pg::exec(w(),
                         "INSERT INTO alerts (alert_tag, sender_tag, kind, received_day, sealed, "
                         "receipt) VALUES ($1, $2, $3, $4, $5, $6)",
                         pg::Params()
                             .add_bytes(alert_tag)
                             .add_bytes(sender_tag)
                             .add(to_string(kind))
                             .add(day)
                             .add_bytes(ByteView())
                             .add_bytes(receipt),
                         "insert alert"));
}

Result<std::optional<ledger::StoredCase>> PostgresStore::find_case(const Tag& case_tag) {
  auto c = pg::exec(w(),
                    "SELECT id, pseudonym, facts, state, owner_tag, escalate_at, escalated::int "
                    "FROM cases WHERE case_tag = $1",
                    pg::Params().add_bytes(case_tag), "read case");
  if (!c) return c.error();
  if (c->size() == 0) return std::optional<ledger::StoredCase>();
  auto facts = CaseFacts::from_json(c->text(0, 2));
  if (!facts) return facts.error();
  Tag owner{};
  copy_tag(c->bytes(0, 4), owner);
  return std::optional<ledger::StoredCase>(ledger::StoredCase{
      {c->i64(0, 0), c->text(0, 1), std::move(*facts), c->i64(0, 5), c->i64(0, 6) != 0},
      parse_case_state(c->text(0, 3)),
      owner});
}

Result<std::int64_t> PostgresStore::insert_case(const Tag& case_tag, const std::string& pseudonym,
                                                const CaseFacts& facts, std::int64_t opened_hour,
                                                std::int64_t escalate_at, const Tag& owner) {
  auto c = pg::exec(
      w(),
      "INSERT INTO cases (case_tag, pseudonym, facts, state, opened_at, escalate_at, owner_tag) "
      "VALUES ($1, $2, $3, 'open', $4, $5, $6) RETURNING id",
      pg::Params()
          .add_bytes(case_tag)
          .add(pseudonym)
          .add(facts.to_json())
          .add(opened_hour)
          .add(escalate_at)
          .add_bytes(owner),
      "insert case");
  if (!c) return c.error();
  return c->i64(0, 0);
}

Status PostgresStore::update_case(std::int64_t case_id, const CaseFacts& facts, CaseState state) {
  return pg::ok(pg::exec(w(), "UPDATE cases SET facts = $1, state = $2 WHERE id = $3",
                         pg::Params().add(facts.to_json()).add(case_state_name(state)).add(case_id),
                         "update case"));
}

Status PostgresStore::delete_answers(std::int64_t case_id, std::string_view kind) {
  return pg::ok(pg::exec(w(), "DELETE FROM answers WHERE case_id = $1 AND answer = $2",
                         pg::Params().add(case_id).add(kind), "delete answers"));
}

Result<std::optional<Bytes>> PostgresStore::find_case_key(const Tag& case_tag) {
  auto k = pg::exec(w(), "SELECT wrapped FROM case_keys WHERE case_tag = $1",
                    pg::Params().add_bytes(case_tag), "read case key");
  if (!k) return k.error();
  if (k->size() == 0) return std::optional<Bytes>();
  return std::optional<Bytes>(Bytes(k->bytes(0, 0).begin(), k->bytes(0, 0).end()));
}

Status PostgresStore::insert_case_key(const Tag& case_tag, ByteView wrapped) {
  return pg::ok(
      pg::exec(w(), "INSERT INTO case_keys (case_tag, wrapped, last_event_at) VALUES ($1, $2, 0)",
               pg::Params().add_bytes(case_tag).add_bytes(wrapped), "insert case key"));
}

Status PostgresStore::touch_case_key(const Tag& case_tag, std::int64_t last_event_hour) {
  return pg::ok(pg::exec(w(), "UPDATE case_keys SET last_event_at = $1 WHERE case_tag = $2",
                         pg::Params().add(last_event_hour).add_bytes(case_tag), "age case key"));
}

Result<std::uint32_t> PostgresStore::next_detail_number(const Tag& case_tag) {
  auto next = pg::exec(w(), "SELECT coalesce(max(n), 0) + 1 FROM case_details WHERE case_tag = $1",
                       pg::Params().add_bytes(case_tag), "next case detail");
  if (!next) return next.error();
  return static_cast<std::uint32_t>(next->i64(0, 0));
}

Status PostgresStore::insert_detail(const Tag& case_tag, std::uint32_t n, ByteView sealed) {
  return pg::ok(
      pg::exec(w(), "INSERT INTO case_details (case_tag, n, sealed) VALUES ($1, $2, $3)",
               pg::Params().add_bytes(case_tag).add(static_cast<std::int64_t>(n)).add_bytes(sealed),
               "insert case detail"));
}

}  // namespace cw::daemon
