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

Status PostgresStore::store_details(const Tag& case_tag, const WipedBytes& details,
                                    std::int64_t now) {
  if (!keys_) return make_error(Errc::store_unavailable, "the store was opened without keys");
  auto k = pg::exec(w(), "SELECT wrapped FROM case_keys WHERE case_tag = $1",
                    pg::Params().add_bytes(case_tag), "read case key");
  if (!k) return k.error();
  CaseKey key;
  if (k->size() == 1) {
    if (auto st = keys_->unwrap_case_key(k->bytes(0, 0), case_tag, key); !st.ok())
      return make_error(Errc::store_unavailable, st.error().message);
  } else {
    randombytes_buf(key.data(), key.size());
    CW_TRY(pg::exec(
        w(), "INSERT INTO case_keys (case_tag, wrapped, last_event_at) VALUES ($1, $2, 0)",
        pg::Params().add_bytes(case_tag).add_bytes(keys_->wrap_case_key(key.view(), case_tag)),
        "insert case key"));
  }
  CW_TRY(pg::exec(w(), "UPDATE case_keys SET last_event_at = $1 WHERE case_tag = $2",
                  pg::Params().add(hour_of(now)).add_bytes(case_tag), "age case key"));
  auto next = pg::exec(w(), "SELECT coalesce(max(n), 0) + 1 FROM case_details WHERE case_tag = $1",
                       pg::Params().add_bytes(case_tag), "next case detail");
  if (!next) return next.error();
  const auto n = static_cast<std::uint32_t>(next->i64(0, 0));
  CW_TRY(
      pg::exec(w(), "INSERT INTO case_details (case_tag, n, sealed) VALUES ($1, $2, $3)",
               pg::Params()
                   .add_bytes(case_tag)
                   .add(static_cast<std::int64_t>(n))
                   .add_bytes(seal_under(key.view(), details.view(), case_detail_ad(case_tag, n))),
               "insert case detail"));
  return Status::Ok();
}

Result<Recorded> PostgresStore::write_alert(const NewAlert& a) {
  const std::int64_t received_at = seconds_of(a.received_at);
  // Under the writer lock, so another daemon's copy of this alert is either
  // committed (and found here) or not yet begun.
  auto found = pg::exec(w(), "SELECT sender_tag, receipt FROM alerts WHERE alert_tag = $1",
                        pg::Params().add_bytes(a.alert_tag), "lookup");
  if (!found) return found.error();
  if (found->size() == 1) {
    Recorded r;
    r.duplicate = true;
    r.sender_conflict = !ct_equal(found->bytes(0, 0), a.sender_tag);
    r.receipt.assign(found->bytes(0, 1).begin(), found->bytes(0, 1).end());
    auto leaf = find_leaf(a.leaf_tag);
    if (!leaf) return leaf.error();
    r.log = *leaf;
    // Recorded through another daemon moments ago: this daemon's tree may
    // not have it yet, and the repeat's receipt comes with its proof.
    if (*leaf && (*leaf)->index && *(*leaf)->index >= log_.size()) sync_before_answers_ = true;
    return r;
  }

  std::int64_t case_id = 0;
  std::string pseudonym;
  CaseFacts facts = a.event.facts;
  std::vector<Recipient> to = a.event.recipients;
  if (a.kind != AlertKind::new_case) {
    auto c = pg::exec(
        w(), "SELECT id, pseudonym, facts, state, owner_tag FROM cases WHERE case_tag = $1",
        pg::Params().add_bytes(a.event.case_tag), "read case");
    if (!c) return c.error();
    const auto unknown = make_error(Errc::unknown_case, "no case of yours has this reference");
    if (c->size() == 0) return unknown;
    Tag reporter{};
    copy_tag(c->bytes(0, 4), reporter);
    if (!owns_case(reporter, a.event.owner_tags)) return unknown;
    if (c->text(0, 3) == "retracted")
      return make_error(Errc::case_retracted, "this case was retracted; a retraction is final");
    case_id = c->i64(0, 0);
    pseudonym = c->text(0, 1);
    auto stored = CaseFacts::from_json(c->text(0, 2));
    if (!stored) return stored.error();
    facts = std::move(*stored);
    facts.merge_from(a.event.facts);
    CW_TRY(pg::exec(w(), "DELETE FROM answers WHERE case_id = $1 AND answer = 'need_information'",
                    pg::Params().add(case_id), "clear requests for information"));
    auto on_case = orgs_on_case(case_id);
    if (!on_case) return on_case.error();
    to = told_of_follow_up(a.event.route ? a.event.route(facts) : std::vector<Recipient>{},
                           *on_case);
  }

  CW_TRY(pg::exec(w(),
                  "INSERT INTO alerts (alert_tag, sender_tag, kind, received_day, sealed, receipt) "
                  "VALUES ($1, $2, $3, $4, $5, $6)",
                  pg::Params()
                      .add_bytes(a.alert_tag)
                      .add_bytes(a.sender_tag)
                      .add(to_string(a.kind))
                      .add(day_of(received_at))
                      .add_bytes(ByteView())
                      .add_bytes(a.receipt),
                  "insert alert"));
  Recorded r;
  if (a.kind == AlertKind::new_case) {
    auto c = pg::exec(
        w(),
        "INSERT INTO cases (case_tag, pseudonym, facts, state, opened_at, escalate_at, owner_tag) "
        "VALUES ($1, $2, $3, 'open', $4, $5, $6) RETURNING id",
        pg::Params()
            .add_bytes(a.event.case_tag)
            .add(a.event.case_id)
            .add(facts.to_json())
            .add(hour_of(received_at))
            .add(a.event.escalate_at ? seconds_of(*a.event.escalate_at) : 0)  // 0: never
            .add_bytes(a.event.owner_tag),
        "insert case");
    if (!c) return c.error();
    case_id = c->i64(0, 0);
    pseudonym = a.event.case_id;
  } else {
    CW_TRY(pg::exec(
        w(), "UPDATE cases SET facts = $1, state = $2 WHERE id = $3",
        pg::Params().add(facts.to_json()).add(case_state_name(state_after(a.kind))).add(case_id),
        "update case"));
  }
  if (!a.details.empty()) CW_TRY(store_details(a.event.case_tag, a.details, received_at));
  auto seq = ledger::add_event(*this, {case_id, pseudonym, facts, 0, false}, to_string(a.kind), to,
                               received_at);
  if (!seq) return seq.error();
  r.notification = *seq;
  r.deliveries = to.size();
  auto leaf = append_leaf(a.kind == AlertKind::new_case ? LeafKind::alert : LeafKind::follow_up,
                          received_at, a.leaf_tag);
  if (!leaf) return leaf.error();
  r.log = *leaf;
  return r;
}

}  // namespace cw::daemon
